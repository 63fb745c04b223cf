package io.dl4jbridge.etl;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;

/**
 * Decodes a byte stream in one of two ways.
 *
 * <ul>
 * <li>Lenient ({@link #CountingDecoder(InputStream, Charset)}), as Python's readers do: bytes invalid in the
 * charset become U+FFFD and the line is kept. The lines that held such bytes are counted, which Python
 * reports as {@code undecodable_lines}; an {@code InputStreamReader} replaces them without a word. One
 * U+FFFD replaces each malformed or unmappable sequence the decoder reports, as
 * {@link CodingErrorAction#REPLACE} would.</li>
 * <li>Strict ({@link #strict}), for {@code serve}'s request bodies: every character before the first invalid
 * sequence is returned, then {@link MalformedTextException} names its byte offset.</li>
 * </ul>
 *
 * <p>A line ends at {@code \n}, as {@link io.dl4jbridge.scorer.LineSplitter} splits them.</p>
 */
public final class CountingDecoder extends Reader {
    /** Bytes that are not valid text in the charset, met by a {@link #strict} decoder. */
    public static final class MalformedTextException extends IOException {
        /** Offset of the first invalid byte from the start of the stream. */
        public final long byteOffset;

        MalformedTextException(String charset, long byteOffset) {
            super("the request body is not valid " + charset + ": malformed bytes at byte offset " + byteOffset
                    + "; send the log lines encoded as " + charset);
            this.byteOffset = byteOffset;
        }
    }

    private static final char REPLACEMENT = '\uFFFD';

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final ByteBuffer bytes = ByteBuffer.allocate(65536);
    private final CharBuffer chars = CharBuffer.allocate(65536);
    private boolean eof;
    private boolean flushed;
    /** False once every byte is decoded at the end of the input, while the decoder is being flushed. */
    private boolean decoding = true;
    /** Line terminators decoded so far: the index of the line being decoded. */
    private long newlines;
    /** Index of the last line counted in {@link #undecodableLines}, or -1. */
    private long lastCountedLine = -1;
    private long undecodableLines;
    private final boolean strict;
    private final boolean utf8;
    /** Bytes decoded so far (a {@link #strict} decoder's error offset). */
    private long decodedBytes;
    private MalformedTextException pending;

    /** A lenient decoder: invalid bytes become U+FFFD, their lines are counted. */
    public CountingDecoder(InputStream in, Charset charset) {
        this(in, charset, false);
    }

    /** A strict decoder: {@link MalformedTextException} at the first invalid byte sequence. */
    public static CountingDecoder strict(InputStream in, Charset charset) {
        return new CountingDecoder(in, charset, true);
    }

    private CountingDecoder(InputStream in, Charset charset, boolean strict) {
        this.in = in;
        this.strict = strict;
        this.utf8 = charset.equals(java.nio.charset.StandardCharsets.UTF_8);
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        bytes.flip();  // empty, ready to be read from
        chars.flip();
    }

    /** Lines that held bytes invalid in the charset (each read with U+FFFD in their place). */
    public long undecodableLines() {
        return undecodableLines;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!chars.hasRemaining()) {
            if (pending != null) {
                throw pending;   // after every character before the invalid bytes
            }
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, chars.remaining());
        chars.get(buf, off, n);
        return n;
    }

    @Override
    public boolean ready() throws IOException {
        return chars.hasRemaining() || in.available() > 0;   // bytes left over are an incomplete sequence
    }

    /** Decodes more characters into {@link #chars}; false at the end of the input. */
    private boolean fill() throws IOException {
        chars.clear();
        try {
            while (chars.position() == 0 && pending == null) {
                if (eof) {
                    if (flushed) {
                        return false;
                    }
                    if (!decoding || decode(true)) {   // every byte decoded: flush what the decoder holds
                        decoding = false;
                        if (decoder.flush(chars).isOverflow()) {
                            return true;
                        }
                        flushed = true;
                    }
                    return chars.position() > 0 || !flushed;
                }
                if (!bytes.hasRemaining() || decode(false)) {
                    if (chars.position() > 0) {
                        break;   // hand out what is decoded before waiting for more input (a live stream)
                    }
                    bytes.compact();
                    int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                    if (n < 0) {
                        eof = true;
                    } else {
                        bytes.position(bytes.position() + n);
                    }
                    bytes.flip();
                }
            }
            return true;
        } finally {
            chars.flip();
        }
    }

    /** Decodes what {@link #bytes} holds into {@link #chars}; true when more input is needed to go on. */
    private boolean decode(boolean endOfInput) {
        while (pending == null) {
            int start = chars.position();
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, chars, endOfInput);
            decodedBytes += bytes.position() - before;
            countNewlines(start);
            if (result.isUnderflow()) {
                return true;
            }
            if (result.isOverflow()) {
                return false;
            }
            if (strict) {
                pending = new MalformedTextException(decoder.charset().name(), decodedBytes);
                break;
            }
            int replacements = replacements(result.length());
            if (chars.remaining() < replacements) {
                return false;  // the malformed bytes stay in the buffer until there is room for U+FFFD
            }
            bytes.position(bytes.position() + result.length());
            for (int i = 0; i < replacements; i++) {
                chars.put(REPLACEMENT);
            }
            if (newlines != lastCountedLine) {
                lastCountedLine = newlines;
                undecodableLines++;
            }
        }
        return false;   // strict, at invalid bytes: nothing more is decoded
    }

    /**
     * The U+FFFD that Python's decoder writes for the malformed input of {@code length} bytes at the buffer's
     * position. The JDK's UTF-8 decoder reports an encoded surrogate ({@code ED A0..BF}, then a continuation byte
     * or not) as one malformed input of 3 (or 2) bytes; Python (Unicode's maximal subparts: ED cannot start
     * one) replaces each of its bytes. Every other malformed input is one U+FFFD on both sides.
     */
    private int replacements(int length) {
        if (length >= 2 && utf8 && bytes.remaining() >= 2) {
            int first = bytes.get(bytes.position()) & 0xFF;
            int second = bytes.get(bytes.position() + 1) & 0xFF;
            if (first == 0xED && second >= 0xA0 && second <= 0xBF) {
                return length;
            }
        }
        return 1;
    }

    private void countNewlines(int from) {
        char[] a = chars.array();
        for (int i = from; i < chars.position(); i++) {
            if (a[i] == '\n') {
                newlines++;
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
