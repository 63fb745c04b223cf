package io.dl4jbridge;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The feature normalizer of a detector: a plain DL4J {@link NormalizerStandardize}, fitted here on the
 * training features and applied here (training, prediction, scoring) so that Python and a JVM-only
 * service apply the very same object. A plain DL4J user gets it back with
 * {@code ModelSerializer.restoreNormalizerFromFile}.
 *
 * <p>Statistics are taken over real steps only (mask 1). Indicator columns (every training value 0 or 1,
 * e.g. one-hot template ids) are passed through unchanged (mean 0, std 1): standardising a rare one-hot
 * column would turn a single occurrence into a huge input. Columns with a standard deviation below
 * {@link #MIN_STD} are only centred.
 */
public final class Normalizers {
    public static final double MIN_STD = 1e-6;
    /** Values read onto the Java heap at a time while fitting (4 MiB of floats a block). */
    public static final long BLOCK_VALUES = 1L << 20;

    private Normalizers() {}

    /**
     * @param x    features [batch, nIn, time] (NCW)
     * @param mask [batch, time] or null
     */
    public static NormalizerStandardize fitStandardize(INDArray x, INDArray mask) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException("features must be [batch, features, time]; got rank " + x.rank());
        }
        int batch = (int) x.size(0);
        int nIn = (int) x.size(1);
        int time = (int) x.size(2);
        // read in blocks of sequences: a copy of the whole training set on the Java heap capped it at the heap size
        int block = (int) Math.max(1, Math.min(batch, BLOCK_VALUES / Math.max(1L, (long) nIn * time)));
        // sums of (value - shift), shift = the feature's first real value: E[x^2] - E[x]^2 of the raw values loses
        // the variance's digits when the mean is large against the spread (Python's Numeric does the same)
        double[] shift = null;
        double[] sum = new double[nIn];
        double[] sumSq = new double[nIn];
        boolean[] indicator = new boolean[nIn];
        java.util.Arrays.fill(indicator, true);
        long n = 0;
        for (int start = 0; start < batch; start += block) {
            int end = Math.min(batch, start + block);
            org.nd4j.linalg.indexing.INDArrayIndex rows = org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end);
            float[] v = x.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asFloat();
            float[] m = mask == null ? null
                    : mask.get(rows, org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asFloat();
            for (int b = 0; b < end - start; b++) {
                for (int t = 0; t < time; t++) {
                    if (m != null && m[b * time + t] == 0f) {
                        continue;
                    }
                    n++;
                    if (shift == null) {
                        shift = new double[nIn];
                        for (int f = 0; f < nIn; f++) {
                            shift[f] = v[(b * nIn + f) * time + t];
                        }
                    }
                    for (int f = 0; f < nIn; f++) {
                        double value = v[(b * nIn + f) * time + t];
                        double shifted = value - shift[f];
                        sum[f] += shifted;
                        sumSq[f] += shifted * shifted;
                        if (value != 0.0 && value != 1.0) {
                            indicator[f] = false;
                        }
                    }
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("cannot fit a normalizer: no real (unmasked) step");
        }
        float[] mean = new float[nIn];
        float[] std = new float[nIn];
        for (int f = 0; f < nIn; f++) {
            if (indicator[f]) {
                mean[f] = 0f;
                std[f] = 1f;
                continue;
            }
            double offset = sum[f] / n;
            double var = Math.max(0.0, sumSq[f] / n - offset * offset);
            double sd = Math.sqrt(var);
            mean[f] = (float) (shift[f] + offset);
            std[f] = sd < MIN_STD ? 1f : (float) sd;
        }
        return new NormalizerStandardize(Nd4j.create(mean, new long[]{1, nIn}, 'c'),
                Nd4j.create(std, new long[]{1, nIn}, 'c'));
    }

    /**
     * A normalised copy of {@code x} (the caller's array is never changed); {@code x} itself when
     * {@code normalizer} is null. Padded steps (mask 0) are set to zero.
     */
    public static INDArray apply(DataNormalization normalizer, INDArray x, INDArray mask) {
        if (normalizer == null) {
            return x;
        }
        INDArray copy = x.dataType() == DataType.FLOAT ? x.dup('c') : x.castTo(DataType.FLOAT).dup('c');
        normalizer.transform(copy, mask);
        return copy;
    }
}
