package io.dl4jbridge;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code score --quarantine}: the rejected lines, one JSON record per line. Only whole records reach the file: a
 * record is held until its line ends, so that a flush on Ctrl-C / SIGTERM (from the shutdown hook, while the scoring
 * thread may be writing) never leaves half a record. A write that fails (disk full, I/O error) is a
 * {@link RowOutput.Failure} naming the quarantine file: the summary is printed, then exit 4, as for {@code --output}.
 */
final class QuarantineWriter extends Writer {
    private final Writer out;
    private final String name;
    private final StringBuilder record = new StringBuilder();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean failed;

    QuarantineWriter(OutputStream stream, String name) {
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
        this.name = name;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
        lock.lock();
        try {
            for (int i = offset; i < offset + length; i++) {
                record.append(chars[i]);
                if (chars[i] == '\n') {
                    try {
                        out.append(record);
                    } catch (IOException e) {
                        throw failure(e);
                    } finally {
                        record.setLength(0);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            if (!failed) {
                out.flush();
            }
        } catch (IOException e) {
            throw failure(e);
        } finally {
            lock.unlock();
        }
    }

    /** From the shutdown hook: the whole records written so far reach the file (waits at most {@code millis}). */
    boolean interrupted(long millis) {
        try {
            if (!lock.tryLock(millis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            if (!failed) {
                out.flush();
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (failed) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the failure was reported already
                }
                return;
            }
            out.close();
        } catch (IOException e) {
            throw failure(e);
        } finally {
            lock.unlock();
        }
    }

    private RowOutput.Failure failure(IOException e) {
        failed = true;
        String message = String.valueOf(e.getMessage());
        return new RowOutput.Failure("cannot write the quarantine file " + name + ": " + message
                + (message.contains("No space left") ? " (the disk is full: free space, or give --quarantine a file "
                        + "elsewhere)" : "") + "; the rejected lines before the failure were written (the last may be "
                + "cut short)", e);
    }
}
