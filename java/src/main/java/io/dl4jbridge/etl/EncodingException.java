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
    /** @param message names the file, the encoding it looks like and what to give instead */
    public EncodingException(String message) {
        super(message);
    }

    /**
     * The bytes of {@code in}, unchanged, after checking their start: a UTF-16 byte-order mark when the spec's
     * encoding (a Python codec name) is not a UTF-16 or UTF-32 one is an {@link EncodingException}.
     */
    public static InputStream refuseUtf16Bom(InputStream in, String encoding, String source) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 65536);
        if ("utf-16".equals(encoding) || "utf-32".equals(encoding)) {
            // these need a byte-order mark to tell the byte order: Java's decoder took big-endian without one
            byte[] head = new byte[4];
            buffered.mark(4);
            int n = 0;
            for (int b; n < 4 && (b = buffered.read()) >= 0; n++) {
                head[n] = (byte) b;
            }
            buffered.reset();
            String message = missingBomMessage(java.util.Arrays.copyOf(head, n), encoding);
            if (message != null) {
                throw new EncodingException(source + ": " + message);
            }
            return buffered;
        }
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

    /**
     * What is wrong when a file read as {@code utf-16} / {@code utf-32} starts with {@code head} and no byte-order
     * mark, with what it probably is and what to do; null when the mark is there, the encoding needs none, or
     * {@code head} is too short to tell. Python's {@code dl4j_bridge.etl.sources.missing_bom_message}, word for word.
     */
    public static String missingBomMessage(byte[] head, String encoding) {
        int width = "utf-16".equals(encoding) ? 2 : "utf-32".equals(encoding) ? 4 : 0;
        if (width == 0 || head.length < width) {
            return null;
        }
        int[] b = new int[width];
        for (int i = 0; i < width; i++) {
            b[i] = head[i] & 0xFF;
        }
        boolean le = width == 2 ? b[0] == 0xFF && b[1] == 0xFE : b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0;
        boolean be = width == 2 ? b[0] == 0xFE && b[1] == 0xFF : b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF;
        if (le || be) {
            return null;
        }
        int half = width / 2;
        boolean lowZero = true;
        boolean highZero = true;
        for (int i = 0; i < half; i++) {
            lowZero &= b[i] == 0;
            highZero &= b[half + i] == 0;
        }
        String order = highZero && !lowZero ? "little-endian" : lowZero && !highZero ? "big-endian" : null;
        String name = encoding.toUpperCase(java.util.Locale.ROOT);
        String text = "line 1: the file has no byte-order mark, which encoding '" + encoding + "' needs to tell the "
                + "byte order; ";
        if (order == null) {
            return text + "its first bytes do not look like " + name + " without one either: it is probably in "
                    + "another encoding (UTF-8?). Read it, to train and to score, with its real encoding (run.toml "
                    + "[reader] encoding = \"utf-8\", ...): a saved model reads the encoding it was trained with";
        }
        String suffix = order.startsWith("little") ? "le" : "be";
        String fixed = encoding + "-" + suffix;
        return text + "it looks like " + name + " " + order + " without one: convert it (iconv -f " + name
                + suffix.toUpperCase(java.util.Locale.ROOT) + " -t UTF-8 FILE > FILE.utf8) and read it as UTF-8, or read it "
                + "as it is (encoding='" + fixed + "'; run.toml [reader] encoding = \"" + fixed + "\"), to train "
                + "and to score alike: a saved model reads the encoding it was trained with";
    }
}
