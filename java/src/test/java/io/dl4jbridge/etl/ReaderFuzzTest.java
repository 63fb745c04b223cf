package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Matcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Fuzz of the JVM readers (the twin of Python's tests/etl/test_fuzz_readers.py): random bytes, invalid
 * UTF-8, odd JSON, broken CSV, long lines. Lenient reads never throw and account for every line (records +
 * continuation + blank + bad + the CSV header == lines); strict reads only throw {@link BadRecordException}
 * naming a line that exists. A fixed seed keeps it reproducible; a line the format cannot match is rejected
 * in linear time (the format's regex alone backtracks exponentially on it).
 */
public class ReaderFuzzTest {
    private static final int CASES = 2000;
    /** Python's format_to_regex(SYSLOG_FORMAT) in the Java dialect, as a saved spec holds it. */
    private static final String SYSLOG_FORMAT = "<Month> <Day> <Time> <Host> <Service>\\[<Pid>\\]: <Content>";
    private static final String SYSLOG_REGEX = "^(?<Month>.*?)[ \\t]+(?<Day>.*?)[ \\t]+(?<Time>.*?)[ \\t]+"
            + "(?<Host>.*?)[ \\t]+(?<Service>.*?)\\[(?<Pid>.*?)\\]:[ \\t]+(?<Content>.*)$";
    /** The same under line rules 2 (a run of spaces is a whole run of blanks). */
    private static final String SYSLOG_REGEX_2 = ("^[ \\t]*(?![ \\t])(?<Month>.*?)RUN(?<Day>.*?)RUN(?<Time>.*?)RUN(?<Host>.*?)RUN"
            + "(?<Service>.*?)\\[(?<Pid>.*?)\\]:RUN(?<Content>.*)$").replace("RUN", "[ \\t]+(?![ \\t])");
    /** Python's readers.DEFAULT_CONTINUATION. */
    private static final String DEFAULT_CONTINUATION = "^(?:[ \\t]+|Caused by:|Suppressed:|\\.\\.\\. \\d+ more|Exception in "
            + "thread \"|Traceback \\(most recent call last\\):|During handling of the above exception|The above "
            + "exception was the direct cause|[A-Za-z_$][A-Za-z0-9_$.]*(?:Exception|Error|Throwable)(?:\\([^)]*\\))?"
            + "(?::|$))";
    private static final List<String> SYSLOG_FIELDS = Arrays.asList("Month", "Day", "Time", "Host", "Service", "Pid",
            "Content");
    private static final String[] PIECES = {"{", "}", "[", "]", "\"", ",", ":", " ", "\t", "\r", "\u0000", "\uFEFF",
        "\uFFFD", "\\", "\\u0000", "\\ud800", "NaN", "Infinity", "1e400", "-1e400", "123456789012345678901234567890",
        "null", "true", "{\"a\": 1}", "{\"m\": [1, {\"x\": null}]}", "\"\"", "\"a\"\"b\"", "Jan 1 10:00:00 h s[1]: x",
        "\tat x.y(Z.java:1)", "Caused by: boom", "\u2028", "\u0085", "\uD83D\uDE00", "\uD800"};

    private static Map<String, Supplier<RecordReader>> readers() {
        Map<String, String> floatB = Collections.singletonMap("b", "float");
        Map<String, String> intB = Collections.singletonMap("b", "int");
        Map<String, List<String>> aliases = new LinkedHashMap<>();
        aliases.put("m", Collections.singletonList("m"));
        aliases.put("b", Arrays.asList("b", "x.y"));
        Map<String, List<String>> csv = new LinkedHashMap<>();
        csv.put("a", Collections.singletonList("a"));
        csv.put("b", Collections.singletonList("b"));
        Map<String, Supplier<RecordReader>> out = new LinkedHashMap<>();
        out.put("text format, line rules 1", () -> new TextRecordReader(SYSLOG_REGEX, SYSLOG_FIELDS,
                "^(?:[ \\t]+|Caused by:|\\.\\.\\. \\d+ more)", intB, SYSLOG_FORMAT, 1));
        out.put("text format", () -> new TextRecordReader(SYSLOG_REGEX_2, SYSLOG_FIELDS, DEFAULT_CONTINUATION, intB,
                SYSLOG_FORMAT, 2));
        out.put("text regex", () -> new TextRecordReader("(?<level>[A-Z]+) (?<msg>.*)", Arrays.asList("level", "msg"),
                null, null));
        out.put("jsonl", () -> new JsonLinesRecordReader(aliases, floatB));
        out.put("jsonl all keys", () -> new JsonLinesRecordReader(null, null));
        out.put("csv", () -> new CsvRecordReader(csv, ",", intB));
        out.put("csv all columns", () -> new CsvRecordReader(null, ";", null));
        return out;
    }

    /** Random input: bytes decoded as UTF-8 (invalid sequences become U+FFFD, as the launcher reads them) and odd
     *  pieces, split into lines on '\n' as every reader's caller does. */
    private static List<String> randomLines(Random random) {
        StringBuilder text = new StringBuilder();
        int parts = random.nextInt(40);
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(5)) {
                case 0: {
                    byte[] bytes = new byte[random.nextInt(30)];
                    random.nextBytes(bytes);
                    text.append(new String(bytes, StandardCharsets.UTF_8));
                    break;
                }
                case 1:
                    text.append('\n');
                    break;
                case 2:
                    if (random.nextInt(20) == 0) {  // deep nesting, long lines with many separators
                        String unit = random.nextBoolean() ? "[" : "a ";
                        for (int k = random.nextInt(5000) + 1000; k > 0; k--) {
                            text.append(unit);
                        }
                        break;
                    }
                    // fall through
                default:
                    text.append(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        String all = text.toString();
        if (all.isEmpty()) {
            return new ArrayList<>();
        }
        if (all.endsWith("\n")) {
            all = all.substring(0, all.length() - 1);
        }
        List<String> lines = new ArrayList<>();
        for (String line : all.split("\n", -1)) {
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        return lines;
    }

    private static ReadReport read(RecordReader reader, List<String> lines, String mode, List<Record> records) {
        ReadReport report = new ReadReport();
        reader.start(report, new BadLinePolicy("fuzz.log", mode, report, new StringWriter()));
        for (String line : lines) {
            reader.accept(line, records::add);
        }
        reader.finish(records::add);
        return report;
    }

    @Test
    public void strictTextModeChecksTheHeldBackRecordBeforeNamingALaterBadLine() {
        // Python's reader names line 2 (a wrong type, in the record held back for continuations), not line 3
        RecordReader reader = new TextRecordReader("(?<a>[A-Z]+) (?<b>\\S+) (?<c>.*)", Arrays.asList("a", "b", "c"),
                null, Collections.singletonMap("b", "int"));
        try {
            read(reader, Arrays.asList("A 1 ok", "A abc ok", "garbage"), "strict", new ArrayList<>());
            throw new AssertionError("strict mode read a bad line");
        } catch (BadRecordException e) {
            assertEquals(e.getMessage(), 2, e.line());
        }
    }

    @Test
    public void anEmptyContinuationIsOffAsInPython() {
        // Python's TextReader(continuation="") joins nothing; compiled, "" would match every line and swallow the log
        for (String continuation : new String[]{"", null}) {
            List<Record> records = new ArrayList<>();
            ReadReport report = read(new TextRecordReader("(?<a>[A-Z]+) (?<b>.*)", Arrays.asList("a", "b"), continuation,
                    Collections.<String, String>emptyMap()), Arrays.asList("A one", "B two", "  indented", "C three"),
                    "lenient", records);
            assertEquals(String.valueOf(continuation), 3, records.size());
            assertEquals(1, report.badLines);
            assertEquals(0, report.continuationLines);
        }
    }

    @Test
    public void randomInputIsReadOrRejectedWithItsLineNeverACrash() {
        Random random = new Random(20261122L);
        Map<String, Supplier<RecordReader>> readers = readers();
        long started = System.nanoTime();
        for (int c = 0; c < CASES; c++) {
            List<String> lines = randomLines(random);
            if (c % 3 == 0) {  // a usable CSV header, so that the rows get read too
                lines.add(0, random.nextBoolean() ? "a,b" : "a;b");
            }
            for (Map.Entry<String, Supplier<RecordReader>> e : readers.entrySet()) {
                String what = e.getKey() + ", case " + c + ": " + abbreviate(lines);
                List<Record> records = new ArrayList<>();
                ReadReport report;
                boolean csv = e.getKey().startsWith("csv");
                RecordReader reader = e.getValue().get();
                try {
                    report = read(reader, lines, "lenient", records);
                } catch (AbsentFieldException absent) {
                    checkAbsent(absent, csv, what);
                    if (csv) {
                        continue;  // refused at the header
                    }
                    report = reader.report();  // JSON lines: decided at the end of the read, which is complete
                } catch (BadRecordException header) {  // an unusable CSV header raises in both modes, as in Python
                    assertTrue("only a CSV header stops a lenient read, " + what + ": " + header.getMessage(),
                            csv && header.line() == 1);
                    continue;
                } catch (RuntimeException | StackOverflowError error) {
                    throw new AssertionError("lenient read threw, " + what, error);
                }
                long header = csv && !lines.isEmpty() ? 1 : 0;
                assertEquals(what, lines.size(), report.lines);
                assertEquals("every line accounted for, " + what, report.lines,
                        header + report.records + report.continuationLines + report.blankLines + report.badLines);
                assertEquals(what, report.records, records.size());
                long previous = 0;
                for (Record record : records) {
                    assertTrue("line numbers increase within the input, " + what,
                            record.line > previous && record.line <= lines.size());
                    previous = record.line;
                }
                try {
                    read(e.getValue().get(), lines, "strict", new ArrayList<>());
                } catch (AbsentFieldException absent) {
                    checkAbsent(absent, csv, what);
                } catch (BadRecordException bad) {
                    assertTrue("the line exists, " + what, bad.line() >= 1 && bad.line() <= lines.size());
                    assertEquals("fuzz.log", bad.file());
                    assertNotNull(bad.reason());
                } catch (RuntimeException | StackOverflowError error) {
                    throw new AssertionError("strict read threw something else than BadRecordException, " + what,
                            error);
                }
            }
        }
        assertTrue("the fuzz must stay fast (no backtracking blow-up)",
                System.nanoTime() - started < 120_000_000_000L);
    }

    /** A mapped field the input lacks: named, with the fields the input has, which lack it. */
    private static void checkAbsent(AbsentFieldException absent, boolean csv, String what) {
        assertEquals(what, "fuzz.log", absent.file());
        assertTrue(what, Arrays.asList("a", "b", "m").contains(absent.field()));
        for (String name : absent.names()) {
            assertTrue("the input's fields lack it, " + what, !absent.available().contains(name));
        }
        if (csv) {
            assertEquals(what, Long.valueOf(1), absent.line());
        } else {
            assertTrue(what, absent.line() == null && absent.records() >= 1);
        }
    }

    @Test
    public void aLongLineTheFormatCannotMatchIsRejectedAtOnce() {
        StringBuilder hostile = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            hostile.append("a ");
        }
        List<Record> records = new ArrayList<>();
        long started = System.nanoTime();
        ReadReport report = read(readers().get("text format").get(),
                Arrays.asList("Jan 1 10:00:00 h s[1]: x", hostile.toString(), "Jan 1 10:00:01 h s[1]: " + hostile),
                "lenient", records);
        assertTrue("seconds: " + (System.nanoTime() - started) / 1e9, System.nanoTime() - started < 10_000_000_000L);
        assertEquals(2, records.size());
        assertEquals(1, report.badLines);
        assertEquals(hostile.toString(), records.get(1).get("Content"));
    }

    private static final String LINUX_FORMAT = "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>";
    /** loghub's Mac format: an optional segment after literal text ({@code \\]}). */
    private static final String MAC_FORMAT =
            "<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>";

    @Test
    public void aFormatWithAnOptionalSegmentAfterLiteralTextReadsHostileLinesInLinearTime() {
        // as Python's test_malformed_input: such a line took 0.6 s at 15 blanks and 5.3 s at 20 (line rules 1)
        String blanks = repeat(" ", 10_000);
        List<String> lines = Arrays.asList(
                "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback",
                "Jul  7 12:15:44 host quicklookd[38023]" + blanks + ": Error ret" + blanks,
                "Jul  7 12:15:44 host quicklookd[38023]" + blanks + "(x) : Error ret" + blanks,
                "Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: Thermal pressure state: 1",
                "Jul  1 09:02:26 calvisitor-10-105-160-95 quicklookd[38023] (0x7f8c): Error returned",
                "Jul  7 12:15:44 host quicklookd[38023] (0x1)" + blanks + ": ok" + blanks, repeat("a ", 5000));
        for (int rules = 1; rules <= 2; rules++) {
            List<Record> records = new ArrayList<>();
            long started = System.nanoTime();
            ReadReport report = read(formatReader(MAC_FORMAT, rules), lines, "lenient", records);
            assertTrue("seconds: " + (System.nanoTime() - started) / 1e9, System.nanoTime() - started < 5_000_000_000L);
            assertEquals(4, report.badLines);
            assertEquals(3, records.size());
            assertEquals(Arrays.asList(1L, 4L, 5L), Arrays.asList((long) records.get(0).line, (long) records.get(1).line,
                    (long) records.get(2).line));
            assertEquals(Arrays.asList(null, null, "0x7f8c"), Arrays.asList(records.get(0).get("Address"),
                    records.get(1).get("Address"), records.get(2).get("Address")));
            assertEquals(Arrays.asList("0", "43", "38023"), Arrays.asList(records.get(0).get("PID"),
                    records.get(1).get("PID"), records.get(2).get("PID")));
        }
    }

    /** Reads {@code lines} with the format's reader (lenient) and checks it finds the lines and fields the format's
     *  own regex finds, in order; returns how many lines matched. */
    private static int readsAsTheFormatRegexDoes(String format, int rules, PortableRegex regex, List<String> lines) {
        List<Record> records = new ArrayList<>();
        read(formatReader(format, rules), lines, "lenient", records);
        int next = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = regex.pattern.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            Record record = records.get(next++);
            assertEquals(format + " " + rules + " " + lines.get(i), i + 1, record.line);
            for (int g = 0; g < regex.names.size(); g++) {
                assertEquals(format + " " + rules + " " + lines.get(i), regex.group(m, g),
                        record.get(regex.names.get(g)));
            }
        }
        assertEquals(format + " " + rules, next, records.size());
        return next;
    }

    private static TextRecordReader formatReader(String format, int rules) {
        String regex = TextRecordReader.formatToRegex(format, rules);
        return new TextRecordReader(regex, PortableRegex.compile(regex, "test").names, null, Collections.emptyMap(),
                format, rules);
    }

    private static String repeat(String text, int times) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < times; i++) {
            out.append(text);
        }
        return out.toString();
    }

    @Test
    public void aFormatWithAnOptionalSegmentReadsHostileLinesInLinearTime() {
        // such formats were matched without the guard: a 600-character line of "a " blocked serve for > 75 s,
        // and a line of many '[' was quadratic even where it matched (as tests/etl/test_malformed_input.py)
        String good = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure";
        String brackets = repeat("[", 200_000);
        for (int rules = 1; rules <= 2; rules++) {
            List<Record> records = new ArrayList<>();
            long started = System.nanoTime();
            ReadReport report = read(formatReader(LINUX_FORMAT, rules), Arrays.asList(good, repeat("a ", 5000),
                    "Jun 14 15:16:01 combo " + brackets, "Jun 14 15:16:01 combo " + brackets + ": x",
                    "Jun 14 15:16:01 combo " + brackets + "]: x", good.replace("[19939]", "")), "lenient", records);
            assertTrue("seconds: " + (System.nanoTime() - started) / 1e9, System.nanoTime() - started < 10_000_000_000L);
            assertEquals(2, report.badLines);
            assertEquals(4, records.size());
            assertEquals(Arrays.asList("19939", null, brackets.substring(1), null), Arrays.asList(
                    records.get(0).get("PID"), records.get(1).get("PID"), records.get(2).get("PID"), records.get(3).get("PID")));
            assertEquals(Arrays.asList("sshd(pam_unix)", brackets, "", "sshd(pam_unix)"), Arrays.asList(
                    records.get(0).get("Component"), records.get(1).get("Component"), records.get(2).get("Component"),
                    records.get(3).get("Component")));
        }
    }

    @Test
    public void aFormatWithAnOptionalSegmentReadsTheFieldsItsRegexFinds() {
        // as Python's test_a_format_with_an_optional_segment_reads_the_fields_its_regex_finds
        String[] formats = {LINUX_FORMAT, "<A> <B>(\\[<C>\\])? x <D>", "<A>(?:x<B>y)?<C> end", "<A> <B>(\\[<C>\\])?",
                "<A>(<<B>>)?: <C>:", MAC_FORMAT, "<A> <B>:( \\(<C>\\))?: <D>", "<A>x( y<B> z)?<C> end",
                "<A>:(?: <B> -)?<C>:", "<A> <B>\\]( <C>)?", "<A>  <B>x(  <C> \\]x)?  <D>"};
        Random random = new Random(7);
        String alphabet = "a  \t:[]()x<>yend";
        int checked = 0;
        for (String format : formats) {
            assertTrue(format, TextRecordReader.optionalSegment(format) != null);
            for (int rules = 1; rules <= 2; rules++) {
                PortableRegex regex = PortableRegex.compile(TextRecordReader.formatToRegex(format, rules), "test");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    StringBuilder line = new StringBuilder();
                    for (int k = random.nextInt(17); k > 0; k--) {
                        line.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                    lines.add(line.toString());
                }
                checked += readsAsTheFormatRegexDoes(format, rules, regex, lines);
            }
        }
        assertTrue(checked > 1000);
    }

    @Test
    public void aFormatReadByItsCaptureRegexFindsTheLinesAndFieldsItsRegexFinds() {
        // as Python's test_the_capture_regex_finds_the_lines_and_fields_the_format_regex_finds: the reader runs
        // formatCapture's atomic regex instead of the guard and the regex
        String[] formats = {"<Date> <Time> <Pid> <Level> <Component>: <Content>", "<A> <B> - <C> end ", "<A><B> <C>",
                " x <A>  <B>", "<A>\t <B>", "<A> <B>: ", "<Time>\\|<Component>\\|<Pid>\\|<Content>",
                "\\[<Time>\\] \\[<Level>\\] <Content>", "<A> \\| <B> \\|"};
        Random random = new Random(11);
        String alphabet = "a  \t:[]-|@,ebx\\";
        int checked = 0;
        for (String format : formats) {
            assertTrue(format, TextRecordReader.formatCapture(format, 2) != null);
            PortableRegex regex = PortableRegex.compile(TextRecordReader.formatToRegex(format, 2), "test");
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                StringBuilder line = new StringBuilder();
                for (int k = random.nextInt(17); k > 0; k--) {
                    line.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                lines.add(line.toString());
            }
            checked += readsAsTheFormatRegexDoes(format, 2, regex, lines);
        }
        assertTrue("checked " + checked, checked > 500);
    }

    @Test
    public void aFormatWithABackReferenceReadsTheFieldsItsRegexFinds() {
        // as Python's test_a_format_with_a_back_reference_reads_the_fields_its_regex_finds: the guard referred to
        // its own group, the capture regex kept A at its first end "x" and lost the first line (A "x:y")
        String format = "<A>:<B>=\\1";
        for (int rules = 1; rules <= 2; rules++) {
            assertEquals(null, TextRecordReader.formatGuard(format, rules));
            assertEquals(null, TextRecordReader.formatCapture(format, rules));
            List<Record> records = new ArrayList<>();
            read(formatReader(format, rules), Arrays.asList("x:y:z=x:y", "x:y=x", "x:y=z"), "lenient", records);
            assertEquals(2, records.size());
            assertEquals(1, records.get(0).line);
            assertEquals("x:y", records.get(0).get("A"));
            assertEquals("z", records.get(0).get("B"));
            assertEquals("x", records.get(1).get("A"));
            assertEquals("y", records.get(1).get("B"));
        }
    }

    @Test
    public void aLongRunOfBlanksBeforeLiteralTextIsReadInLinearTime() {
        // as Python's test_a_long_run_of_blanks_before_literal_text_is_read_in_linear_time: the capture regex tried
        // " - " from every blank of the run, each attempt scanning the rest of it (quadratic)
        String blanks = repeat(" ", 60_000);
        String[][] cases = {
            {"<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>", "Time", "19:04:12,394",
                "2015-07-29 x" + blanks + "y", "2015-07-29 19:04:12,394" + blanks + "- INFO  [main:QuorumPeer@1] - hi"},
            {"<A> <B> - <C> end ", "C", "c" + blanks + "y", "a b" + blanks + "x", "a b - c" + blanks + "y end "},
            {"<A> <B> ", "B", "b" + blanks + "x", "a b" + blanks + "x", "a b" + blanks + "x "}};
        for (String[] c : cases) {
            assertNotNull(c[0], TextRecordReader.formatCapture(c[0], 2));
            assertReadsTheSecondLineInLinearTime(formatReader(c[0], 2), c[0], c[1], c[2], c[3], c[4]);
        }
    }

    @Test
    public void aLongRunOfBlanksBeforeASeparatorLedByASpaceClassOrATabIsReadInLinearTime() {
        // as Python's test_a_long_run_of_blanks_before_a_separator_led_by_a_space_class_or_a_tab_is_read_in_linear_time
        // (test_malformed_input.py):
        // the capture regex tried "\s - " (or "\t - ") from every blank of the run, each attempt scanning the rest
        // of it (quadratic: 100,000 blanks took 11 s in Python)
        String blanks = repeat(" ", 100_000);
        String mixed = repeat(" \t", 50_000);
        String[][] cases = {
            // format, field, its value in the second line (the first does not match), the lines
            {"<A>\\s - <B>", "A", "x" + blanks + "y", "x" + blanks + "y", "x" + blanks + "y  - z"},
            {"<A>\\s - <B>", "B", "z" + blanks + "y", "x" + blanks + "-y", "x  - z" + blanks + "y"},
            {"<A>\\s - <B>\\s <C>\\s ", "B", "y", "x" + blanks + "y", "x \t- y\r" + blanks + "c\u00a0 "},
            {"<A>\\t - <B>", "A", "x" + mixed + "y", "x" + mixed + "y", "x" + mixed + "y\t - z"},
            {"<A>\t - <B>\t  ", "B", "y" + mixed + "z", "x" + mixed, "x\t - y" + mixed + "z\t  "}};
        for (String[] c : cases) {
            assertNotNull(c[0], TextRecordReader.formatCapture(c[0], 2));
            assertReadsTheSecondLineInLinearTime(formatReader(c[0], 2), c[0], c[1], c[2], c[3], c[4]);
        }
    }

    @Test
    public void formatsWithARunAndSpaceClassesReadTheLinesAndFieldsTheirRegexFinds() {
        // as Python's test_guards_read_and_capture_regexes_find_the_lines_and_fields_the_format_regex_finds: the
        // reader (the capture regex, or the guard then formatReadRegex) against the format's regex, both line rules
        String[] formats = {"<A> \\s- <B>", "<A> \\t- <B>", "<A> \t- <B>", "<A> \\s\\- <B>", "<A> \\s-<B> \\s- <C>",
                "<A> \\s- <B> \\s-", "<A>\\s\\s - <B>", "<A>\\s\\s\\s - <B>\\s\\s -<C> end", "<A>\\s - <B>",
                "<A> - <B>", "<A> <B> <C>", "<A> \\s<B>\\t<C>", "<A> \\s <B>", "<A> \\s<B> - <C>",
                "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>"};
        String[] pieces = {" ", "  ", "\t", " \t ", "-", " - ", "x", "\r", "\u00a0", ":", "end", "\\", "[", "]", "@"};
        Random random = new Random(12);
        int checked = 0;
        for (String format : formats) {
            for (int rules = 1; rules <= 2; rules++) {
                PortableRegex regex = PortableRegex.compile(TextRecordReader.formatToRegex(format, rules), "test");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    StringBuilder line = new StringBuilder();
                    for (int k = random.nextInt(15); k > 0; k--) {
                        line.append(pieces[random.nextInt(pieces.length)]);
                    }
                    lines.add(line.toString());
                }
                checked += readsAsTheFormatRegexDoes(format, rules, regex, lines);
            }
        }
        assertTrue("checked " + checked, checked > 1000);
    }

    @Test
    public void aLongRunOfBlanksBeforeARunAndSpaceClassOrInAnOldSpecIsReadInLinearTime() {
        // as Python's test_a_long_run_of_blanks_before_a_run_and_space_class_or_in_an_old_spec_is_read_in_linear_time:
        // <A> \s- <B> (guard then regex), \s\s - (a capture field trying the separator from every blank) and line
        // rules 1 (guard then regex) took 1.4 s, 0.29 s and 0.3 s on 10,000 blanks (quadratic)
        String blanks = repeat(" ", 100_000);
        String[][] cases = {
            // format, line rules, field, its value in the second line (the first does not match), the lines
            {"<A> \\s- <B>", "2", "A", "x" + blanks + "y", "x" + blanks + "y", "x" + blanks + "y  - z"},
            {"<A> \\s- <B>", "2", "B", "y" + blanks, "x" + blanks + "y", "x \r- y" + blanks},
            {"<A>\\s\\s - <B>", "2", "A", "x" + blanks + "y", "x" + blanks + "y", "x" + blanks + "y   - z"},
            {"<A>\\s\\s - <B>", "2", "A", "x" + blanks.substring(1), "x" + blanks + "y  - ", "x" + blanks + "\r - z"},
            {"<A>\\s - <B>", "1", "A", "x" + blanks + "y", "x" + blanks + "y", "x" + blanks + "y  - z"},
            {"<A> - <B>", "1", "A", "x" + blanks + "y", "x" + blanks + "y", "x" + blanks + "y - z"},
            {"<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>", "1", "Level", "INFO",
                "d t - " + blanks + "y", "d t - INFO " + blanks + "[n:c@1] - z"}};
        for (String[] c : cases) {
            int rules = Integer.parseInt(c[1]);
            assertEquals(c[0], rules == 2, TextRecordReader.formatCapture(c[0], rules) != null);
            String regex = TextRecordReader.formatToRegex(c[0], rules);
            TextRecordReader reader = new TextRecordReader(regex, PortableRegex.compile(regex, "log_format").names,
                    null, Collections.emptyMap(), c[0], rules);
            assertReadsTheSecondLineInLinearTime(reader, c[0], c[2], c[3], c[4], c[5]);
        }
    }

    @Test
    public void formatsWithTwoBlankClassesOneATabReadTheLinesAndFieldsTheirRegexFinds() {
        // as Python's
        // test_a_separator_led_by_blank_classes_with_a_tab_reads_the_lines_and_fields_the_format_regex_finds:
        // the reader (capture regex, or guard then formatReadRegex) against the format's regex, both line rules
        String[] formats = {"<A>\\t\\t - <B>", "<A>\\s\\t - <B>", "<A>\t\t - <B>", "<A>\\t\\s - <B>", "<A>\\t\\t <B>",
                "<A>\\s\\t\\t - <B>\\t\\t-<C> end", "<A>\t\\s - <B>\t\t", "<A>\\t\\t - <B>\\s\\t <C>",
                "<A>\\s\\s\\t -<B>", "<A> \\s\\t - <B>\\t\\t -", "<A>\\t - <B>", "<A>\t - <B>\t  "};
        String[] pieces = {" ", "  ", "\t", "\t\t", "\t\t\t", " \t ", "\t \t", "-", " - ", "x", "\r", "\u00a0", ":",
                "end", "\\", repeat("\t", 12), repeat("\t\t ", 5)};
        Random random = new Random(13);
        int checked = 0;
        for (String format : formats) {
            for (int rules = 1; rules <= 2; rules++) {
                String fieldBefore = rules == 2 ? TextRecordReader.formatCapture(format, rules)
                        : TextRecordReader.formatReadRegex(format, rules);
                assertTrue(format + " " + rules + ": " + fieldBefore, fieldBefore != null
                        && (fieldBefore.contains("[\\s\\S]")
                            || fieldBefore.contains(TextRecordReader.FIELD_BEFORE_TAB_RUN)) || format.startsWith("<A> "));
                PortableRegex regex = PortableRegex.compile(TextRecordReader.formatToRegex(format, rules), "test");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    StringBuilder line = new StringBuilder();
                    for (int k = random.nextInt(17); k > 0; k--) {
                        line.append(pieces[random.nextInt(pieces.length)]);
                    }
                    lines.add(line.toString());
                }
                checked += readsAsTheFormatRegexDoes(format, rules, regex, lines);
            }
        }
        assertTrue("checked " + checked, checked > 1000);
    }

    @Test
    public void aLongRunOfTabsBeforeASeparatorLedByTwoBlankClassesIsReadInLinearTime() {
        // as Python's test_a_long_run_of_tabs_before_a_separator_led_by_two_blank_classes_is_read_in_linear_time:
        // the field before \t\t - or \s\t - tried the separator from every tab of the run (quadratic)
        String tabs = repeat("\t", 100_000);
        String mixed = repeat("\t\t ", 40_000);
        String[][] cases = {
            // format, field, its value in the second line (the first does not match), the lines
            {"<A>\\t\\t - <B>", "A", "x" + tabs + "y", "x" + tabs + "y", "x" + tabs + "y\t\t - z"},
            {"<A>\\t\\t - <B>", "A", "x", "x" + tabs + "y", "x" + tabs + " - z"},
            {"<A>\\s\\t - <B>", "A", "x" + tabs + "y", "x" + tabs + "y", "x" + tabs + "y \t - z"},
            {"<A>\\s\\t - <B>", "B", "z", "x" + mixed + "y", "x" + mixed + "-  z"},
            {"<A>\t\t - <B>", "A", "x" + mixed + "y", "x" + mixed + "y", "x" + mixed + "y\t\t\t-\tz"},
            {"<A>\\t - <B>", "A", "x" + tabs + "y", "x" + tabs + "y", "x" + tabs + "y\t - z"}};
        for (String[] c : cases) {
            for (int rules = 1; rules <= 2; rules++) {
                assertEquals(c[0], rules == 2, TextRecordReader.formatCapture(c[0], rules) != null);
                assertReadsTheSecondLineInLinearTime(formatReader(c[0], rules), c[0] + " " + rules, c[1], c[2], c[3],
                        c[4]);
            }
        }
    }

    /** Reads {@code first} (which the format does not match) and {@code second} within 5 s (a quadratic read of
     *  their long blank runs takes minutes): one record, line 2, whose {@code field} is {@code value}. */
    private static void assertReadsTheSecondLineInLinearTime(TextRecordReader reader, String format, String field,
                                                             String value, String first, String second) {
        List<Record> records = new ArrayList<>();
        long started = System.nanoTime();
        read(reader, Arrays.asList(first, second), "lenient", records);
        long took = System.nanoTime() - started;
        assertTrue(format + " seconds: " + took / 1e9, took < 5_000_000_000L);
        assertEquals(format, 1, records.size());
        assertEquals(format, 2, records.get(0).line);
        assertEquals(format, value, records.get(0).get(field));
    }

    @Test
    public void aSavedSpecGuardsItsFormatToo() throws Exception {
        EtlSpec spec = EtlSpec.parse(ParityVectors.read(ParityVectors.dir().resolve("etl_text_windows.json").toFile())
                .get("spec").toString());  // a spec saved by Python, log_format included
        EtlStream stream = spec.open("<lines>", "lenient", null, 0);
        StringBuilder hostile = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            hostile.append("a ");
        }
        long started = System.nanoTime();
        stream.accept(hostile.toString(), sequence -> { });
        stream.finish(sequence -> { });
        assertTrue("seconds: " + (System.nanoTime() - started) / 1e9, System.nanoTime() - started < 10_000_000_000L);
        assertEquals(1, stream.report().badLines);
    }

    @Test
    public void theFormatGuardIsThePythonOne() throws Exception {
        assertEquals("^(?>.*?[ \\t])(?>.*?[ \\t])(?>.*?[ \\t])(?>.*?[ \\t])(?>.*?\\[)(?>.*?\\]:[ \\t]).*$",
                TextRecordReader.formatGuard(SYSLOG_FORMAT, 1));
        assertEquals("^\\[(?>.*?\\][ \\t]+?\\[)(?>.*?\\][ \\t]).*$",
                TextRecordReader.formatGuard("\\[<Time>\\] \\[<Level>\\] <Content>", 1));
        // an optional segment: the guard of the format without it
        assertEquals(TextRecordReader.formatGuard("<Component>: <Content>", 1),
                TextRecordReader.formatGuard("<Component>(\\[<PID>\\])?: <Content>", 1));
        assertEquals(null, TextRecordReader.formatGuard("<Component>( \\[<PID>\\])?: <Content>", 1));
        // line rules 2: a run of spaces is a whole run of blanks
        String run = TextRecordReader.WHOLE_BLANK_RUN;
        assertEquals("[ \\t]+(?![ \\t])", run);
        assertEquals("^" + TextRecordReader.LEADING_BLANKS + "(?>.*?" + run + ")(?>.*?" + run + ")(?>.*?" + run + ")(?>.*?" + run + ")(?>.*?\\[)(?>.*?\\]:"
                + run + ").*$", TextRecordReader.formatGuard(SYSLOG_FORMAT, 2));
        assertEquals("^\\[(?>.*?\\][ \\t]+?\\[)(?>.*?\\]" + run + ").*$",   // a run before literal text: as short as it can be
                TextRecordReader.formatGuard("\\[<Time>\\] \\[<Level>\\] <Content>", 2));
        assertEquals(TextRecordReader.formatGuard("<Component>: <Content>", 2),
                TextRecordReader.formatGuard("<Component>(\\[<PID>\\])?: <Content>", 2));
        // every format of python/tools/write_parity_vectors.py's GUARD_FORMATS, under both line rules
        JsonNode guards = ParityVectors.read(ParityVectors.dir().resolve("format_guards.json").toFile());
        java.util.Iterator<Map.Entry<String, JsonNode>> it = guards.fields();
        int checked = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            for (int rules = 1; rules <= 2; rules++) {
                JsonNode want = e.getValue().get(Integer.toString(rules));
                assertEquals(e.getKey() + " (line rules " + rules + ")", want.isNull() ? null : want.asText(),
                        TextRecordReader.formatGuard(e.getKey(), rules));
                assertEquals(e.getKey() + " (regex, line rules " + rules + ")",
                        e.getValue().get("regex " + rules).asText(), TextRecordReader.formatToRegex(e.getKey(), rules));
                JsonNode capture = e.getValue().get("capture " + rules);
                assertEquals(e.getKey() + " (capture, line rules " + rules + ")", capture.isNull() ? null
                        : capture.asText(), TextRecordReader.formatCapture(e.getKey(), rules));
                JsonNode read = e.getValue().get("read " + rules);
                assertEquals(e.getKey() + " (read regex, line rules " + rules + ")", read.isNull() ? null
                        : read.asText(), TextRecordReader.formatReadRegex(e.getKey(), rules));
                checked++;
            }
        }
        assertTrue(checked >= 20);
    }

    @Test
    public void bigIntegersAreWrongTypesNotSaturatedAndHugeNumbersSaturateAtTheFloatLimit() {
        try {
            RecordReader.convert("123456789012345678901234567890", "int");
            fail("an integer beyond int64 is not an int");
        } catch (IllegalArgumentException expected) {
            // as Python's reader: a wrong type
        }
        NumericTransform numeric = new NumericTransform("b", "standard", false, "mean", false, 0.0, 1.0, 0.0, 1.0);
        Record record = new Record(1);
        record.values.put("b", 1e300);
        float[] out = new float[1];
        numeric.write(record, out, 0);
        assertEquals(Float.MAX_VALUE, out[0], 0f);
    }

    private static String abbreviate(List<String> lines) {
        String text = lines.toString();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
