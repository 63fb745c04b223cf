package io.dl4jbridge.etl;

/**
 * A record could not be read or did not match its declared type (strict mode), with the same
 * {@code file:line: field 'x' reason} message as Python's {@code BadRecordError}.
 */
public class BadRecordException extends EtlException {
    private final String file;
    private final long line;
    private final String field;
    private final String reason;

    /**
     * @param file   the input's name (a path, or the name given to {@code open})
     * @param line   1-based line where the record starts
     * @param field  the bad field, or null when the whole line is bad
     * @param reason what is wrong (Python's words)
     */
    public BadRecordException(String file, long line, String field, String reason) {
        super(file + ":" + line + ":" + (field != null ? " field '" + field + "'" : "") + " " + reason);
        this.file = file;
        this.line = line;
        this.field = field;
        this.reason = reason;
    }

    /** The input's name: a path, or the name given to {@code LogAnomalyScorer.open} ({@code <lines>} for
     *  {@code score(lines)}). */
    public String file() {
        return file;
    }

    /** 1-based physical line where the record starts. */
    public long line() {
        return line;
    }

    /** The bad field, or null when the whole line is bad. */
    public String field() {
        return field;
    }

    /** What is wrong with the line or field, in Python's words (e.g. {@code no format match: ...}). */
    public String reason() {
        return reason;
    }

    /**
     * A line no mode can read past (an unusable CSV header), raised in lenient mode too: reading leniently would
     * not help, so the launcher does not say to (Python's {@code BadRecordError}, against its {@code BadLineError}).
     */
    public static final class Unreadable extends BadRecordException {
        /** As {@link BadRecordException#BadRecordException(String, long, String, String)}. */
        public Unreadable(String file, long line, String field, String reason) {
            super(file, line, field, reason);
        }
    }
}
