package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

/**
 * Trace trial (SRE) on the JVM side; pytest checks Python the same way, with the same words
 * ({@code tests/etl/test_trace_trial_readers.py}): a stack trace after a bad line is the bad line's, never joined to
 * the record before it; the bad-lines and records-without-key warnings name their first line; a text line holding a
 * carriage return that does not end it (CR line endings) is counted for a warning.
 */
public class TraceTrialReaderTest {
    /** Python's {@code TextReader("<n>: <msg>", line_rules=r).to_dict()["regex"]}, r = 1 and 2. */
    private static final String REGEX_1 = "^(?<n>.*?):[ \\t]+(?<msg>.*)$";
    private static final String REGEX_2 = "^[ \\t]*(?![ \\t])(?<n>.*?):[ \\t]+(?![ \\t])(?<msg>.*)$";
    /** Python's readers.DEFAULT_CONTINUATION. */
    private static final String CONTINUATION = "^(?:[ \\t]+|Caused by:|Suppressed:|\\.\\.\\. \\d+ more|Exception in "
            + "thread \"|Traceback \\(most recent call last\\):|During handling of the above exception|The above "
            + "exception was the direct cause|[A-Za-z_$][A-Za-z0-9_$.]*(?:Exception|Error|Throwable)(?:\\([^)]*\\))?"
            + "(?::|$))";
    private static final String[] CONT_AFTER_BAD = {"1: good record A", "!!corrupted header without colon",
        "    at com.x.Y.z(Y.java:1)", "    at com.x.Y.w(Y.java:2)", "2: good record B"};

    private static ReadReport report;

    private static TextRecordReader reader(int lineRules, String... typedN) {
        return new TextRecordReader(lineRules == 1 ? REGEX_1 : REGEX_2, Arrays.asList("n", "msg"), CONTINUATION,
                typedN.length == 0 ? null : Collections.singletonMap("n", "int"), "<n>: <msg>", lineRules);
    }

    private static List<Record> read(RecordReader reader, String mode, StringWriter quarantine, String... lines) {
        report = new ReadReport();
        return ReaderRuns.read(reader, report, mode, quarantine, lines);
    }

    /** The quarantine's (line, text) pairs, as {@code "line|text"}. */
    private static List<String> quarantined(StringWriter quarantine) throws Exception {
        List<String> out = new ArrayList<>();
        for (String json : quarantine.toString().split("\n")) {
            if (!json.isEmpty()) {
                JsonNode node = JsonValues.MAPPER.readTree(json);
                out.add(node.get("line").asLong() + "|" + node.get("text").asText());
            }
        }
        return out;
    }

    @Test
    public void continuationLinesAfterABadLineAreTheBadLines() throws Exception {
        for (int rules : new int[] {1, 2}) {
            StringWriter quarantine = new StringWriter();
            List<Record> records = read(reader(rules), "lenient", quarantine, CONT_AFTER_BAD);
            assertEquals(2, records.size());
            assertEquals("good record A", records.get(0).get("msg"));
            assertEquals("good record B", records.get(1).get("msg"));
            assertEquals(5L, records.get(1).line);
            assertEquals(1, report.badLines);
            assertEquals(2, report.continuationLines);
            assertEquals(report.lines, report.records + report.continuationLines + report.blankLines + report.badLines);
            assertEquals(Collections.singletonList("2|" + String.join("\n", Arrays.copyOfRange(CONT_AFTER_BAD, 1, 4))),
                    quarantined(quarantine));
        }
    }

    @Test
    public void aBadLineWithATraceKeepsLineOrderAndBlankLinesInTheQuarantine() throws Exception {
        StringWriter quarantine = new StringWriter();
        List<Record> records = read(reader(2, "int"), "lenient", quarantine, "x: wrong type", "  at a", "!bad", "",
                "  at b", "!worse", "  at c", "1: ok", "!last", "  at d");
        assertEquals(1, records.size());
        assertEquals("ok", records.get(0).get("msg"));
        assertEquals(Arrays.asList("1|x: wrong type\n  at a", "3|!bad\n  at b", "6|!worse\n  at c", "9|!last\n  at d"),
                quarantined(quarantine));
        assertEquals(Arrays.asList(10L, 1L, 4L, 4L, 1L), Arrays.asList(report.lines, report.records, report.badLines,
                report.continuationLines, report.blankLines));
    }

    @Test
    public void anInputStartingWithABadLineAndItsTraceHasNoRecordToContinueOnlyBeforeIt() throws Exception {
        StringWriter quarantine = new StringWriter();
        read(reader(2), "lenient", quarantine, "  at x", "!bad", "  at y", "1: ok");
        assertEquals(Arrays.asList("1|  at x", "2|!bad\n  at y"), quarantined(quarantine));
        assertEquals(Long.valueOf(1L), report.badByReason.get("no record to continue"));
        assertEquals(Long.valueOf(1L), report.badByReason.get("no format match"));
    }

    @Test
    public void strictModeNamesTheBadLineNotItsTrace() {
        try {
            read(reader(2), "strict", null, CONT_AFTER_BAD);
            fail("a bad line in strict mode");
        } catch (BadRecordException e) {
            assertEquals(2L, e.line());
            assertEquals("no format match: line does not match the log format", e.reason());
        }
    }

    /** pytest's {@code test_a_bad_line_right_after_a_continuation_line_says_to_extend_continuation}, same lines and
     *  words: a trace line the continuation regex does not know (Spark's "Driver stacktrace:") says to extend it. */
    @Test
    public void aBadLineRightAfterAContinuationLineSaysToExtendContinuation() throws Exception {
        String[] lines = {"1: a", "java.io.IOException: x", "  at y", "Driver stacktrace:", "  at z", "2: b", "!other"};
        String after = "line does not match the log format; it comes right after a continuation line, inside a "
                + "multi-line record (a stack trace?): if it belongs there, as Spark's 'Driver stacktrace:' does, "
                + "make the reader's continuation regex match it too (run.toml [reader] continuation: the "
                + "default, dl4j_bridge.etl.readers.DEFAULT_CONTINUATION, then |Driver stacktrace:); a saved "
                + "model keeps the continuation regex it was trained with (score, evaluate and update read with "
                + "it): train it again after the change";
        try {
            read(reader(2), "strict", null, lines);
            fail("a bad line in strict mode");
        } catch (BadRecordException e) {
            assertEquals(4L, e.line());
            assertEquals("no format match: " + after, e.reason());
        }
        StringWriter quarantine = new StringWriter();
        read(reader(2), "lenient", quarantine, lines);
        List<String> reasons = new ArrayList<>();
        for (String json : quarantine.toString().split("\n")) {
            if (!json.isEmpty()) {
                JsonNode node = JsonValues.MAPPER.readTree(json);
                reasons.add(node.get("line").asLong() + "|" + node.get("reason").asText());
            }
        }
        assertEquals(Arrays.asList("4|no format match: " + after + "; not even the format's first part, '<n>: ', "
                        + "matches the start of the line, 'Driver stacktrace:': check the first field and the text "
                        + "after it (another separator?)",
                "7|no format match: line does not match the log format; not even the format's first part, '<n>: ', "
                        + "matches the start of the line, '!other': check the first field and the text after it "
                        + "(another separator?)"), reasons);
        assertEquals(Arrays.asList("4|Driver stacktrace:\n  at z", "7|!other"), quarantined(quarantine));
    }

    @Test
    public void theBadLinesWarningNamesTheFirstBadLine() {
        read(reader(2, "int"), "lenient", null, "1: a", "2: b", "!", "3: c", "?", "x: d");
        assertEquals("<lines>: 3 bad lines {'no format match': 2, 'wrong type': 1}, first at line 3; to see where the "
                + "log format stops matching each 'no format match' line, read with a quarantine file (--quarantine "
                + "FILE, run.toml [reader] quarantine)", report.badLinesWarning());
        report.quarantine = "q.jsonl";
        assertEquals("<lines>: 3 bad lines {'no format match': 2, 'wrong type': 1}, first at line 3, quarantined to "
                + "q.jsonl (each 'no format match' line with where the log format stops matching it)",
                report.badLinesWarning());
    }

    /** Word for word what pytest's {@code test_the_shared_warning_words} expects of Python. */
    @Test
    public void theSharedWarningWords() {
        ReadReport r = new ReadReport();
        r.source = "hdfs_edge.log";
        r.badLines = 1;
        r.badByReason.put("no format match", 1L);
        r.firstBadLine = 9;
        assertEquals("hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9", r.badLinesWarning());
        r.logFormat = true;   // a text reader with a log_format: the warning points at the quarantine's reasons
        assertEquals("hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9; to see where the log format "
                + "stops matching each 'no format match' line, read with a quarantine file (--quarantine FILE, "
                + "run.toml [reader] quarantine)", r.badLinesWarning());
        r.quarantine = "bad.jsonl";
        assertEquals("hdfs_edge.log: 1 bad lines {'no format match': 1}, first at line 9, quarantined to bad.jsonl "
                + "(each 'no format match' line with where the log format stops matching it)", r.badLinesWarning());
        r.logFormat = false;
        r.quarantine = null;
        SessionAssembler sessions = new SessionAssembler(null, 1, 0);
        for (long line : new long[] {2, 5, 7, 54}) {
            sessions.add(new Step(new float[1], 0, 0, line, line == 2 ? "k" : null, 0.0), s -> { });
        }
        assertEquals("3 records have no session key 'pid' (the first on line 5): they belong to no session and are "
                + "not scored (records_without_key)", sessions.recordsWithoutKeyWarning("pid"));
        r.source = "cr_only.log";
        r.carriageReturnLines = 1;
        r.firstCarriageReturnLine = 1;
        assertEquals("cr_only.log: 1 lines hold a carriage return (CR) that does not end them (the first on line 1): "
                + "if the file has CR line endings, its lines were read as one; convert them to LF "
                + "(tr '\\r' '\\n' < in.log > out.log)", r.carriageReturnWarning());
    }

    @Test
    public void aCarriageReturnWithinALineIsCountedAndReadAsBefore() {
        // the lines of "1: a\r2: b\r3: c\r\n4: d\r\n5: e\rf\n" as LineSplitter gives them (a CRLF's CR removed)
        List<Record> records = read(reader(2), "strict", null, "1: a\r2: b\r3: c", "4: d", "5: e\rf");
        List<Object> messages = new ArrayList<>();
        for (Record r : records) {
            messages.add(r.get("msg"));
        }
        assertEquals(Arrays.asList("a\r2: b\r3: c", "d", "e\rf"), messages);
        assertEquals(2, report.carriageReturnLines);
        assertEquals(1, report.firstCarriageReturnLine);
    }
}
