package io.dl4jbridge.etl;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The strict / lenient bad-line policy of one read. Strict raises {@link BadRecordException} at the
 * first bad line; lenient counts the line per reason in the {@link ReadReport} and, when a quarantine
 * writer is given, appends it as one JSON object ({@code source, line, field, reason, text}) per line.
 * Nothing is dropped silently.
 */
public final class BadLinePolicy implements Closeable {
    private final String source;
    private final boolean strict;
    private final ReadReport report;
    private final Writer quarantine;

    public BadLinePolicy(String source, String mode, ReadReport report, Writer quarantine) {
        if (!"strict".equals(mode) && !"lenient".equals(mode)) {
            throw new SpecException("reader mode must be 'strict' or 'lenient', not '" + mode + "'");
        }
        this.source = source;
        this.strict = "strict".equals(mode);
        this.report = report;
        this.quarantine = quarantine;
    }

    /** Whether rejected lines are written to a quarantine (Python's {@code _BadLineSink.handle is not None}). */
    boolean quarantines() {
        return quarantine != null;
    }

    /** The source's name, as errors and quarantine records give it. */
    public String source() {
        return source;
    }

    public boolean strict() {
        return strict;
    }

    /** A line no mode can read past (an unusable CSV header): raises in both modes, as Python's reader does. */
    public BadRecordException fatal(long line, String field, String reason) {
        throw new BadRecordException.Unreadable(source, line, field, reason);
    }

    public void bad(long line, String field, String category, String detail, String text) {
        if (strict) {
            throw new BadRecordException(source, line, field, category + ": " + detail);
        }
        report.badLines++;
        if (report.firstBadLine == 0 || line < report.firstBadLine) {
            report.firstBadLine = line;
        }
        Long before = report.badByReason.get(category);
        report.badByReason.put(category, before == null ? 1L : before + 1L);
        if (quarantine != null) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("source", source);
            record.put("line", line);
            record.put("field", field);
            record.put("reason", category + ": " + detail);
            record.put("text", text);
            try {
                quarantine.write(JsonText.dumps(record));
                quarantine.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the quarantine file", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (quarantine != null) {
            quarantine.flush();
        }
    }
}
