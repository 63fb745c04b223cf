package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text logs matched line by line against the spec's regex (one named group per field). A line that matches the
 * continuation regex (stack traces) is appended, after a newline, to the last field of the record before it; that
 * record is held back until the next record starts. Under line rules 2 (Python's {@code readers.LINE_RULES}) the
 * continuation regex is tried first, so an indented stack frame continues the record even where the format would
 * match it; under line rules 1 (specs of versions 1 and 2) only a line the format does not match can continue one.
 * Continuation lines after a bad line are that bad line's (a stack trace of it): in lenient mode the bad line is held
 * back with them and quarantined as one text, never joined to the record before it (Python's {@code _held_bad}).
 */
public final class TextRecordReader extends RecordReader {
    private static final String REGEX_META = ".^$*+?{}[]()|";
    /** A run of spaces right before a field of a format, under line rules 2 (Python's {@code readers._WHOLE_BLANK_RUN}). */
    static final String WHOLE_BLANK_RUN = "[ \\t]+(?![ \\t])";
    private static final Pattern BLANK_RUN = Pattern.compile(" +");
    /** Before the first field of a format starting with one, under line rules 2 (Python's {@code _LEADING_BLANKS}). */
    static final String LEADING_BLANKS = "[ \\t]*(?![ \\t])";
    /** Python's {@code readers.NO_FORMAT_MATCH_DETAIL}, word for word (the reason category is "no format match"). */
    static final String NO_FORMAT_MATCH = "line does not match the log format";
    /** Python's {@code readers.NO_FORMAT_MATCH_AFTER_CONTINUATION}, word for word: a bad line right after a
     *  continuation line (a line of the stack trace the continuation regex does not know?). */
    static final String NO_FORMAT_MATCH_AFTER_CONTINUATION = NO_FORMAT_MATCH + "; it comes right after a continuation "
            + "line, inside a multi-line record (a stack trace?): if it belongs there, as Spark's 'Driver stacktrace:' "
            + "does, make the reader's continuation regex match it too (run.toml [reader] continuation: the default, "
            + "dl4j_bridge.etl.readers.DEFAULT_CONTINUATION, then |Driver stacktrace:); a saved model keeps the "
            + "continuation regex it was trained with (score, evaluate and update read with it): train it again after "
            + "the change";
    /** Python's {@code readers.LINE_FEED_IN_LINE}, word for word: an item of an in-memory source (Java's
     *  {@code LogAnomalyScorer.score(Iterable)}) holding a line feed is a bad line, never read as a record. */
    static final String LINE_FEED_IN_LINE = "the line holds a line feed (an item of an in-memory source spanning "
            + "several lines, such as a record with its stack trace): a source of lines takes one line per item; split "
            + "the items at line feeds first, [part for item in lines for part in item.split('\\n')] (a record's "
            + "stack trace lines then continue it), or pass the file's path; records of a DataFrame are best read as "
            + "JSON lines, df.to_json(orient='records', lines=True, date_format='iso').splitlines() with a "
            + "JsonLinesReader: a field may hold line feeds there, and line N stays the frame's row N - 1";
    /** Python's {@code readers.NO_RECORD_TO_CONTINUE}, word for word. */
    static final String NO_RECORD_TO_CONTINUE = "the line matches the continuation regex, but no record comes before "
            + "it to continue: the input starts inside a multi-line record (a stack trace?); lenient reading sets such "
            + "lines aside; if your records can start with blanks (a padded first column), set the reader's "
            + "continuation to what only continuation lines start with";
    private final PortableRegex regex;
    private final Pattern guard;  // null: no guard (a regex spec, a format with groups, or read by its capture regex)
    /** A format with an optional segment (see {@link #optionalSegment}): its field, the field before it, the
     *  regexes of the format without it and with it required, and the guard of the latter; else null. */
    private final String segmentField;
    /** The fields up to the one before the segment, in the format's order (Python's {@code _split_order}). */
    private final List<String> segmentLeading;
    private final PortableRegex withoutSegment;
    private final Pattern withoutSegmentGuard;
    private final PortableRegex withSegment;
    private final Pattern withSegmentGuard;
    private final List<String> fields;
    private final Pattern continuation;
    private final boolean continuationFirst;
    private Record pending;
    private String pendingText;
    /** Lenient mode: the last bad line (0: none), held back with its continuation lines until a record or another
     *  bad line ends it. */
    private long heldBadLine;
    private String heldBadText;
    /** The format (null: a regex spec) and line rules, for the diagnosis of a line it does not match. */
    private final String logFormat;
    private final int lineRules;
    /** Made at the first line a lenient read rejects (Python's {@code TextReader._mismatch}). */
    private FormatMismatch mismatch;
    private String heldBadMessage = NO_FORMAT_MATCH;
    /** The number of the last continuation line read (0: none): a bad line right after it gets the hint. */
    private long lastContinuationLine;

    /**
     * @param regex        Java-dialect regex from the spec ({@code reader.regex}), anchored
     * @param fields       field names in output order ({@code reader.fields})
     * @param continuation regex matched at the start of continuation lines, or null
     */
    public TextRecordReader(String regex, List<String> fields, String continuation, Map<String, String> types) {
        this(regex, fields, continuation, types, null, LINE_RULES);
    }

    /** The line rules written by this version (Python's {@code readers.LINE_RULES}); 1 is read too. */
    public static final int LINE_RULES = 2;

    /**
     * @param logFormat the loghub-style format the regex was made from ({@code reader.log_format}), or null;
     *                  with it, lines the format cannot match are rejected in linear time (see {@link #formatGuard})
     * @param lineRules {@code reader.line_rules}: 2, or 1 for a spec saved before them (version 1 or 2)
     */
    public TextRecordReader(String regex, List<String> fields, String continuation, Map<String, String> types,
                            String logFormat, int lineRules) {
        super(types);
        if (lineRules != 1 && lineRules != 2) {
            throw new SpecException("text reader: line_rules " + lineRules + " is not 1 or 2: upgrade dl4j-bridge if "
                    + "a newer one wrote it");
        }
        // the format's own regex (not a saved regex that differs): one atomic scan gives its lines and fields,
        // in linear time, without the guard (see formatCapture)
        String capture = logFormat == null || !regex.equals(formatToRegex(logFormat, lineRules)) ? null
                : formatCapture(logFormat, lineRules);
        String guardRegex = logFormat == null || capture != null ? null : formatGuard(logFormat, lineRules);
        this.guard = guardRegex == null ? null : PyCompat.compile(guardRegex);
        // else the format's own regex is run as formatReadRegex: the same matches, a long run of blanks scanned once
        String read = capture != null || logFormat == null || !regex.equals(formatToRegex(logFormat, lineRules)) ? null
                : formatReadRegex(logFormat, lineRules);
        this.regex = PortableRegex.compile(capture != null ? capture : read != null ? read : regex,
                "text reader regex");
        this.fields = new ArrayList<>(fields);
        for (String name : fields) {
            if (!this.regex.names.contains(name)) {
                throw new SpecException("text reader: field '" + name + "' is not a named group of " + regex);
            }
        }
        this.continuation = continuation == null || continuation.isEmpty() ? null   // "" is off, as in Python
                : PortableRegex.compile(continuation, "continuation regex").pattern;
        this.continuationFirst = lineRules >= 2 && this.continuation != null;
        this.logFormat = logFormat;
        this.lineRules = lineRules;
        // a format with an optional segment (loghub's Linux one): its regex backtracks through every '[' of a long
        // line (quadratic even on lines it matches), so lines are matched with two plain formats' regexes instead,
        // each behind its linear guard, giving the same fields (Python's TextReader._segment_match)
        String[] segment = logFormat == null ? null : optionalSegment(logFormat);
        if (segment != null && regex.equals(formatToRegex(logFormat, lineRules))) {
            withoutSegment = PortableRegex.compile(formatToRegex(segment[0], lineRules), "text reader regex");
            withoutSegmentGuard = PyCompat.compile(formatGuard(segment[0], lineRules));
            withSegment = PortableRegex.compile(formatToRegex(segment[1], lineRules), "text reader regex");
            withSegmentGuard = PyCompat.compile(formatGuard(segment[1], lineRules));
            segmentField = segment[2];
            List<String> names = new ArrayList<>();
            List<String> pieces = formatPieces(logFormat);
            for (int i = 1; i < pieces.size(); i += 2) {
                String name = pieces.get(i).substring(1, pieces.get(i).length() - 1);
                names.add(name);
                if (name.equals(segment[3])) {
                    break;
                }
            }
            segmentLeading = names;
        } else {
            withoutSegment = null;
            withoutSegmentGuard = null;
            withSegment = null;
            withSegmentGuard = null;
            segmentField = null;
            segmentLeading = null;
        }
    }

    private static final Pattern FORMAT_FIELD = Pattern.compile("<[^<>]+>");
    /** Python's {@code readers._SEGMENT_TEXT}: literal characters or escaped punctuation, no blank, no operator. */
    private static final Pattern SEGMENT_TEXT = Pattern.compile("(?:\\\\[^A-Za-z0-9 \\t]|[^\\\\ \\t.^$*+?{}\\[\\]()|])*");
    /** Python's {@code readers._SEGMENT_INNER}: the text in a segment after literal text, blanks allowed. */
    private static final Pattern SEGMENT_INNER = Pattern.compile("(?:\\\\[^A-Za-z0-9 \\t]|[^\\\\.^$*+?{}\\[\\]()|])*");

    /** The literal text T at the start of a piece before an optional segment's group (Mac's {@code \]}), or "". */
    private static String segmentLiteral(String text) {
        Matcher m = SEGMENT_TEXT.matcher(text);
        return m.lookingAt() ? m.group() : "";
    }

    /** Python's {@code readers._segment_after_text}: the optional segment comes after literal text. */
    static boolean segmentAfterText(String logFormat) {
        List<String> pieces = formatPieces(logFormat);
        for (int index = 2; index < pieces.size() - 2; index += 2) {
            String literal = segmentLiteral(pieces.get(index));
            if (!literal.isEmpty() && pieces.get(index).substring(literal.length()).startsWith("(")) {
                return true;
            }
        }
        return false;
    }

    /** The format's texts and fields in turn (Python's {@code re.split(r"(<[^<>]+>)", log_format)}). */
    static List<String> formatPieces(String logFormat) {
        List<String> pieces = new ArrayList<>();
        Matcher m = FORMAT_FIELD.matcher(logFormat);
        int last = 0;
        while (m.find()) {
            pieces.add(logFormat.substring(last, m.start()));
            pieces.add(m.group());
            last = m.end();
        }
        pieces.add(logFormat.substring(last));
        return pieces;
    }

    /** Python's {@code readers._is_plain}: no regex operator outside an escape, and no back-reference
     *  ({@code \1}-{@code \9}: a separator that matches what a field took, which the guard and the capture regex
     *  cannot take for a separator). Escapes pair as Python's {@code \.} pairs them (anything but a newline). */
    static boolean isPlain(String text) {
        for (int c = 0; c < text.length(); c++) {
            char ch = text.charAt(c);
            if (ch == '\\' && c + 1 < text.length() && text.charAt(c + 1) != '\n') {
                char escaped = text.charAt(++c);
                if (escaped >= '1' && escaped <= '9') {
                    return false;
                }
            } else if (REGEX_META.indexOf(ch) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Java twin of Python's {@code readers.optional_segment}: for a format with one segment {@code (A<Field>B)?}
     * (or {@code (?:A<Field>B)?}) right after another field, A and B literal text without blanks and every other
     * text between fields plain, {@code {without, with, field, before}}: the format without the segment (it
     * matches the same lines), the format with it required, the segment's field and the field before it; else null.
     */
    static String[] optionalSegment(String logFormat) {
        List<String> pieces = formatPieces(logFormat);
        int found = -1;
        for (int index = 2; index < pieces.size() - 2; index += 2) {
            String literal = segmentLiteral(pieces.get(index));   // T: literal text before the group (Mac's \])
            String text = pieces.get(index).substring(literal.length());
            String opening = text.startsWith("(?:") ? "(?:" : text.startsWith("(") ? "(" : null;
            if (opening == null) {
                continue;
            }
            String after = pieces.get(index + 2);
            int close = after.indexOf(")?");
            if (close < 0 || found >= 0) {
                return null;
            }
            // after literal text, blanks inside the segment but not at its end (Python's optional_segment)
            Pattern segmentText = literal.isEmpty() ? SEGMENT_TEXT : SEGMENT_INNER;
            if (!segmentText.matcher(text.substring(opening.length())).matches()
                    || !segmentText.matcher(after.substring(0, close)).matches()
                    || after.substring(0, close).endsWith(" ") || after.substring(0, close).endsWith("\t")
                    || !isPlain(after.substring(close + 2))) {
                return null;
            }
            found = index;
        }
        if (found < 0) {
            return null;
        }
        for (int i = 0; i < pieces.size(); i += 2) {
            if (i != found && i != found + 2 && !isPlain(pieces.get(i))) {
                return null;
            }
        }
        String literal = segmentLiteral(pieces.get(found));
        String text = pieces.get(found).substring(literal.length());
        String after = pieces.get(found + 2);
        String inner = text.startsWith("(?:") ? text.substring(3) : text.substring(1);
        int close = after.indexOf(")?");
        String head = String.join("", pieces.subList(0, found)) + literal;
        String tail = String.join("", pieces.subList(found + 3, pieces.size()));
        String field = pieces.get(found + 1);
        String before = pieces.get(found - 1);
        return new String[] {head + after.substring(close + 2) + tail,
                head + inner + field + after.substring(0, close) + after.substring(close + 2) + tail,
                field.substring(1, field.length() - 1), before.substring(1, before.length() - 1)};
    }

    /**
     * Java twin of Python's {@code readers.format_to_regex} (the Java dialect: what a spec saves as
     * {@code reader.regex}), or null for a format Python refuses (a field name that is not alphanumeric, a
     * repeated field).
     */
    public static String formatToRegex(String logFormat, int lineRules) {
        List<String> out = formatRegexPieces(logFormat, lineRules);
        return out == null ? null : "^" + String.join("", out) + "$";
    }

    /**
     * Java twin of Python's {@code readers.format_capture}: the format's regex with each field and the text after
     * it in an atomic group -- the same lines and fields as {@link #formatToRegex}'s regex, in one linear scan
     * (the guard and the regex took two). Null where that does not hold: an optional segment, text between fields
     * that is not plain, or a separator whose guard form ends elsewhere than the regex's (line rules 1 with a run
     * of blanks; under line rules 2 a run followed by literal text that can match a blank, such as {@code \t}).
     */
    public static String formatCapture(String logFormat, int lineRules) {
        if (optionalSegment(logFormat) != null || formatGuard(logFormat, lineRules) == null) {
            return null;
        }
        List<String> texts = new ArrayList<>();
        List<String> pieces = formatPieces(logFormat);
        for (int i = 0; i < pieces.size(); i += 2) {
            texts.add(pieces.get(i));
        }
        if (texts.size() < 2) {
            return null;   // no field
        }
        for (int i = 0; i < texts.size(); i++) {
            if (lineRules < 2 ? texts.get(i).indexOf(' ') >= 0 : !runsEndAlike(texts.get(i))) {
                return null;
            }
        }
        List<String> out = formatRegexPieces(logFormat, lineRules);
        if (out == null) {
            return null;
        }
        // out: separator, field, separator, field, ..., field, separator
        StringBuilder capture = new StringBuilder("^").append(out.get(0));
        int lastField = out.size() - 2;
        for (int i = 1; i < lastField; i += 2) {
            capture.append("(?>").append(captureField(out.get(i), out.get(i + 1))).append(out.get(i + 1)).append(')');
        }
        return capture.append(captureField(out.get(lastField), out.get(lastField + 1))).append(out.get(lastField + 1))
                .append('$').toString();
    }

    /** Python's {@code readers._field_before_space_classes}: a field before a separator starting with {@code count}
     *  times {@code \s} and then a run of blanks ({@code \s\s - }) is empty, or ends with a non-blank or with a blank
     *  that fewer than {@code count} blanks follow (from a blank that {@code count} blanks follow the separator
     *  matches only if it matches from the blank before, ending where it ends; ending before the last count blanks
     *  of a run too, in this possessive form). */
    static String fieldBeforeSpaceClasses(int count) {
        // each stretch of non-white-space and each run of blanks but its last count taken whole (possessive), then
        // one white-space character at a time: a line of 1,000,000 non-blanks is scanned once
        // (?>(?:...)+) as Python writes it (Python 3.11.0-3.11.4 match a possessive repeat of such a group wrongly)
        return "(?:(?:\\S++|(?>(?:[ \\t](?=[ \\t]{" + count + "}))+)|(?![ \\t]{" + (count + 1) + "})(?!\\n)\\s)*?)";
    }

    /** Python's {@code readers._space_classes}: how many {@code \s} start {@code separator} right before a run of
     *  blanks ({@code [ \t]+}); 0 if none. */
    static int spaceClasses(String separator) {
        int count = 0;
        while (separator.startsWith("\\s", 2 * count)) {
            count++;
        }
        return count > 0 && separator.startsWith("[ \\t]+", 2 * count) ? count : 0;
    }

    /** Python's {@code readers._FIELD_BEFORE_WORDS}: a field of {@link #formatGuard}'s steps and
     *  {@link #formatReadRegex} before a separator starting with a run of blanks is empty or ends with a word and
     *  then a run's first blank; words and runs are taken whole (possessive), so each is scanned once. */
    static final String FIELD_BEFORE_WORDS = "(?:[^ \\t\\n]*+(?:[ \\t]+[^ \\t\\n]++)*?)";

    /** Python's {@code readers._field_before}: the lazy pattern of a field in {@link #formatGuard}'s steps and
     *  {@link #formatReadRegex} (no atomic group after it): {@link #FIELD_BEFORE_WORDS} before a separator that starts
     *  with a run of blanks, {@link #fieldBeforeSpaceClasses} before {@code \s} and then a run, else {@code .*?}:
     *  the same first end after which the rest matches, without scanning a long run from each of its blanks. */
    static String fieldBefore(String separator) {
        if (separator.equals("[ \\t]+") || separator.equals("[ \\t]+?") || separator.equals("[ \\t]")
                || separator.equals(WHOLE_BLANK_RUN)) {
            return ".*?";   // only a run before the next field: it matches at a run's first blank
        }
        if (separator.startsWith("[ \\t]+")) {
            return FIELD_BEFORE_WORDS;
        }
        int count = spaceClasses(separator);
        if (count > 0) {
            return fieldBeforeSpaceClasses(count);
        }
        List<String> classes = blankClasses(separator, 1);
        return classes.isEmpty() ? ".*?" : fieldBeforeBlankClasses(classes);
    }

    /** Python's {@code readers._blank_classes}: the {@code \s}, {@code \t} and tabs that start {@code separator}
     *  right before a run of blanks ({@code [ \t]+}), when they are {@code minimum} or more and one is a tab
     *  ({@code \t\t - }, {@code \s\t - }; {@link #fieldBefore} takes one or more: {@code \t - }); else an empty
     *  list. */
    static List<String> blankClasses(String separator, int minimum) {
        List<String> tokens = new ArrayList<>();
        int at = 0;
        boolean tab = false;
        while (true) {
            if (separator.startsWith("\\s", at) || separator.startsWith("\\t", at)) {
                tab |= separator.startsWith("\\t", at);
                tokens.add(separator.substring(at, at + 2));
                at += 2;
            } else if (separator.startsWith("\t", at)) {
                tab = true;
                tokens.add("\t");
                at += 1;
            } else {
                break;
            }
        }
        return tokens.size() >= minimum && tab && separator.startsWith("[ \\t]+", at) ? tokens
                : Collections.<String>emptyList();
    }

    /** Python's {@code readers._field_before_blank_classes}: a field before a separator that starts with
     *  {@code classes} ({@link #blankClasses}) and then a run of blanks. At a hot end (the classes match there and a
     *  blank follows them) it goes on, if it must, to the last ends before the run the separator's run would start in
     *  ends (from any end between, the separator matches only if it matches from the hot end, ending where it ends);
     *  one character at a time elsewhere; a stretch of non-white-space whole. Linear in the line. */
    static String fieldBeforeBlankClasses(List<String> classes) {
        String hot = String.join("", classes) + "[ \\t]";
        String skip = "(?>(?:(?=[\\s\\S]{" + classes.size() + "}[ \\t])(?!\\n)[\\s\\S])+)";
        return "(?:(?:\\S++|(?=" + hot + ")" + skip + "|(?!" + hot + ")(?!\\n)\\s)*?)";
    }

    /**
     * Java twin of Python's {@code readers.format_read_regex}: the format's regex ({@link #formatToRegex}) with each
     * lazy field before a separator that starts with a run of blanks, or with {@code \s} and then a run, written as
     * {@link #fieldBefore}: the same first match, a long run of blanks scanned once. What a reader without a capture
     * regex runs on the lines its guard accepts (line rules 1, formats such as {@code <A> \s <B>}). Null when the
     * format has no guard (text between fields that is not plain, an optional segment) or no field.
     */
    public static String formatReadRegex(String logFormat, int lineRules) {
        if (optionalSegment(logFormat) != null || formatGuard(logFormat, lineRules) == null) {
            return null;
        }
        List<String> out = formatRegexPieces(logFormat, lineRules);
        if (out == null || out.size() < 3) {
            return null;
        }
        StringBuilder read = new StringBuilder("^").append(out.get(0));
        for (int i = 1; i < out.size(); i += 2) {
            String group = out.get(i);
            String separator = out.get(i + 1);
            if (group.endsWith(".*?)")) {   // the last separator: "$" follows it
                String next = i + 2 == out.size() ? separator + "$" : separator;
                group = group.substring(0, group.length() - 4) + fieldBefore(next) + ")";
            }
            read.append(group).append(separator);
        }
        return read.append('$').toString();
    }

    /** Python's {@code readers._FIELD_BEFORE_TAB_RUN}: a field before a separator starting with a tab and then a run
     *  of blanks ({@code \t - }) is empty or ends with a non-blank, then perhaps spaces (up to the run's first tab). */
    static final String FIELD_BEFORE_TAB_RUN = "(?:(?:.*?[^ \\t\\n])?? *?)";

    /** Python's {@code readers._capture_field}: {@code group} (a lazy {@code (?<name>.*?)}) with
     *  {@link #FIELD_BEFORE_WORDS}, {@link #fieldBeforeSpaceClasses} or {@link #FIELD_BEFORE_TAB_RUN} as its body
     *  when {@code separator} starts with a run of blanks, or with {@code \s} or a tab and then a run. */
    private static String captureField(String group, String separator) {
        if (!group.endsWith(".*?)")) {
            return group;
        }
        String body;
        if (separator.startsWith("[ \\t]+") && !separator.startsWith(WHOLE_BLANK_RUN)) {
            body = FIELD_BEFORE_WORDS;
        } else if (spaceClasses(separator) > 0) {
            body = fieldBeforeSpaceClasses(spaceClasses(separator));
        } else if (separator.startsWith("\\t[ \\t]+") || separator.startsWith("\t[ \\t]+")) {
            body = FIELD_BEFORE_TAB_RUN;
        } else if (!blankClasses(separator, 2).isEmpty()) {
            body = fieldBeforeBlankClasses(blankClasses(separator, 2));
        } else {
            return group;
        }
        return group.substring(0, group.length() - 4) + body + ")";
    }

    /** Python's {@code readers._runs_end_alike}: every run of spaces the guard makes lazy ends where the regex's
     *  greedy run ends (it is followed by the end of the line or by a literal that cannot match a blank). */
    private static boolean runsEndAlike(String text) {
        Matcher run = BLANK_RUN.matcher(text);
        while (run.find()) {
            if (run.end() == text.length()) {
                continue;   // a whole run before a field, or the end of the line: both take the whole run
            }
            if (blankThenLiteral(text.substring(run.end()))) {
                continue;   // \s or a tab, then a literal that is no blank: one end (see blankThenLiteral)
            }
            char next = text.charAt(run.end());
            if (next == '\t') {
                return false;
            }
            if (next == '\\') {
                String escaped = text.substring(run.end() + 1, Math.min(run.end() + 2, text.length()));
                if (escaped.isEmpty() || escaped.equals(" ") || escaped.equals("\t")
                        || Character.isLetterOrDigit(escaped.charAt(0))) {
                    return false;   // \t, \s, \x20, an escaped blank, ...
                }
            }
        }
        return true;
    }

    /** Python's {@code readers._blank_then_literal}: {@code text} (what follows a run of spaces) starts with one
     *  {@code \s}, {@code \t} or tab and then a literal that matches no blank (a character that is not white space,
     *  or escaped punctuation): the separator has one end from each start, so the greedy and lazy runs end alike. */
    private static boolean blankThenLiteral(String text) {
        String literal;
        if (text.startsWith("\\s") || text.startsWith("\\t")) {
            literal = text.substring(2);
        } else if (text.startsWith("\t")) {
            literal = text.substring(1);
        } else {
            return false;
        }
        if (literal.startsWith("\\")) {
            return literal.length() > 1 && !Character.isLetterOrDigit(literal.charAt(1))
                    && !PyCompat.isSpace(literal.charAt(1));
        }
        return !literal.isEmpty() && !PyCompat.isSpace(literal.charAt(0));
    }

    /** The pieces of {@link #formatToRegex}'s regex: separator, field group, separator, ..., separator (the last
     *  field greedy when nothing follows it); null for a field name Java cannot take. */
    private static List<String> formatRegexPieces(String logFormat, int lineRules) {
        List<String> pieces = formatPieces(logFormat);
        List<String> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int index = 0; index < pieces.size(); index++) {
            String piece = pieces.get(index);
            if (index % 2 == 1) {
                String name = piece.substring(1, piece.length() - 1);
                if (!name.matches("[A-Za-z][A-Za-z0-9]*") || names.contains(name)) {
                    return null;
                }
                names.add(name);
                out.add("(?<" + name + ">.*?)");
                continue;
            }
            boolean fieldFollows = index < pieces.size() - 1;
            if (lineRules < 2) {
                out.add(piece.replaceAll(" +", "[ \\\\t]+"));
            } else if (index == 0 && piece.isEmpty() && fieldFollows) {
                out.add(LEADING_BLANKS);
            } else {
                StringBuilder sep = new StringBuilder();
                Matcher run = BLANK_RUN.matcher(piece);
                int last = 0;
                while (run.find()) {
                    sep.append(piece, last, run.start()).append(fieldFollows && run.end() == piece.length()
                            ? WHOLE_BLANK_RUN : "[ \\t]+");
                    last = run.end();
                }
                out.add(sep.append(piece.substring(last)).toString());
            }
        }
        int n = out.size();
        if (n >= 2 && out.get(n - 1).isEmpty() && out.get(n - 2).endsWith(".*?)")) {
            String field = out.get(n - 2);   // the last field runs to the end of the line: greedy
            out.set(n - 2, field.substring(0, field.length() - 4) + ".*)");
        }
        return out;
    }

    /** The fields of a line the guard accepted, or null: the format's regex, or for a format with an optional
     *  segment, the earlier end of the field before it of the format without the segment and of the format with
     *  it (the segment on a tie; its own guard first), as Python's {@code TextReader._segment_match}. */
    private java.util.Map<String, String> matchFields(String line) {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        if (withoutSegment == null) {
            Matcher m = regex.pattern.matcher(line);
            if (!m.matches()) {
                return null;
            }
            for (int i = 0; i < regex.names.size(); i++) {
                values.put(regex.names.get(i), regex.group(m, i));
            }
            return values;
        }
        Matcher plain = withoutSegment.pattern.matcher(line);
        boolean plainMatches = withoutSegmentGuard.matcher(line).matches() && plain.matches();
        Matcher grouped = withSegment.pattern.matcher(line);
        if (withSegmentGuard.matcher(line).matches() && grouped.matches()
                && (!plainMatches || splitOrder(withSegment, grouped, plain) <= 0)) {
            for (int i = 0; i < withSegment.names.size(); i++) {
                values.put(withSegment.names.get(i), withSegment.group(grouped, i));
            }
            return values;
        }
        if (!plainMatches) {   // not expected: the guard accepted the line
            return null;
        }
        for (int i = 0; i < withoutSegment.names.size(); i++) {
            values.put(withoutSegment.names.get(i), withoutSegment.group(plain, i));
        }
        values.put(segmentField, null);
        return values;
    }

    /** Python's {@code _split_order} compared: below 0 when the format's regex tries {@code grouped}'s split of the
     *  line before {@code plain}'s -- for each field up to the segment in turn, the later start (a run of blanks
     *  before it as long as it can be), then the earlier end -- 0 on a tie. */
    private int splitOrder(PortableRegex withRegex, Matcher grouped, Matcher plain) {
        for (String name : segmentLeading) {
            int start = Integer.compare(withoutSegment.start(plain, name), withRegex.start(grouped, name));
            if (start != 0) {
                return start;
            }
            int end = Integer.compare(withRegex.end(grouped, name), withoutSegment.end(plain, name));
            if (end != 0) {
                return end;
            }
        }
        return 0;
    }

    /** The fields of one line in the order of {@link #fields()}, or null when the format does not match it
     *  (Python's {@code TextReader._match_values}): the guard, then the regex or the optional segment's two. */
    List<String> matchValues(String line) {
        java.util.Map<String, String> values = guard == null || guard.matcher(line).matches() ? matchFields(line) : null;
        if (values == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String name : fields) {
            out.add(values.get(name));
        }
        return out;
    }

    /** Python's {@code readers.NO_FORMAT_MATCH_DETAIL}. */
    static final String NO_FORMAT_MATCH_DETAIL = "line does not match the log format";

    /** The detail of a lenient read's "no format match" line (Python's {@code TextReader._no_match_detail}):
     *  {@code message} and, with a format, where it stops matching the line's first line ({@link FormatMismatch}),
     *  for rejected lines only. */
    private String noMatchDetail(String text, String message) {
        if (logFormat == null) {
            return message;
        }
        if (mismatch == null) {
            mismatch = new FormatMismatch(logFormat, lineRules);
        }
        int newline = text.indexOf('\n');
        String diagnosis = mismatch.diagnose(newline < 0 ? text : text.substring(0, newline));
        return message + (diagnosis == null ? "" : "; " + diagnosis);
    }

    /**
     * Java twin of Python's {@code readers.format_guard}: a regex matching the same lines as the format's regex
     * in linear time. The format's regex (a lazy {@code .*?} group per field) backtracks through every split of
     * a line it does not match -- exponential in the number of fields; the guard finds each separator after the
     * previous one in one atomic step. Null when the text between fields is not plain (groups, quantifiers,
     * back-references).
     * Under line rules 2 a run of spaces right before a field is a whole run of blanks in the line.
     */
    static String formatGuard(String logFormat, int lineRules) {
        String[] segment = optionalSegment(logFormat);
        if (segment != null) {   // the lines of the format without its optional segment (Python's format_guard)
            String without = formatGuard(segment[0], lineRules);
            if (!segmentAfterText(logFormat)) {
                return without;
            }   // after literal text: the lines of either format, with and without it
            return "(?:" + without + "|" + formatGuard(segment[1], lineRules) + ")";
        }
        String[] texts = logFormat.split("<[^<>]+>", -1);
        StringBuilder out = new StringBuilder("^");
        for (int i = 0; i < texts.length; i++) {
            if (!isPlain(texts[i])) {
                return null;
            }
            // the earliest end of each separator: runs as short as the text after them allows
            boolean fieldFollows = i < texts.length - 1;
            String separator;
            if (lineRules >= 2 && i == 0 && texts[0].isEmpty() && fieldFollows) {
                separator = LEADING_BLANKS;   // blanks that start a line are padding before the first field
            } else if (lineRules >= 2) {   // the run right before a field is a whole run: its start fixes its end
                StringBuilder sep = new StringBuilder();
                Matcher run = BLANK_RUN.matcher(texts[i]);
                int last = 0;
                while (run.find()) {
                    sep.append(texts[i], last, run.start()).append(fieldFollows && run.end() == texts[i].length()
                            ? WHOLE_BLANK_RUN : "[ \\t]+?");
                    last = run.end();
                }
                separator = sep.append(texts[i].substring(last)).toString();
            } else {   // a run right before a field is one blank (the field takes the rest)
                separator = texts[i].replaceAll(" +", "[ \\\\t]+?");
                if (fieldFollows && separator.endsWith("[ \\t]+?")) {
                    separator = separator.substring(0, separator.length() - 2);
                }
            }
            if (i == 0) {
                out.append(separator);
            } else if (i < texts.length - 1) {
                // the step's field never ends inside a run where the separator would match from the blank before
                out.append("(?>").append(fieldBefore(separator)).append(separator).append(')');
            } else {
                out.append(".*").append(separator).append('$');
            }
        }
        return out.toString();
    }

    @Override
    public List<String> fields() {
        return fields;
    }

    @Override
    public void start(ReadReport report, BadLinePolicy policy) {
        super.start(report, policy);
        report.logFormat = logFormat != null;
        pending = null;
        pendingText = null;
        heldBadLine = 0;
        heldBadText = null;
        heldBadMessage = NO_FORMAT_MATCH;
        lastContinuationLine = 0;
    }

    @Override
    public void accept(String line, Consumer<Record> out) {
        long number = ++lineNumber;
        report.lines++;
        if (line.indexOf('\r') >= 0) {   // a CR within the line (its ending's was removed): CR line endings?
            if (report.carriageReturnLines++ == 0) {
                report.firstCarriageReturnLine = number;
            }
        }
        if (line.indexOf('\n') >= 0) {
            // an in-memory item of several lines (never from a file: LineSplitter splits at line feeds): a bad line
            // saying to split the items, as in Python; the continuation lines after it are its own
            flush(out);
            releaseBad();
            if (policy.strict()) {
                policy.bad(number, null, "no format match", LINE_FEED_IN_LINE, line);
            }
            heldBadLine = number;
            heldBadText = line;
            heldBadMessage = LINE_FEED_IN_LINE;
            return;
        }
        if (continuationFirst && continuation.matcher(line).lookingAt() && !PyCompat.strip(line).isEmpty()) {
            if (heldBadText != null) {
                appendToBad(line);
            } else if (pending != null) {
                appendContinuation(line);
            } else {   // the input starts inside a multi-line record
                policy.bad(number, null, "no record to continue", NO_RECORD_TO_CONTINUE, line);
            }
            return;
        }
        java.util.Map<String, String> values = guard == null || guard.matcher(line).matches() ? matchFields(line) : null;
        if (values != null) {
            releaseBad();
            flush(out);
            Record record = new Record(number);
            for (String name : regex.names) {
                if (fields.contains(name)) {
                    record.values.put(name, values.get(name));
                }
            }
            pending = record;
            pendingText = line;
            return;
        }
        if (PyCompat.strip(line).isEmpty()) {
            report.blankLines++;
            return;
        }
        if (continuation != null && (pending != null || heldBadText != null)
                && continuation.matcher(line).lookingAt()) {
            if (heldBadText != null) {
                appendToBad(line);
            } else {
                appendContinuation(line);
            }
            return;
        }
        // the record before is complete: the lines after a bad line are not its continuations. Its types are
        // checked first: strict mode names the first bad line, as Python
        flush(out);
        releaseBad();
        String message = lastContinuationLine > 0 && lastContinuationLine == number - 1
                ? NO_FORMAT_MATCH_AFTER_CONTINUATION : NO_FORMAT_MATCH;
        if (policy.strict()) {
            policy.bad(number, null, "no format match", message, line);
        }
        heldBadLine = number;   // lenient: counted and quarantined with its continuation lines, once they are known
        heldBadText = line;
        heldBadMessage = message;
    }

    /** A live stream paused: the held-back bad line is quarantined now (Python's {@code _release_bad_at_pause});
     *  its continuation lines coming later continue no record. */
    @Override
    public void pause() {
        releaseBad();
    }

    private void appendToBad(String line) {
        heldBadText = heldBadText + "\n" + line;
        report.continuationLines++;
        lastContinuationLine = lineNumber;
    }

    private void releaseBad() {
        if (heldBadText != null) {
            String text = heldBadText;
            heldBadText = null;
            // the diagnosis only where it is written: a quarantine (computed for rejected lines only), after the
            // continuation hint for a line right after a continuation line (as a strict fit gives both)
            policy.bad(heldBadLine, null, "no format match", heldBadMessage.equals(LINE_FEED_IN_LINE)
                    || !policy.quarantines() ? heldBadMessage : noMatchDetail(text, heldBadMessage), text);
        }
    }

    private void appendContinuation(String line) {
        String last = fields.get(fields.size() - 1);
        Object before = pending.values.get(last);
        pending.values.put(last, (before == null ? "" : before) + "\n" + line);
        pendingText = pendingText + "\n" + line;
        report.continuationLines++;
        lastContinuationLine = lineNumber;
    }

    @Override
    public void finish(Consumer<Record> out) {
        flush(out);
        releaseBad();
    }

    private void flush(Consumer<Record> out) {
        if (pending != null) {
            Record record = pending;
            pending = null;
            emit(record, pendingText, out);
        }
    }
}
