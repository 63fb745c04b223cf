package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * Java twin of Python's {@code readers.format_mismatch} ({@code _FormatMismatch}): where a {@code log_format} stops
 * matching a line -- the fields it reads up to there and the part of the format that the rest of the line does not
 * match -- in the same words. A lenient text reader adds it to the quarantine reason of each line it rejects.
 *
 * <p>Each prefix of the format, through a field and the text after it, is read with the rest of the line as one
 * more field, by the same reader rules (guards included) as the whole format; the longest that reads is where the
 * format stops matching. The prefixes' readers are made once; each line is then matched without a read.
 */
final class FormatMismatch {
    /** Python's {@code readers.MISMATCH_LINE_LIMIT}: characters of a line looked at. */
    static final int LINE_LIMIT = 2000;

    private final List<String> pieces;
    private final List<String> names = new ArrayList<>();
    /** Fields read before the rest of the line, per reader of {@link #readers} (the longest prefix first). */
    private final List<Integer> readFields = new ArrayList<>();
    private final List<TextRecordReader> readers = new ArrayList<>();

    FormatMismatch(String logFormat, int lineRules) {
        pieces = TextRecordReader.formatPieces(logFormat);
        for (int i = 1; i < pieces.size(); i += 2) {
            names.add(pieces.get(i).substring(1, pieces.get(i).length() - 1));
        }
        String restName = "Dl4jRest";
        while (names.contains(restName)) {
            restName += "x";
        }
        for (int fields = names.size(); fields >= 0; fields--) {
            String prefix = String.join("", pieces.subList(0, 2 * fields + 1));
            String candidate;
            List<String> candidateFields = new ArrayList<>(names.subList(0, fields));
            if (fields == names.size()) {
                candidate = logFormat;
            } else if (fields == 0 && PyCompat.strip(prefix).isEmpty()) {
                continue;
            } else {
                candidate = prefix + "<" + restName + ">";
                candidateFields.add(restName);
            }
            String regex = TextRecordReader.formatToRegex(candidate, lineRules);
            if (regex == null) {
                continue;   // a field name Python refuses too
            }
            try {
                readers.add(new TextRecordReader(regex, candidateFields, null, Collections.emptyMap(), candidate,
                        lineRules));
                readFields.add(fields);
            } catch (SpecException | PatternSyntaxException e) {
                // a prefix that is no format (a group spanning fields): Python skips it too
            }
        }
    }

    /** The diagnosis of {@code line} (a line the format does not match), or null when the whole format matches it. */
    String diagnose(String line) {
        if (line.codePointCount(0, line.length()) > LINE_LIMIT) {
            line = line.substring(0, line.offsetByCodePoints(0, LINE_LIMIT));
        }
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\r' || line.charAt(end - 1) == '\n')) {
            end--;
        }
        line = line.substring(0, end);
        int fields = -1;
        List<String> values = null;
        if (!PyCompat.strip(line).isEmpty()) {   // a blank line reads as no record
            for (int i = 0; i < readers.size() && values == null; i++) {
                values = readers.get(i).matchValues(line);
                fields = readFields.get(i);
            }
        }
        if (values != null && fields == names.size()) {
            return null;
        }
        String ask = ": is a field too many or missing there, or the text between the fields different?";
        if (values == null) {
            String first = pieces.get(0) + (names.isEmpty() ? "" : "<" + names.get(0) + ">" + pieces.get(2));
            return "not even the format's first part, '" + first + "', matches the start of the line, " + shown(line)
                    + ": check the first field and the text after it (another separator?)";
        }
        String rest = str(values.get(values.size() - 1));
        String following = "<" + names.get(fields) + ">" + pieces.get(2 * fields + 2);
        if (fields == 0) {
            return "the line starts as the format does, '" + pieces.get(0) + "', but the format's next part, '"
                    + following + "', does not match the rest of the line, " + shown(rest) + ask;
        }
        StringBuilder read = new StringBuilder();
        for (int i = 0; i < fields; i++) {
            read.append(i > 0 ? ", " : "").append(names.get(i)).append('=').append(shown(str(values.get(i))));
        }
        return "the format matches the line up to <" + names.get(fields - 1) + "> (" + read + "); the format's next "
                + "part, '" + following + "', does not match the rest of the line, " + shown(rest) + ask;
    }

    /** Python's {@code str()} of a field value (a field that took no part in the match is None). */
    private static String str(String value) {
        return value == null ? "None" : value;
    }

    /** Python's {@code repr()} of the text, its first 60 characters (code points) and "..." when longer. */
    private static String shown(String text) {
        if (text.codePointCount(0, text.length()) > 60) {
            text = text.substring(0, text.offsetByCodePoints(0, 60)) + "...";
        }
        return PyCompat.repr(text);
    }
}
