package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What happened while reading one source; the same counters as Python's {@code ReadReport}. */
public final class ReadReport {
    /** The input's name in messages (a path, {@code <stdin>}, or the name given to {@code open}). */
    public String source = "";
    /** Physical lines seen. */
    public long lines;
    /** Header lines (CSV: 1). */
    public long headerLines;
    /** Records produced (a multi-line record counts once). */
    public long records;
    /** Lines joined to the record before them. */
    public long continuationLines;
    /** Empty lines skipped. */
    public long blankLines;
    /** Lines rejected in lenient mode (see {@link #badByReason}). */
    public long badLines;
    /** The first of {@link #badLines} (the smallest line number), or 0. */
    public long firstBadLine;
    /** Rejections per reason category. */
    public final Map<String, Long> badByReason = new LinkedHashMap<>();
    /** File the rejected lines were written to, or null. */
    public String quarantine;
    /** Lines that held bytes invalid in the spec's encoding, read with U+FFFD in their place (set by whoever
     *  decodes the bytes: {@link CountingDecoder}). */
    public long undecodableLines;
    /** JSON lines with an object naming a key twice (at any depth), read with the key's last value as Python's
     *  {@code json.loads} reads them: counted and warned about, never silently. */
    public long duplicateKeyLines;
    /** The line of the first of {@link #duplicateKeyLines}, or 0. */
    public long firstDuplicateKeyLine;
    /** Text lines holding a carriage return that does not end them (a file with CR line endings reads as one
     *  line): warned about, not part of {@link #toMap} (Python keeps the count on its reader). */
    public long carriageReturnLines;
    /** The first of {@link #carriageReturnLines}, or 0. */
    public long firstCarriageReturnLine;
    /** Read by a text reader with a {@code log_format} (set by {@link TextRecordReader#start}): its "no format
     *  match" lines are quarantined with where the format stops matching them, which {@link #badLinesWarning} points
     *  at (Python's {@code bad_lines_warning(..., log_format=True)}); not part of {@link #toMap}. */
    public boolean logFormat;
    /** Mapped fields the input does not have, missing on every row (only those a read allows to be absent). */
    public final List<String> absentFields = new ArrayList<>();
    /** Why each of {@link #absentFields} is absent: the message an error would have given. */
    public final List<String> absentMessages = new ArrayList<>();

    /** The report as a JSON-ready map with Python's key names. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", source);
        out.put("lines", lines);
        out.put("records", records);
        out.put("continuation_lines", continuationLines);
        out.put("blank_lines", blankLines);
        out.put("bad_lines", badLines);
        out.put("bad_by_reason", new LinkedHashMap<>(badByReason));
        out.put("quarantine", quarantine);
        out.put("header_lines", headerLines);
        out.put("absent_fields", new ArrayList<>(absentFields));
        out.put("undecodable_lines", undecodableLines);
        out.put("duplicate_key_lines", duplicateKeyLines);
        return out;
    }

    /**
     * The warning for {@link #badLines}, word for word Python's {@code readers.bad_lines_warning} (the reasons as
     * Python prints a dict).
     */
    public String badLinesWarning() {
        String mismatch = "no format match";
        String pointer = !logFormat || !badByReason.containsKey(mismatch) ? ""
                : quarantine != null ? " (each '" + mismatch + "' line with where the log format stops matching it)"
                : "; to see where the log format stops matching each '" + mismatch + "' line, read with a quarantine "
                        + "file (--quarantine FILE, run.toml [reader] quarantine)";
        return source + ": " + badLines + " bad lines " + reasonsRepr(badByReason)
                + (firstBadLine > 0 ? ", first at line " + firstBadLine : "")
                + (quarantine != null ? ", quarantined to " + quarantine : "") + pointer;
    }

    /** Bad lines per reason as Python prints the dict: {@code {'no format match': 3}}. */
    public static String reasonsRepr(Map<String, Long> byReason) {
        StringBuilder reasons = new StringBuilder("{");
        for (Map.Entry<String, Long> e : byReason.entrySet()) {
            reasons.append(reasons.length() > 1 ? ", " : "").append(PyCompat.repr(e.getKey())).append(": ")
                    .append(e.getValue());
        }
        return reasons.append('}').toString();
    }

    /** The warning for {@link #duplicateKeyLines}, word for word Python's {@code duplicate_key_warning}. */
    public String duplicateKeyWarning() {
        return source + ": " + duplicateKeyLines + " JSON lines name a key twice in one object (the first on line "
                + firstDuplicateKeyLine + "); each repeated key was read with its last value, the earlier ones are "
                + "lost: fix whatever writes these logs, or rename one of the keys";
    }

    /** The warning for {@link #carriageReturnLines}, word for word Python's {@code readers.carriage_return_warning}. */
    public String carriageReturnWarning() {
        return source + ": " + carriageReturnLines + " lines hold a carriage return (CR) that does not end them (the "
                + "first on line " + firstCarriageReturnLine + "): if the file has CR line endings, its lines were read "
                + "as one; convert them to LF (tr '\\r' '\\n' < in.log > out.log)";
    }

    /** The warning for {@link #undecodableLines}, in Python's words but with the launcher's advice. */
    public String undecodableWarning(String encoding) {
        return source + ": " + undecodableLines + " lines hold bytes that are not valid " + encoding
                + "; they were read with U+FFFD in their place (the model reads " + encoding
                + "; if the file has another encoding, convert it first: iconv -f ITS_ENCODING -t " + encoding + ")";
    }
}
