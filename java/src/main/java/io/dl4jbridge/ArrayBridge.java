package io.dl4jbridge;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;

/**
 * Bulk copies between direct byte buffers (numpy memory, wrapped on the Python side) and INDArrays.
 * One memcpy per array; never element by element across the language boundary.
 */
public final class ArrayBridge {
    private ArrayBridge() {}

    /**
     * A new C-ordered float32 INDArray of {@code shape} holding the bytes of {@code source}
     * (native-endian float32, C order, exactly {@code prod(shape) * 4} bytes).
     */
    public static INDArray fromBuffer(ByteBuffer source, long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        ByteBuffer src = source.duplicate();
        src.clear();
        if (src.remaining() != n * 4L) {
            throw new IllegalArgumentException("buffer holds " + src.remaining() + " bytes, shape needs " + (n * 4L));
        }
        INDArray array = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', shape);
        if (n > 0) {
            ByteBuffer dst = array.data().asNio();
            dst.clear();
            dst.put(src);
        }
        return array;
    }

    /**
     * A new, uninitialised C-ordered float32 INDArray of {@code shape}, for Python to fill in place
     * through {@link #bytes} (numpy writes straight into ND4J's memory: one copy, any layout change
     * done while copying).
     */
    public static INDArray allocate(long[] shape) {
        return Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', shape);
    }

    /**
     * {@code array} itself when it is a plain C-ordered float32 buffer (offset 0, default strides, owning
     * exactly its elements), else a C-ordered float32 copy: RNN outputs and permuted views are not.
     */
    public static INDArray plainC(INDArray array) {
        INDArray c = array;
        if (c.dataType() != DataType.FLOAT) {
            c = c.castTo(DataType.FLOAT);
        }
        boolean plain = c.ordering() == 'c' && c.offset() == 0 && c.data().length() == c.length()
                && Shape.hasDefaultStridesForShape(c);
        return plain ? c : c.dup('c');
    }

    /**
     * The native memory of a plain C-ordered float32 array (see {@link #plainC}) as a direct buffer of
     * exactly its bytes; Python wraps it as a numpy view. Valid while {@code array} is referenced.
     */
    public static ByteBuffer bytes(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.offset() != 0 || array.data().length() != array.length()) {
            throw new IllegalArgumentException("bytes() needs a plain float32 array; pass it through plainC() first");
        }
        if (array.length() * 4L > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an array of " + array.length() + " float32 values ("
                    + (array.length() * 4L) + " bytes) cannot be one buffer (at most 2^31 - 1 bytes): pass fewer "
                    + "sequences per call");
        }
        ByteBuffer b = array.data().asNio();
        b.clear();
        b.limit((int) (array.length() * 4L));
        return b.slice();
    }

    /**
     * Copies {@code array} (any order, any float type; it is made a C-ordered float32 copy first
     * when it is not one already) into {@code target}, which must hold exactly its bytes.
     */
    public static void copyTo(INDArray array, ByteBuffer target) {
        INDArray c = plainC(array);
        ByteBuffer dst = target.duplicate();
        dst.clear();
        if (dst.remaining() != c.length() * 4L) {
            throw new IllegalArgumentException("target holds " + dst.remaining() + " bytes, array needs " + (c.length() * 4L));
        }
        if (c.length() > 0) {
            ByteBuffer src = c.data().asNio();
            src.clear();
            src.limit((int) (c.length() * 4L));
            dst.put(src);
        }
    }

    /**
     * One-hot labels for an RnnOutputLayer from class ids.
     *
     * @param ids  [batch, time] class ids as floats; a negative id means "no label at this step"
     * @param nOut number of classes
     * @return {labels [batch, nOut, time], labelMask [batch, time]}; the mask is 0 where the id is negative
     *         or where {@code featureMask} (may be null) is 0
     */
    public static INDArray[] oneHotLabels(INDArray ids, int nOut, INDArray featureMask) {
        long batch = ids.size(0);
        long time = ids.size(1);
        if (batch * nOut * time > Integer.MAX_VALUE - 8) {   // a Java array's limit: refused, not overflowed
            throw new IllegalArgumentException("one-hot labels of " + batch + " sequences x " + nOut + " classes x "
                    + time + " steps exceed a Java array (2^31 values): pass fewer sequences per call");
        }
        float[] idv = ids.dup('c').data().asFloat();
        float[] maskv = featureMask == null ? null : featureMask.dup('c').data().asFloat();
        float[] out = new float[(int) (batch * nOut * time)];
        float[] labelMask = new float[(int) (batch * time)];
        boolean anyMasked = false;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                int i = (int) (b * time + t);
                int id = (int) idv[i];
                boolean present = id >= 0 && (maskv == null || maskv[i] != 0f);
                if (id >= nOut) {
                    throw new IllegalArgumentException("label id " + id + " at [" + b + ", " + t + "] is >= n_out " + nOut);
                }
                if (present) {
                    out[(int) ((b * nOut + id) * time + t)] = 1f;
                    labelMask[i] = 1f;
                } else {
                    anyMasked = true;
                }
            }
        }
        INDArray labels = Nd4j.create(out, new long[]{batch, nOut, time}, 'c');
        INDArray mask = anyMasked || featureMask != null ? Nd4j.create(labelMask, new long[]{batch, time}, 'c') : null;
        return new INDArray[]{labels, mask};
    }
}
