package io.dl4jbridge;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * The launcher's {@code predict} inputs, read and checked before the network sees them, as Python's
 * {@code Network.predict_proba} checks its own ({@code dl4j_bridge/shapes.py}): a refusal is an
 * {@link IOException} (exit 3) naming the file, the layout expected and what to do.
 */
final class PredictInputs {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private PredictInputs() {}

    /**
     * Features {@code [batch, features, time]} (DL4J's NCW) with {@code features = nIn}, as float32 (float64 and
     * integer arrays are converted).
     */
    static INDArray features(File file, long nIn) throws IOException {
        INDArray x = read(file);
        long[] shape = x.shape();
        String expected = "x must be [batch, features, time] = [batch, " + nIn + ", time] (DL4J's NCW layout)";
        if (shape.length != 3) {
            throw new IOException(file + ": " + expected + ", got " + Arrays.toString(shape) + " (rank " + shape.length
                    + ")" + (shape.length == 2 && shape[0] == nIn ? ": one sequence? save it as x[None]" : ""));
        }
        if (shape[1] != nIn) {
            throw new IOException(file + ": " + expected + ", got " + Arrays.toString(shape) + (shape[2] == nIn
                    ? ": it looks like Python's [batch, time, features]; transpose it first "
                      + "(np.save(path, np.ascontiguousarray(x.transpose(0, 2, 1))))"
                    : ": the network takes " + nIn + " features per step"));
        }
        if (shape[0] == 0 || shape[2] == 0) {
            throw new IOException(file + ": " + expected + " with batch >= 1 and time >= 1, got " + Arrays.toString(shape));
        }
        INDArray asFloat = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        refuseNonFinite(file, x, asFloat);
        return asFloat;
    }

    /**
     * NaN, an infinity, or a float64 beyond float32's range (an infinity once converted) in x: refused as Python's
     * {@code check_xy} refuses them, naming the first one's place (the network would write NaN rows, exit 0).
     */
    private static void refuseNonFinite(File file, INDArray original, INDArray asFloat) throws IOException {
        long[] shape = asFloat.shape();
        float[] values = asFloat.dup('c').data().asFloat();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                long b = i / (shape[1] * shape[2]);
                long f = (i / shape[2]) % shape[1];
                long t = i % shape[2];
                double was = original.dup('c').data().getDouble(i);
                String what = Double.isNaN(was) ? "NaN" : Double.isInfinite(was) ? "an infinity"
                        : was + " (beyond float32's range, which the network computes in)";
                throw new IOException(file + ": x holds " + what + " at [batch " + b + ", feature " + f + ", step " + t
                        + "]: every value must be a finite number within float32's range (fill or drop such values, "
                        + "or scale the feature)");
            }
        }
    }

    /**
     * A mask {@code [batch, time]} of x ({@code xShape} = [batch, features, time]): 0 (padding) or 1 (real step), the padding after the real steps of each
     * sequence, as float32.
     */
    static INDArray mask(File file, long[] xShape) throws IOException {
        long batch = xShape[0];
        long time = xShape[2];
        INDArray m = read(file);
        String expected = file + ": mask must be [batch, time] = [" + batch + ", " + time + "] of 0/1";
        if (!Arrays.equals(m.shape(), new long[]{batch, time})) {
            throw new IOException(expected + ", got " + Arrays.toString(m.shape()) + " (x is "
                    + Arrays.toString(xShape) + ")");
        }
        float[] values = m.castTo(DataType.FLOAT).dup('c').data().asFloat();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                float v = values[(int) (b * time + t)];
                if (v != 0f && v != 1f) {
                    throw new IOException(expected + ", got " + v + " at [batch " + b + ", step " + t + "]");
                }
                if (t > 0 && v > values[(int) (b * time + t - 1)]) {
                    throw new IOException(file + ": mask has padding before a real step (0 at [batch " + b + ", step "
                            + (t - 1) + "], 1 after it): pad at the end of each sequence, real steps first; DL4J's LSTM "
                            + "carries its state through masked steps, so padding in front would change the real steps' "
                            + "outputs");
                }
            }
        }
        return m.dataType() == DataType.FLOAT ? m : m.castTo(DataType.FLOAT);
    }

    /**
     * A .npy file's array. Refused naming the file: anything else, and what ND4J would misread (a Fortran-ordered
     * array: its values in the wrong places) or die on (big-endian: the JVM aborts), or not read as numbers.
     */
    private static INDArray read(File file) throws IOException {
        String header = header(file);
        java.util.regex.Matcher descr = java.util.regex.Pattern.compile("'descr':\\s*'([^']*)'").matcher(header);
        if (!descr.find() || !descr.group(1).matches("[<|]?[fiub][0-9]+")) {
            throw new IOException(file + " holds " + (descr.find(0) ? "dtype '" + descr.group(1) + "'" : "no dtype")
                    + ": save a little-endian float32 array (numpy: np.save(path, x.astype('<f4')))");
        }
        if (header.matches("(?s).*'fortran_order':\\s*True.*")) {
            throw new IOException(file + " holds a Fortran-ordered array, which ND4J would misread: save a C-ordered one "
                    + "(numpy: np.save(path, np.ascontiguousarray(x)))");
        }
        try {
            return Nd4j.createFromNpyFile(file);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a .npy file ND4J reads (" + e.getMessage() + "): save a float32 "
                    + "array with numpy.save", e);
        }
    }

    /** The header dictionary of a .npy file (format 1, 2 or 3); anything else is refused naming the file. */
    private static String header(File file) throws IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                Files.newInputStream(file.toPath())))) {
            byte[] magic = new byte[NPY_MAGIC.length + 2];
            in.readFully(magic);
            if (!Arrays.equals(Arrays.copyOf(magic, NPY_MAGIC.length), NPY_MAGIC)) {
                throw new IOException(file + " is not a .npy file (it does not start with \\x93NUMPY): save arrays "
                        + "with numpy.save");
            }
            int major = magic[NPY_MAGIC.length];
            long length = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(in.readShort()))
                    : Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            if (major < 1 || major > 3 || length > 1 << 20) {
                throw new IOException(file + " is not a .npy file ND4J reads (format version " + major + ", header of "
                        + length + " bytes): save it with numpy.save");
            }
            byte[] text = new byte[(int) length];
            in.readFully(text);
            return new String(text, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.io.EOFException e) {
            throw new IOException(file + " is not a .npy file (it is shorter than a .npy header): save arrays with "
                    + "numpy.save", e);
        }
    }
}
