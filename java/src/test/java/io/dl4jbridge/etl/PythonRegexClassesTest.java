package io.dl4jbridge.etl;

import org.junit.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * The JVM's {@code \d \D \w \W \s \S \b \B} are Python 3.11's on every code point 0..0x10FFFF: the table
 * {@code python_regex_classes.txt} is written by {@code python/tools/write_regex_classes.py} (with the Java
 * tables) from Python's {@code re}; {@code tests/test_regex_classes.py} fails when either file is stale.
 */
public class PythonRegexClassesTest {
    private static Map<Character, BitSet> table() throws IOException {
        Map<Character, BitSet> sets = new HashMap<>();
        Path file = Paths.get("java", "src", "test", "resources", "python_regex_classes.txt");
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split(" ");
                sets.computeIfAbsent(parts[0].charAt(0), k -> new BitSet(0x110000))
                        .set(Integer.parseInt(parts[1], 16), Integer.parseInt(parts[2], 16) + 1);
            }
        }
        return sets;
    }

    private static void check(String regex, BitSet expected, boolean negated) {
        Matcher m = PyCompat.compile(regex).matcher("");
        int wrong = 0;
        int first = -1;
        for (int cp = 0; cp < 0x110000; cp++) {
            boolean matched = m.reset(new String(Character.toChars(cp))).matches();
            if (matched != (expected.get(cp) != negated)) {
                if (first < 0) {
                    first = cp;
                }
                wrong++;
            }
        }
        assertEquals(regex + ": " + wrong + " code points differ from Python, first U+"
                + Integer.toHexString(Math.max(first, 0)).toUpperCase(), 0, wrong);
    }

    @Test
    public void everyCodePointIsClassedAsPythonClassesIt() throws IOException {
        Map<Character, BitSet> table = table();
        assertEquals(3, table.size());
        for (char c : new char[] {'d', 'w', 's'}) {
            BitSet set = table.get(c);
            String e = "\\" + c;
            String ne = "\\" + Character.toUpperCase(c);
            check(e, set, false);
            check(ne, set, true);
            check("[" + e + "]", set, false);
            check("[^" + e + "]", set, true);
            check("[" + ne + "]", set, true);
            check("[^" + ne + "]", set, false);
        }
        BitSet word = table.get('w');
        check("(?s).\\b", word, false);     // the lookbehind sees supplementary characters
        check("(?s)\\b.", word, false);
        check("(?s).\\B", word, true);
        check("(?s)\\B.", word, true);
    }

    @Test
    public void theFuzzersFindingsAndTheClassesJavaGetsWrong() {
        assertTrue(PyCompat.compile("\\s").matcher("\u001c").matches());
        assertFalse(PyCompat.compile("\\S").matcher("\u001f").matches());
        Matcher host = PortableRegex.compile("(?P<Host>\\S+) (?P<Msg>.*)", "test").pattern.matcher("web\u001cfront logout");
        assertFalse(host.matches());   // Python: no format match
        Matcher user = PyCompat.compile("user (\\w+)").matcher("user rene\u0301");
        assertTrue(user.find());
        assertEquals("rene", user.group(1));
        assertTrue(PyCompat.compile("\\w+").matcher("x\u00b2\u00bd").matches());            // No: Python's \w
        assertFalse(PyCompat.compile("\\w").matcher("\u200d").matches());                   // ZWJ is not
        assertFalse(PyCompat.compile("\\w").matcher("\u203f").matches());                   // nor Pc other than _
        assertTrue(PyCompat.compile("\\d").matcher("\ud81a\udec0").matches());              // U+16AC0, Unicode 14
        assertTrue(PyCompat.compile("\\d").matcher("\uff11").matches());
    }

    @Test
    public void escapesAndClassesKeepTheirPythonMeaning() {
        assertTrue(PyCompat.compile("\\\\w").matcher("\\w").matches());       // an escaped backslash, then 'w'
        assertTrue(PyCompat.compile("\\\\\\w").matcher("\\x").matches());
        assertTrue(PyCompat.compile("[\\w-]+").matcher("a-b_\u00b2").matches());
        assertFalse(PyCompat.compile("[\\w-]+").matcher("a\u0301").matches());
        assertTrue(PyCompat.compile("[]\\d]+").matcher("]1").matches());      // ']' first is literal
        assertTrue(PyCompat.compile("[^]\\d]").matcher("x").matches());
        assertFalse(PyCompat.compile("[^]\\d]").matcher("]").matches());
        assertTrue(PyCompat.compile("[\\b]").matcher("\b").matches());         // a backspace in a class
        assertTrue(PyCompat.compile("[^\\W\\d]+").matcher("ab\u00e9_").matches());   // letters and _, no digit
        assertFalse(PyCompat.compile("[^\\W\\d]").matcher("1").matches());
        assertTrue(PyCompat.compile("a\\b").matcher("a").matches());
        assertFalse(PyCompat.compile("\\B").matcher("").find());              // Python 3.11: no \B in ""
        assertFalse(PyCompat.compile("\\b").matcher("").find());
        assertTrue(PyCompat.compile("\\B").matcher(" ").find());
        assertTrue(PyCompat.compile("e\\b").matcher("e\u0301").find());       // U+0301 is not a word character
        assertTrue(PyCompat.compile("\\d{2}:\\d{2}").matcher("12:34").matches());
        assertFalse(PyCompat.compile("\\b\\W").matcher("\ud835\udc00").find());   // never inside a surrogate pair
        assertTrue(PyCompat.compile("(?<=\\w)x").matcher("\ud835\udc00x").find());
        assertFalse(PyCompat.compile("(?<!\\w)x").matcher("\ud835\udc00x").find());   // U+1D400 is a letter
        assertFalse(PyCompat.compile("(?<![^\\W\\d])x").matcher("\ud835\udc00x").find());
        assertTrue(PyCompat.compile("(?<!\\d)x").matcher("\ud835\udc00x").find());
        assertFalse(PyCompat.compile("(?<!\\d)x").matcher("\ud835\udfcex").find());   // U+1D7CE is a digit
        assertEquals("(?<![a-z])\\(\\)", PortableRegex.pythonClasses("(?<![a-z])\\(\\)"));
        assertFalse(PortableRegex.pythonClasses("(?<![a-z])\\d+").endsWith(PortableRegex.CODE_POINT_MARK));
        assertTrue(PortableRegex.pythonClasses("(?<![a-z\\d])x").endsWith(PortableRegex.CODE_POINT_MARK));
        assertTrue(PyCompat.compile("a|b").matcher("b").matches());
        assertTrue(PyCompat.compile("(?x) a # a comment").matcher("a").matches());
        assertEquals("(?<x>a)", PortableRegex.pythonClasses("(?<x>a)"));
        assertFalse(PyCompat.compile("a\\Z").matcher("a\n").find());           // Python's \Z: the very end only
        assertTrue(PyCompat.compile("a\\Z").matcher("ba").find());
        assertTrue(PyCompat.compile("a$").matcher("a\n").find());              // $: before a final \n too, as Python
        assertTrue(PyCompat.compile("a\\vb").matcher("a\u000bb").matches());    // Python's \v: U+000B only
        for (String blank : new String[] {"\r", "\f", "\u0085", "\u2028", "\u2029"}) {
            assertFalse(PyCompat.compile("a\\vb").matcher("a" + blank + "b").matches());
            assertFalse(PyCompat.compile("a[\\v]b").matcher("a" + blank + "b").matches());
        }
        assertTrue(PyCompat.compile("a[\\v]b").matcher("a\u000bb").matches());
    }

    @Test
    public void theTablesAreOnePythonsAndASCIIComesFirst() {
        assertEquals("3.11", PythonRegexClasses.PYTHON_VERSION.substring(0, 4));
        assertEquals("14.0.0", PythonRegexClasses.UNICODE_VERSION);
        String digit = PortableRegex.classOf(PythonRegexClasses.DIGIT, false);
        assertTrue(digit, digit.startsWith("[\\x{30}-\\x{39}[\\x{80}-\\x{10ffff}&&["));
        assertTrue(Pattern.compile(digit).matcher("\ud835\udfce").matches());   // U+1D7CE MATHEMATICAL BOLD DIGIT ZERO
    }
}
