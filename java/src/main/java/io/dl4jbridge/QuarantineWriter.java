package io.dl4jbridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code score --quarantine}: the rejected lines, one JSON record per line. Only whole records reach the file: a
 * record is held until its line ends, whole records are gathered (encoded) and written with one call, and once the
 * shutdown hook has flushed them on Ctrl-C / SIGTERM ({@link #interrupted}) nothing more is written, though the
 * scoring thread runs on until the JVM halts. A write that fails (disk full, I/O error) is a
 * {@link RowOutput.Failure} naming the quarantine file: the summary is printed, then exit 4, as for {@code --output}.
 */
final class QuarantineWriter extends Writer {
    /** Gathered whole records are written once they reach this many bytes (and at every flush). */
    private static final int BLOCK = 64 * 1024;

    private final OutputStream out;
    private final String name;
    private final StringBuilder record = new StringBuilder();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;   // failed, interrupted or closed: nothing more is written

    QuarantineWriter(OutputStream out, String name) {
        this.out = out;
        this.name = name;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            for (int i = offset; i < offset + length; i++) {
                record.append(chars[i]);
                if (chars[i] == '\n') {
                    byte[] bytes = record.toString().getBytes(StandardCharsets.UTF_8);
                    pending.write(bytes, 0, bytes.length);
                    record.setLength(0);
                }
            }
            if (pending.size() >= BLOCK) {
                drain();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            if (!closed) {
                drain();
            }
        } finally {
            lock.unlock();
        }
    }

    /** From the shutdown hook: the whole records gathered so far reach the file, then nothing more (waits at most
     *  {@code millis} for a write in progress). */
    boolean interrupted(long millis) {
        if (!RowOutput.lockWithin(lock, millis)) {
            return false;
        }
        try {
            if (!closed) {
                drain();
            }
            return true;
        } catch (RowOutput.Failure e) {
            return false;
        } finally {
            closed = true;
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                drain();
            }
        } finally {
            closed = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // a failure to write was reported by drain; closing adds nothing to say
            }
            lock.unlock();
        }
    }

    /** One write of the gathered whole records (the caller holds the lock). */
    private void drain() {
        if (pending.size() == 0) {
            return;
        }
        try {
            pending.writeTo(out);
            out.flush();
        } catch (IOException e) {
            closed = true;
            throw failure(e);
        } finally {
            pending.reset();
        }
    }

    private RowOutput.Failure failure(IOException e) {
        String message = String.valueOf(e.getMessage());
        return new RowOutput.Failure("cannot write the quarantine file " + name + ": " + message
                + (message.contains("No space left") ? " (the disk is full: free space, or give --quarantine a file "
                        + "elsewhere)" : "") + "; the rejected lines before the failure were written (the last may be "
                + "cut short)", e);
    }
}
