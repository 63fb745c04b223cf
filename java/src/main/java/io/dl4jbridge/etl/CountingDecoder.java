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
 * Decodes a byte stream as Python's readers do (bytes invalid in the charset become U+FFFD, the line is
 * kept) and counts the lines that held such bytes, which Python reports as {@code undecodable_lines}: an
 * {@code InputStreamReader} replaces them without a word.
 *
 * <p>A line ends at {@code \n}, as {@link io.dl4jbridge.scorer.LineSplitter} splits them. One U+FFFD
 * replaces each malformed or unmappable sequence the decoder reports, as {@link CodingErrorAction#REPLACE}
 * would.</p>
 */
public final class CountingDecoder extends Reader {
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

    public CountingDecoder(InputStream in, Charset charset) {
        this.in = in;
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
        return chars.hasRemaining() || bytes.hasRemaining() || in.available() > 0;
    }

    /** Decodes more characters into {@link #chars}; false at the end of the input. */
    private boolean fill() throws IOException {
        chars.clear();
        try {
            while (chars.position() == 0) {
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
        while (true) {
            int start = chars.position();
            CoderResult result = decoder.decode(bytes, chars, endOfInput);
            countNewlines(start);
            if (result.isUnderflow()) {
                return true;
            }
            if (result.isOverflow()) {
                return false;
            }
            if (chars.remaining() < 1) {
                return false;  // the malformed bytes stay in the buffer until there is room for U+FFFD
            }
            bytes.position(bytes.position() + result.length());
            chars.put(REPLACEMENT);
            if (newlines != lastCountedLine) {
                lastCountedLine = newlines;
                undecodableLines++;
            }
        }
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
