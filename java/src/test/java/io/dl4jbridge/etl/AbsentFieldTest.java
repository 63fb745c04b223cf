package io.dl4jbridge.etl;

import org.junit.Test;

import java.io.StringWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The user-trial defects on the JVM side: a field the reader maps that the input does not have (a CSV header
 * without the column, JSON lines where no record has the path) is refused with Python's AbsentFieldError
 * message instead of being missing on every record; a JSON NaN in an int field is a wrong type.
 */
public class AbsentFieldTest {
    private static Map<String, List<String>> aliases(String... pairs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], Arrays.asList(pairs[i + 1].split("\\|")));
        }
        return out;
    }

    private static List<Record> read(RecordReader reader, String mode, StringWriter quarantine, String... lines) {
        return ReaderRuns.read(reader, new ReadReport(), mode, quarantine, lines);
    }

    @Test
    public void aCsvHeaderWithoutAMappedColumnIsRefusedInBothModesWithPythonsMessage() {
        for (String mode : new String[]{"strict", "lenient"}) {
            try {
                read(new CsvRecordReader(aliases("message", "Content", "label", "Label"), ",", null), mode, null,
                        "Day,Time,Pid,Content,label", "1,2,3,x,0");
                fail(mode + ": the header has no 'Label'");
            } catch (AbsentFieldException e) {
                assertEquals("<lines>:1: the CSV header has no column 'Label' for field 'label'; its columns are "
                        + "['Day', 'Time', 'Pid', 'Content', 'label']: map 'label' to one of them in the reader's "
                        + "fields (run.toml [reader] fields), or check that this is the right input", e.getMessage());
                assertEquals("label", e.field());
                assertEquals(Long.valueOf(1), e.line());
                assertEquals(Arrays.asList("Day", "Time", "Pid", "Content", "label"), e.available());
            }
        }
        List<Record> records = read(new CsvRecordReader(aliases("message", "Message|Content"), ",", null), "strict",
                null, "Day,Content", "1,hello");
        assertEquals("an alias the header has is read", "hello", records.get(0).get("message"));
    }

    @Test
    public void aSemicolonSeparatedHeaderReadWithCommasSaysWhichDelimiterToUseInPythonsWords() {
        try {
            read(new CsvRecordReader(aliases("message", "Content"), ",", null), "lenient", null,
                    "Date;Pid;Content", "Dec;1;x");
            fail("the header is one column");
        } catch (AbsentFieldException e) {
            assertEquals("<lines>:1: the CSV header has no column 'Content' for field 'message'; its columns are "
                    + "['Date;Pid;Content']: map 'message' to one of them in the reader's fields (run.toml [reader] "
                    + "fields), or check that this is the right input; the header splits at ';' into ['Date', 'Pid', "
                    + "'Content']: read the file with delimiter=';' (run.toml [reader] delimiter)", e.getMessage());
        }
        try {   // a tab, and no hint when no part is the column wanted
            read(new CsvRecordReader(aliases("message", "Content"), ",", null), "strict", null, "Date\tMsg", "x");
            fail("the header is one column");
        } catch (AbsentFieldException e) {
            assertTrue(e.getMessage(), e.getMessage().endsWith("or check that this is the right input"));
        }
    }

    @Test
    public void aJsonFieldInNoRecordIsRefusedAtTheEndOfTheReadAndOneInSomeRecordsIsKept() {
        String[] lines = {"{\"msg\": \"a\", \"proc\": {\"pid\": 1}}", "{\"msg\": \"b\", \"proc\": {\"pid\": 2}, \"label\": 1}"};
        JsonLinesRecordReader typo = new JsonLinesRecordReader(aliases("message", "mesg", "pid", "proc.pid|pid",
                "label", "label"), null);
        try {
            read(typo, "lenient", null, lines);
            fail("no record has 'mesg'");
        } catch (AbsentFieldException e) {
            assertEquals("<lines>: field 'message' (path 'mesg') is in none of its 2 JSON records; their fields are "
                    + "['msg', 'proc.pid', 'label']: map 'message' to one of them in the reader's fields "
                    + "(run.toml [reader] fields), or check that this is the right input", e.getMessage());
            assertNull(e.line());
            assertEquals(2, e.records());
        }
        try {
            read(new JsonLinesRecordReader(aliases("message", "msg", "pid", "proc.id|pid"), null), "strict", null, lines);
            fail("no record has 'proc.id' or 'pid'");
        } catch (AbsentFieldException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(
                    "<lines>: field 'pid' (path ['proc.id', 'pid']) is in none of its 2 JSON records"));
        }
        // decided per read: the same reader on input that has the field; 'label' in one record of two is kept
        JsonLinesRecordReader reader = new JsonLinesRecordReader(aliases("message", "msg", "label", "label"), null);
        List<Record> records = read(reader, "strict", null, lines);
        assertEquals(2, records.size());
        assertNull(records.get(0).get("label"));
        assertEquals(1L, records.get(1).get("label"));
        try {
            read(reader, "strict", null, lines[0]);
            fail("this read has no 'label'");
        } catch (AbsentFieldException e) {
            assertEquals("label", e.field());
        }
        // a key holding null is present: the input has the field, the value is missing
        assertEquals(1, read(reader, "strict", null, "{\"msg\": \"a\", \"label\": null}").size());
        // no JSON object at all: nothing to decide (the bad lines say what is wrong)
        assertEquals(0, read(reader, "lenient", null, "not json", "").size());
    }

    @Test
    public void aJsonNanInAnIntFieldIsAWrongTypeLikeAFraction() {
        Map<String, String> types = new LinkedHashMap<>();
        types.put("n", "int");
        types.put("x", "float");
        StringWriter quarantine = new StringWriter();
        JsonLinesRecordReader reader = new JsonLinesRecordReader(aliases("n", "n", "x", "x"), types);
        List<Record> records = read(reader, "lenient", quarantine, "{\"n\": NaN, \"x\": NaN}",
                "{\"n\": 1.5, \"x\": 1}", "{\"n\": null, \"x\": 2}", "{\"n\": 3, \"x\": NaN}");
        assertEquals(2, records.size());
        assertEquals(3L, records.get(0).line);
        assertNull("null is a missing value", records.get(0).get("n"));
        assertNull("NaN in a float field stays a missing value", records.get(1).get("x"));
        assertEquals(Long.valueOf(2), reader.report().badByReason.get("wrong type"));
        assertTrue(quarantine.toString(), quarantine.toString().contains("\"reason\": \"wrong type: expected int, got nan\""));
        try {
            read(new JsonLinesRecordReader(aliases("n", "n"), Collections.singletonMap("n", "int")), "strict", null,
                    "{\"n\": NaN}");
            fail("NaN is not an int");
        } catch (BadRecordException e) {
            assertEquals("<lines>:1: field 'n' wrong type: expected int, got nan", e.getMessage());
        }
    }

    @Test
    public void aSavedSpecRefusesInputWithoutAMappedFieldAsTheScorerDoes() throws Exception {
        EtlSpec spec = EtlSpec.parse(ParityVectors.read(ParityVectors.dir().resolve("etl_jsonl_windows.json").toFile())
                .get("spec").toString());
        EtlStream stream = spec.open("app.jsonl", "lenient", null, 0);
        for (int i = 0; i < 20; i++) {  // 'message' renamed: every other mapped field is there
            stream.accept("{\"@timestamp\": \"2024-03-04T19:19:" + (10 + i) + "\", \"host\": {\"name\": \"db-02\"}, "
                    + "\"level\": \"info\", \"msg\": \"GET /login\", \"label\": 0, \"srcIP\": \"10.0.0.1\", "
                    + "\"destination\": {\"ip\": \"10.0.1.16\", \"port\": 80}, \"bytes\": 5}", s -> { });
        }
        try {
            stream.finish(s -> { });
            fail("no record has 'message'");
        } catch (AbsentFieldException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(
                    "app.jsonl: field 'message' (path 'message') is in none of its 20 JSON records; their fields are "
                    + "['@timestamp', 'host.name', 'level', 'msg', 'label', 'srcIP', 'destination.ip', "
                    + "'destination.port', 'bytes']"));
        }
        // logs to score have no label: missing on every row and reported, as Python's fitted pipeline reads
        EtlStream unlabelled = spec.open("app.jsonl", "strict", null, 0);
        for (int i = 0; i < 20; i++) {
            unlabelled.accept("{\"@timestamp\": \"2024-03-04T19:19:" + (10 + i) + "\", \"host\": {\"name\": \"db-02\"}, "
                    + "\"level\": \"info\", \"message\": \"GET /login\", \"srcIP\": \"10.0.0.1\", "
                    + "\"destination\": {\"ip\": \"10.0.1.16\", \"port\": 80}, \"bytes\": 5}", s -> { });
        }
        unlabelled.finish(s -> { });
        assertEquals(Collections.singletonList("label"), unlabelled.report().absentFields);
        // expected of logs to score: listed, without a warning (Python logs it at DEBUG)
        assertTrue(unlabelled.report().absentMessages.toString(), unlabelled.report().absentMessages.isEmpty());
        assertEquals("app.jsonl: the field 'label' is absent from the input, so it is missing on every row; scored without it, as the model allows (a label, or a field some training records lacked too)",
                AbsentFieldException.warning("app.jsonl", "label"));
    }
}
