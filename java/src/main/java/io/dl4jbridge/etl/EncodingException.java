package io.dl4jbridge.etl;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A file read with an encoding it plainly does not have: it starts with a UTF-16 byte-order mark. Every line would
 * be garbled, so the read is refused in both modes, naming the encoding to give (Python's
 * {@code dl4j_bridge.etl.EncodingError}, same message).
 */
public class EncodingException extends EtlException {
    public EncodingException(String message) {
        super(message);
    }

    /**
     * The bytes of {@code in}, unchanged, after checking their start: a UTF-16 byte-order mark when the spec's
     * encoding (a Python codec name) is not a UTF-16 or UTF-32 one is an {@link EncodingException}.
     */
    public static InputStream refuseUtf16Bom(InputStream in, String encoding, String source) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 65536);
        if (encoding.contains("16") || encoding.contains("32")) {
            return buffered;
        }
        buffered.mark(2);
        int first = buffered.read();
        int second = buffered.read();
        buffered.reset();
        String order = first == 0xFF && second == 0xFE ? "little-endian" : first == 0xFE && second == 0xFF ? "big-endian" : null;
        if (order != null) {
            throw new EncodingException(source + ": the file starts with a UTF-16 (" + order + ") byte-order mark but is "
                    + "read as " + encoding + ", which would garble every line: convert it (iconv -f UTF-16 -t UTF-8 "
                    + "FILE > FILE.utf8), or train a model that reads UTF-16 (encoding='utf-16'; run.toml [reader] "
                    + "encoding = \"utf-16\"): a saved model reads the encoding it was trained with");
        }
        return buffered;
    }
}
