package io.dl4jbridge.scorer;

import java.io.IOException;
import java.io.Reader;
import java.util.function.Consumer;

/**
 * Splits text into lines exactly as the Python readers do: on {@code \n} only, one trailing
 * {@code \r} removed; a final line without a terminator counts. Constant memory (one line at a time).
 */
public final class LineSplitter {
    private LineSplitter() {}

    /** Reads every line of {@code in}; {@code idle} runs whenever the reader has nothing buffered. */
    public static void split(Reader in, Consumer<String> line, Runnable idle) throws IOException {
        char[] buf = new char[65536];
        StringBuilder current = new StringBuilder();
        int n;
        while ((n = readOrEnd(in, buf, current, line)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    current.append(buf, start, i - start);
                    line.accept(stripCr(current));
                    current.setLength(0);
                    start = i + 1;
                }
            }
            current.append(buf, start, n - start);
            if (idle != null && !in.ready()) {
                idle.run();
            }
        }
        if (current.length() > 0) {
            line.accept(stripCr(current));
        }
    }

    /**
     * {@code in.read(buf)}; data after the gzip stream that is not gzip ends a complete stream, so the last line
     * before it (even without a terminator) is handed out before the failure, as Python's reader does; a truncated
     * stream's last line is cut short and dropped.
     */
    private static int readOrEnd(Reader in, char[] buf, StringBuilder current, Consumer<String> line)
            throws IOException {
        try {
            return in.read(buf);
        } catch (GzipMembers.TrailingDataException e) {
            if (current.length() > 0) {
                line.accept(stripCr(current));
                current.setLength(0);
            }
            throw e;
        }
    }

    private static String stripCr(StringBuilder s) {
        int end = s.length();
        if (end > 0 && s.charAt(end - 1) == '\r') {
            end--;
        }
        return s.substring(0, end);
    }
}
