package io.dl4jbridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code score}'s rows on their way to standard output or the {@code --output} file: only whole rows reach the
 * output (rows gather in a buffer that is written out at row boundaries only), so a file cut short by a signal
 * never ends in the middle of a row; a row write and a flush hold the same lock, so the shutdown hook's flush
 * ({@link #interrupted}) writes what was complete and nothing after it. A write that fails is a {@link Closed}
 * (the reader of a pipe went away: EPIPE) or a {@link Failure} naming the output (exit 4).
 */
final class RowOutput {
    private static final int BUFFER = 1 << 16;

    private final OutputStream out;
    private final String name;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(BUFFER + 4096);
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;
    private long gathered;
    private volatile long written;
    /** Sequences gathered (with a row or without: not flagged), flagged and unjudged ones among them. */
    private long gatheredSequences;
    private long gatheredFlagged;
    private long gatheredUnjudged;
    /** The same of the sequences whose rows reached the output: an interrupted score's summary counts these. */
    private volatile long writtenSequences;
    private volatile long writtenFlagged;
    private volatile long writtenUnjudged;

    /** @param name the output in messages: "standard output" or the file's path */
    RowOutput(OutputStream out, String name) {
        this.out = out;
        this.name = name;
    }

    String name() {
        return name;
    }

    /** The rows that reached the output. */
    long written() {
        return written;
    }

    /** Sequences whose rows reached the output (counted with the rows: a sequence without a row once the rows
     *  gathered before it are out). */
    long writtenSequences() {
        return writtenSequences;
    }

    /** Flagged sequences among {@link #writtenSequences}. */
    long writtenFlagged() {
        return writtenFlagged;
    }

    /** Unjudged sequences among {@link #writtenSequences}. */
    long writtenUnjudged() {
        return writtenUnjudged;
    }

    /** Adds one row (its JSON; the newline is added); written out once the buffer is full. */
    void row(String json) {
        sequence(json, false, false);
    }

    /**
     * Adds one scored sequence: its row ({@code null}: none, not flagged without {@code --all}) and whether it
     * was flagged and unjudged, counted in {@link #writtenSequences} once the rows before it are out. After the
     * shutdown hook's flush nothing more is counted: the counts of an interrupted score are those of its output.
     */
    void sequence(String json, boolean flagged, boolean unjudged) {
        byte[] bytes = json == null ? null : (json + "\n").getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (bytes != null) {
                pending.write(bytes, 0, bytes.length);
                gathered++;
            }
            gatheredSequences++;
            gatheredFlagged += flagged ? 1 : 0;
            gatheredUnjudged += unjudged ? 1 : 0;
            if (pending.size() >= BUFFER) {
                drain();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes out the rows gathered (a live {@code --input -}: rows as input arrives). */
    void flush() {
        lock.lock();
        try {
            if (!closed) {
                drain();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Flushes and closes; later rows are dropped. */
    void close() {
        lock.lock();
        try {
            if (!closed) {
                drain();
                closed = true;
                out.close();
            }
        } catch (IOException e) {
            throw failure(e);
        } finally {
            closed = true;
            lock.unlock();
        }
    }

    /**
     * The shutdown hook's flush: the whole rows gathered are written, later rows dropped. Waits at most
     * {@code millis} for a row write in progress (a write blocked on a full pipe would never let go).
     *
     * @return false when nothing could be flushed (the lock was not free, or the write failed)
     */
    boolean interrupted(long millis) {
        if (!lockWithin(lock, millis)) {
            return false;
        }
        try {
            if (!closed) {
                drain();
                out.flush();
            }
            return true;
        } catch (RuntimeException | IOException e) {
            return false;
        } finally {
            closed = true;
            lock.unlock();
        }
    }

    /** {@code lock} taken within {@code millis} (false when not, or when the waiting thread is interrupted): the
     *  shutdown hook's wait for a write in progress, which a write blocked on a full pipe would never end. */
    static boolean lockWithin(java.util.concurrent.locks.Lock lock, long millis) {
        try {
            return lock.tryLock(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void drain() {
        if (pending.size() == 0) {   // sequences without rows: done, counted
            commit();
            return;
        }
        try {
            pending.writeTo(out);   // one write of whole rows
            out.flush();
            written += gathered;
            commit();
        } catch (IOException e) {
            closed = true;
            throw failure(e);
        } finally {
            pending.reset();
            gathered = 0;
            gatheredSequences = 0;
            gatheredFlagged = 0;
            gatheredUnjudged = 0;
        }
    }

    private void commit() {
        writtenSequences += gatheredSequences;
        writtenFlagged += gatheredFlagged;
        writtenUnjudged += gatheredUnjudged;
        gatheredSequences = 0;
        gatheredFlagged = 0;
        gatheredUnjudged = 0;
    }

    private RuntimeException failure(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("Broken pipe")) {
            return new Closed(name);
        }
        return new Failure("cannot write to " + name + ": " + message
                + (message.contains("No space left") ? " (the disk is full: free space, or write the rows elsewhere"
                        + " with --output)" : message.contains("Bad file descriptor") && "standard output".equals(name)
                        ? " (standard output is closed: redirect it, or give --output FILE)" : "")
                + "; the rows before the failure were written", e);
    }

    /** The reader of the output pipe went away (EPIPE, {@code score ... | head -1}): scoring ends quietly, exit 141. */
    static final class Closed extends RuntimeException {
        Closed(String name) {
            super(name + " was closed by its reader (broken pipe)");
        }
    }

    /** Writing the rows failed (disk full, closed descriptor, I/O error): exit 4. */
    static final class Failure extends RuntimeException {
        Failure(String message, IOException cause) {
            super(message, cause);
        }
    }
}
