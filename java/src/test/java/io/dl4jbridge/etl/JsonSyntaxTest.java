package io.dl4jbridge.etl;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
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
    public void linesJacksonReadsButJsonLoadsDoesNotAreScanned() {
        StringBuilder digits = new StringBuilder("[");
        for (int i = 0; i <= JsonSyntax.INT_MAX_DIGITS; i++) {
            digits.append('7');
        }
        String tooLong = digits.append(']').toString();
        for (String text : new String[]{"[-INF]", "[+INF]", "[+Infinity]", tooLong}) {
            assertTrue(text, JsonSyntax.mayExceedPython(text));
            assertTrue(text, JsonSyntax.describe(text) != null);
        }
        assertFalse(JsonSyntax.mayExceedPython("{\"level\": \"INFO\", \"v\": -Infinity}"));
        assertEquals("integer of more than 4300 digits at column 2", JsonSyntax.describe(tooLong));
    }
}
