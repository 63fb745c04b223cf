package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.CountingDecoder;
import io.dl4jbridge.etl.EncodingException;
import io.dl4jbridge.etl.EtlSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;

/**
 * Raw log bytes as the scorers read them, the launcher's {@code score} and {@link LogAnomalyScorer#scoreFile}
 * alike: {@code .gz} decompressed (by name, or by gzip's magic number 1f 8b at the start of any input; an empty file is empty input, as in Python; every member of a
 * concatenated file read, and data after the gzip stream that is not gzip refused, as Python's gzip does: see
 * {@link GzipMembers}), a UTF-16 byte-order mark refused unless the spec reads UTF-16, decoded in the spec's
 * encoding with undecodable lines counted.
 */
public final class LogInput {
    private LogInput() {}

    /**
     * Refuses a log input that is a directory or does not exist, in the words of Python's {@code score} (the
     * launcher's too); a regular file or a pipe / device ({@code <(zcat x.gz)}) passes.
     *
     * @param path the log input
     * @throws java.io.FileNotFoundException {@code path} is a directory or does not exist
     */
    public static void requireReadable(java.nio.file.Path path) throws java.io.FileNotFoundException {
        if (java.nio.file.Files.isDirectory(path)) {
            throw new java.io.FileNotFoundException(path + " is a directory: give a log file, or - for standard input");
        }
        if (!java.nio.file.Files.exists(path)) {
            throw new java.io.FileNotFoundException("no input file at " + path + " (give a log file, or - for standard "
                    + "input)");
        }
    }

    /** After "FILE: cannot read past line N: ", as Python's {@code TrailingDataError} says it. */
    static final String TRAILING_DATA = "the data after the gzip stream is not gzip (something was appended "
            + "to the compressed file, or it is a broken copy), so it cannot be read as log lines: decompress the "
            + "gzip part with 'zcat FILE > FILE.txt' (zcat reports the rest as 'trailing garbage ignored'), see what "
            + "follows it, and read each part on its own";

    /**
     * @param raw  the bytes (closed with the returned reader)
     * @param name the input's name in messages ({@code <stdin>} for standard input)
     * @param gz   decompress ({@code name} ends in {@code .gz}); else decompressed when its first two bytes are
     *             gzip's magic number (1f 8b: {@code cat app.log.gz | score --input -}), as Python's reader does
     */
    public static CountingDecoder open(InputStream raw, String name, boolean gz, EtlSpec spec) throws IOException {
        if (!gz) {
            PushbackInputStream sniffed = raw instanceof PushbackInputStream ? (PushbackInputStream) raw
                    : new PushbackInputStream(raw, 2);
            raw = sniffed;
            gz = startsWithGzip(sniffed);
        }
        InputStream bytes = raw;
        if (gz) {
            PushbackInputStream peek = new PushbackInputStream(raw, 1);
            int first = peek.read();
            if (first >= 0) {
                peek.unread(first);
                bytes = new GzipMembers(peek, 65536);
            } else {
                bytes = peek;   // an empty .gz: no lines, as Python's gzip reads it
            }
        }
        return new CountingDecoder(EncodingException.refuseUtf16Bom(bytes, spec.encoding(), name), spec.charset());
    }

    /**
     * True when the stream starts with gzip's magic number 1f 8b; the bytes read are pushed back (the stream reads
     * from its start again). Waits for the first two bytes (or the end) of a pipe.
     *
     * @param in a stream that can push back 2 bytes
     */
    public static boolean startsWithGzip(PushbackInputStream in) throws IOException {
        byte[] head = new byte[2];
        int n = 0;
        while (n < 2) {
            int got = in.read(head, n, 2 - n);
            if (got < 0) {
                break;
            }
            n += got;
        }
        if (n > 0) {
            in.unread(head, 0, n);
        }
        return n == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /**
     * A truncated or corrupt {@code .gz}, or one with data after its gzip stream, in the words of Python's
     * {@code SourceError} and {@code TrailingDataError}.
     */
    public static IOException unreadable(String name, long lines, IOException e) {
        if (e instanceof GzipMembers.TrailingDataException) {
            return new IOException(name + ": cannot read past line " + lines + ": " + TRAILING_DATA, e);
        }
        return new IOException(name + ": cannot read past line " + lines + ": " + e.getClass().getSimpleName() + ": "
                + e.getMessage() + ". The file is truncated or corrupt (a .gz still being written, or a broken copy): "
                + "read a complete copy, or decompress what is readable with 'zcat FILE > FILE.txt' and read that", e);
    }
}
