package io.dl4jbridge.scorer;

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
 * The body of a {@code POST /score} request (read whole, within {@code --max-body-bytes}, by the server) as text,
 * decoded strictly: {@link MalformedTextException} at the first byte sequence that is not valid in the charset,
 * naming its offset, after every character before it has been returned.
 */
final class RequestBody extends Reader {
    /** The body holds bytes that are not valid text in the model's encoding. */
    static final class MalformedTextException extends IOException {
        final long byteOffset;

        MalformedTextException(String charset, long byteOffset) {
            super("the request body is not valid " + charset + ": malformed bytes at byte offset " + byteOffset
                    + "; send the log lines encoded as " + charset);
            this.byteOffset = byteOffset;
        }
    }

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final String charsetName;
    private final ByteBuffer bytes = ByteBuffer.allocate(16384);
    private long decodedBytes;
    private boolean eof;
    private boolean flushed;
    private MalformedTextException pending;

    RequestBody(InputStream raw, Charset charset) {
        this.in = raw;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.charsetName = charset.name();
        bytes.flip();  // empty, ready to be read from
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (pending != null) {
            throw pending;
        }
        if (len == 0) {
            return 0;
        }
        CharBuffer out = CharBuffer.wrap(buf, off, len);
        while (true) {
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, out, eof);
            decodedBytes += bytes.position() - before;
            if (result.isError()) {
                pending = new MalformedTextException(charsetName, decodedBytes);
                if (out.position() > off) {
                    return out.position() - off;  // every character before the bad bytes first
                }
                throw pending;
            }
            if (result.isOverflow() || (out.position() > off && !eof)) {
                return out.position() - off;
            }
            if (eof) {
                if (!flushed) {
                    decoder.flush(out);
                    flushed = true;
                }
                return out.position() > off ? out.position() - off : -1;
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

    @Override
    public boolean ready() throws IOException {
        return bytes.hasRemaining() || in.available() > 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
