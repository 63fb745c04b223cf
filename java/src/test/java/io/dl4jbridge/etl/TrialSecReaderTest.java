package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Security-analyst trial (D5, D6, D13, header lines) on the JVM side; pytest checks Python the same way
 * ({@code tests/etl/test_trial_sec_readers.py}): one ISO 8601 grammar (the shared table
 * {@code tests/resources/iso_times.json}), a lone surrogate escape read as U+FFFD and counted, a CSV quote never
 * closed making only its record bad.
 */
public class TrialSecReaderTest {
    private static ReadReport report;

    private static List<Record> read(RecordReader reader, String mode, StringWriter quarantine, String... lines) {
        report = new ReadReport();
        return ReaderRuns.read(reader, report, mode, quarantine, lines);
    }

    @Test
    public void isoTimesFollowTheSharedTable() throws Exception {
        JsonNode cases = JsonValues.MAPPER.readTree(new File("tests/resources/iso_times.json"));
        TimeParser iso = new TimeParser(null);
        int checked = 0;
        for (JsonNode c : cases.get("accepted")) {
            String text = c.get("text").asText();
            assertEquals(text, c.get("seconds").asDouble(), iso.parseSeconds(text), 0.0);
            checked++;
        }
        for (JsonNode c : cases.get("refused")) {
            String text = c.asText();
            assertTrue("refused: '" + text + "' gave " + iso.parseSeconds(text), Double.isNaN(iso.parseSeconds(text)));
            checked++;
        }
        assertTrue(checked > 50);
    }

    @Test
    public void aLoneSurrogateEscapeIsAReplacementCharacterAndCounted() {
        JsonLinesRecordReader reader = new JsonLinesRecordReader(Collections.singletonMap("a",
                Collections.singletonList("a")), null);
        List<Record> records = read(reader, "strict", null, "{\"a\": \"x\\ud800y\"}", "{\"a\": \"\\ud83d\\ude00\"}",
                "{\"a\": \"\\\\ud800\"}", "{\"a\": \"\\udc00\\ud800\"}");
        List<Object> values = new ArrayList<>();
        for (Record r : records) {
            values.add(r.get("a"));
        }
        assertEquals(Arrays.asList("x\uFFFDy", "\uD83D\uDE00", "\\ud800", "\uFFFD\uFFFD"), values);
        assertEquals(2, report.undecodableLines);
        assertEquals(0, report.badLines);
    }

    private static final String[] UNCLOSED = {"a,b", "x,1", "y,\"2", "z,3", "", "w,4"};

    @Test
    public void anUnclosedQuoteMakesOnlyItsRecordBad() {
        StringWriter quarantine = new StringWriter();
        List<Record> records = read(new CsvRecordReader(null, ",", null), "lenient", quarantine, UNCLOSED);
        List<Long> lines = new ArrayList<>();
        for (Record r : records) {
            lines.add(r.line);
        }
        assertEquals(Arrays.asList(2L, 4L, 6L), lines);
        assertEquals(1, report.badLines);
        assertEquals(1, report.headerLines);
        assertEquals(0, report.continuationLines);
        assertEquals(1, report.blankLines);
        assertEquals(report.lines, report.headerLines + report.records + report.continuationLines
                + report.blankLines + report.badLines);
        assertTrue(quarantine.toString(), quarantine.toString().contains(
                "\"line\": 3, \"field\": null, \"reason\": \"malformed CSV: quote opened at line 3 is never closed\", "
                        + "\"text\": \"y,\\\"2\"}"));
        try {
            read(new CsvRecordReader(null, ",", null), "strict", null, UNCLOSED);
            fail();
        } catch (BadRecordException e) {
            assertEquals(3, e.line());
            assertTrue(e.getMessage(), e.getMessage().contains("quote opened at line 3 is never closed"));
        }
        // a quote closed, then another opened on a later line of the record: that line is named
        read(new CsvRecordReader(null, ",", null), "lenient", quarantine = new StringWriter(),
                "a,b", "x,\"1", "\",\"2", "z,3");
        assertTrue(quarantine.toString(), quarantine.toString().contains("\"line\": 2")
                && quarantine.toString().contains("quote opened at line 3 is never closed"));
        assertEquals(2, report.records + report.badLines - 1);   // lines 3 (now bad: one quote) and 4 read again
    }

    @Test
    public void aQuoteOpenBeyondTheFieldLimitEndsItsRecord() {
        List<String> lines = new ArrayList<>(Arrays.asList("a,b", "x,\"1"));
        char[] filler = new char[1000];
        Arrays.fill(filler, 'q');
        for (int i = 0; i < 200; i++) {   // 200,000 characters: beyond 131,072
            lines.add(new String(filler));
        }
        lines.add("w,4");
        StringWriter quarantine = new StringWriter();
        read(new CsvRecordReader(null, ",", null), "lenient", quarantine, lines.toArray(new String[0]));
        assertTrue(quarantine.toString(), quarantine.toString().startsWith(
                "{\"source\": \"<lines>\", \"line\": 2, \"field\": null, \"reason\": \"malformed CSV: quote opened at "
                        + "line 2 is not closed within 131072 characters\""));
        assertEquals(report.lines, report.headerLines + report.records + report.continuationLines
                + report.blankLines + report.badLines);
        assertEquals(1 + 200, report.badLines);   // each filler line has one cell: a wrong column count
        assertEquals(1, report.records);
        // one line's cell beyond the limit: a bad line, as Python's csv says
        read(new CsvRecordReader(null, ",", null), "lenient", quarantine = new StringWriter(), "a,b",
                "x," + String.join("", Collections.nCopies(132, new String(filler))), "y,2");
        assertTrue(quarantine.toString(), quarantine.toString().contains("field larger than field limit (131072)"));
        assertEquals(1, report.records);
    }
}
