package io.dl4jbridge.scorer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The bytes of a {@code .gz} decompressed as Python's {@code gzip} module reads them: every member of a
 * concatenated file ({@code cat a.gz b.gz}), zero bytes after a member skipped as padding, and anything else
 * after a member refused with {@link TrailingDataException} once the members before it are read.
 *
 * <p>{@link java.util.zip.GZIPInputStream} differs in two ways that drop data without a word: it ignores bytes
 * after a member that do not start another one ({@code cat app.log.gz; echo junk}), and it looks for a next
 * member only when {@code available()} says bytes are waiting, so on a pipe whose next member has not arrived
 * yet it ends after the first member.</p>
 *
 * <p>Each member's header is checked as Python checks it (the magic bytes, method 8, the optional fields
 * skipped; the header CRC is not checked) and its trailer as both check it (CRC-32 and length).</p>
 */
final class GzipMembers extends InputStream {
    /** Bytes after a complete gzip member that neither start another member nor are zero padding. */
    static final class TrailingDataException extends ZipException {
        TrailingDataException(long offset) {
            super("the data after the gzip stream is not gzip (from byte " + offset + ")");
        }
    }

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final byte[] buf;
    /** Raw bytes buffered: {@code buf[pos..lim)}, of which the inflater holds those it has not consumed. */
    private int pos;
    private int lim;
    /** Raw bytes read before {@code buf[0]}: with {@link #pos}, the offset in messages. */
    private long bufferStart;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Uncompressed bytes of the current member (the trailer holds them modulo 2^32). */
    private long memberBytes;
    private boolean eof;
    private boolean closed;

    /** Reads the first member's header now: a file that is not gzip fails here ({@code Not in GZIP format}). */
    GzipMembers(InputStream in, int bufferSize) throws IOException {
        this.in = in;
        this.buf = new byte[bufferSize];
        int b1 = rawByte();
        int b2 = rawByte();
        if (b1 != 0x1f || b2 != 0x8b) {
            throw new ZipException("Not in GZIP format");   // GZIPInputStream's words, as before
        }
        restOfHeader();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException();
        }
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            if (inflater.finished()) {
                pos = lim - inflater.getRemaining();
                trailer();
                nextMember();
                continue;
            }
            if (inflater.needsDictionary()) {
                throw new ZipException("a gzip member asks for a preset dictionary, which gzip never uses");
            }
            if (inflater.needsInput()) {
                if (pos == lim && !fill()) {
                    throw new EOFException("Unexpected end of ZLIB input stream");   // GZIPInputStream's words
                }
                inflater.setInput(buf, pos, lim - pos);
                pos = lim;   // held by the inflater: what it leaves is lim - getRemaining()
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                String message = e.getMessage();
                throw new ZipException(message != null ? message : "Invalid ZLIB data format");
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberBytes += n;
                return n;
            }
        }
        return -1;
    }

    /** Checks the member's CRC-32 and length against what was inflated. */
    private void trailer() throws IOException {
        long crc32 = rawInt();
        long size = rawInt();
        if (crc32 != crc.getValue() || size != (memberBytes & 0xffffffffL)) {
            throw new ZipException("Corrupt GZIP trailer");   // GZIPInputStream's words
        }
    }

    /** After a member: the end of the input, zero padding then the end, or the next member's header. */
    private void nextMember() throws IOException {
        int b1;
        do {
            b1 = rawByte();
        } while (b1 == 0);
        if (b1 < 0) {
            eof = true;
            return;
        }
        long offset = bufferStart + pos - 1;
        int b2 = rawByte();
        if (b1 != 0x1f || b2 != 0x8b) {
            throw new TrailingDataException(offset);
        }
        restOfHeader();
        inflater.reset();
        crc.reset();
        memberBytes = 0;
    }

    /** The header after its magic bytes: method, flags, and the optional fields skipped. */
    private void restOfHeader() throws IOException {
        if (headerByte() != 8) {
            throw new ZipException("Unsupported compression method");   // GZIPInputStream's words
        }
        int flags = headerByte();
        for (int i = 0; i < 6; i++) {   // modification time, extra flags, operating system
            headerByte();
        }
        if ((flags & FEXTRA) != 0) {
            int length = headerByte() | headerByte() << 8;
            for (int i = 0; i < length; i++) {
                headerByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (headerByte() != 0) {
                // the original file name, zero-terminated
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (headerByte() != 0) {
                // a comment, zero-terminated
            }
        }
        if ((flags & FHCRC) != 0) {   // read, not checked (as Python's gzip)
            headerByte();
            headerByte();
        }
    }

    private int headerByte() throws IOException {
        int b = rawByte();
        if (b < 0) {
            throw new EOFException("Unexpected end of ZLIB input stream");
        }
        return b;
    }

    private long rawInt() throws IOException {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            value |= (long) headerByte() << (8 * i);
        }
        return value;
    }

    private int rawByte() throws IOException {
        if (pos == lim && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** Refills the buffer (everything in it consumed); false at the end of the input. */
    private boolean fill() throws IOException {
        bufferStart += lim;
        pos = 0;
        lim = 0;
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        lim = n;
        return true;
    }

    /**
     * Always 0 (allowed: an estimate). A {@link java.io.BufferedInputStream} reads on within one call while
     * {@code available() > 0} and drops what that call read when a later read fails; with 0 each of its reads is
     * one read here, so every line before a truncation or data after the gzip stream reaches the reader.
     */
    @Override
    public int available() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            inflater.end();
            in.close();
        }
    }
}
