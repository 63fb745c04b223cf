package io.dl4jbridge.etl;

import org.junit.Test;

import java.io.StringWriter;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * The reason and column of a line that is not valid JSON, in Python's words ({@code dl4j_bridge.etl.jsonsyntax};
 * the full table and a random corpus are checked against Python by {@code tests/test_json_syntax_parity.py}).
 */
public class JsonSyntaxTest {
    @Test
    public void reasonsAndColumnsAreThoseOfPythonsScanner() {
        String[][] cases = {
            {"not json", "expected a value at column 1, found 'n'"},
            {"{\"a\": 1,}", "trailing comma at column 8"},
            {"{\"a\": \"x", "unterminated string at column 7"},
            {"{\"a\": 1", "unexpected end of line at column 8"},
            {"{'a': 1}", "expected a key in double quotes at column 2, found \"'\""},
            {"{\"a\": 01}", "invalid number at column 7"},
            {"{\"a\": -INF}", "invalid number at column 7"},
            {"{\"a\": \"\\x\"}", "invalid escape in a string at column 8"},
            {"{\"a\": \"\u0001\"}", "unescaped control character in a string at column 8, found U+0001"},
            {"{\"a\": 1}}", "extra data after the value at column 9, found '}'"},
            // a character beyond U+FFFF is one column (two UTF-16 units), as Python counts
            {"{\"\uD83D\uDE00\": x}", "expected a value at column 7, found 'x'"},
            {"{\"a\": \uD83D\uDE00}", "expected a value at column 7, found U+1F600"},
        };
        for (String[] c : cases) {
            assertEquals(c[0], c[1], JsonSyntax.describe(c[0]));
        }
        assertNull(JsonSyntax.describe("{\"a\": [NaN, Infinity, -Infinity, -0.5e+3, \"\\u00e9\"], \"b\": {}}"));
    }

    @Test
    public void linesJacksonReadsButJsonLoadsDoesNotAreBadLines() {
        StringBuilder digits = new StringBuilder("{\"v\": ");
        for (int i = 0; i <= JsonSyntax.INT_MAX_DIGITS; i++) {
            digits.append('7');
        }
        String tooLong = digits.append('}').toString();
        String[] lines = {"{\"v\": -INF}", "{\"v\": +INF}", "{\"v\": +Infinity}", tooLong,
            "{\"v\": [NaN, Infinity, -Infinity]}", "{\"v\": 1, \"v\": NaN}", "{\"v\": \"INFO -INF +INF\"}"};
        ReadReport report = new ReadReport();
        StringWriter quarantine = new StringWriter();
        List<Record> records = ReaderRuns.read(new JsonLinesRecordReader(null, new HashMap<>()), report, "lenient",
                quarantine, lines);
        assertEquals(3, records.size());   // json.loads reads the last three only
        assertEquals(1, report.duplicateKeyLines);
        assertEquals(Collections.singletonMap("invalid JSON", 4L), new HashMap<>(report.badByReason));
        String written = quarantine.toString();
        assertTrue(written, written.contains("\"invalid JSON: integer of more than 4300 digits at column 7\""));
        assertTrue(written, written.contains("\"invalid JSON: expected a value at column 7, found '+'\""));
    }
}
