package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Whole-batch inference on the JVM, chunked to bound memory. Arrays in NCW layout. */
public final class Predictor {
    private Predictor() {}

    /**
     * Softmax outputs for every step.
     *
     * @param x     [batch, nIn, time]
     * @param mask  [batch, time] or null
     * @param chunk examples per forward pass
     * @return [batch, nOut, time], C order
     */
    public static INDArray predict(MultiLayerNetwork net, INDArray x, INDArray mask, int chunk) {
        return predict(net, null, x, mask, chunk);
    }

    /** As {@link #predict(MultiLayerNetwork, INDArray, INDArray, int)}, on features normalised by {@code normalizer} (may be null). */
    public static INDArray predict(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask, int chunk) {
        return predict(net, normalizer, x, mask, chunk, null);
    }

    /**
     * As {@link #predict(MultiLayerNetwork, DataNormalization, INDArray, INDArray, int)}, asking {@code stop} (may be
     * null) before each chunk whether to stop.
     *
     * @throws java.util.concurrent.CancellationException when {@code stop} says to stop
     */
    public static INDArray predict(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask, int chunk,
                                   java.util.function.BooleanSupplier stop) {
        long batch = x.size(0);
        if (batch <= chunk) {
            Interruption.check(stop, 0, batch, "prediction");
            return forward(net, normalizer, x, mask, chunk);
        }
        INDArray out = null;
        for (long from = 0; from < batch; from += chunk) {
            Interruption.check(stop, from, batch, "prediction");
            long to = Math.min(batch, from + chunk);
            INDArray xc = x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray mc = mask == null ? null : mask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray oc = forward(net, normalizer, xc.dup('c'), mc == null ? null : mc.dup('c'), chunk);
            if (out == null) {
                out = Nd4j.createUninitializedDetached(oc.dataType(), 'c', batch, oc.size(1), oc.size(2));
            }
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).assign(oc);
        }
        return out;
    }

    /** Examples up to which a forward pass's batch is padded to a power of two; above, to a multiple of it. */
    static final long PAD_STEP = 256;

    /**
     * The batch size a forward pass of {@code n} examples runs at: the next power of two up to {@link #PAD_STEP},
     * above it the next multiple of {@link #PAD_STEP}, never above {@code max(n, chunk)}. ND4J keeps native memory for
     * every array shape it has run (shape information, never freed: about 0.4-0.7 MiB per batch size), and the parts
     * of a long stream each had a new size (python/bench/shape_memory.py: +30 MiB over 25 sizes against +7 MiB for
     * one); with these sizes a chunk of at most 4096 runs at one of 24.
     */
    static long paddedSize(long n, long chunk) {
        if (n >= chunk || n <= 1) {
            return n;
        }
        long size = n <= PAD_STEP ? Long.highestOneBit(n - 1) << 1 : (n + PAD_STEP - 1) / PAD_STEP * PAD_STEP;
        return Math.max(n, Math.min(size, chunk));
    }

    /** Time steps up to which a masked part's length is padded to a power of two; above, to a multiple of it. */
    static final long STEP_PAD = 32;

    /**
     * The time length a masked part of {@code time} steps runs at: the next power of two up to {@link #STEP_PAD},
     * above it the next multiple of {@link #STEP_PAD} (at most 31 steps more: a session part of 300 steps runs 320).
     */
    static long paddedSteps(long time) {
        if (time <= 1) {
            return time;
        }
        return time <= STEP_PAD ? Long.highestOneBit(time - 1) << 1 : (time + STEP_PAD - 1) / STEP_PAD * STEP_PAD;
    }

    /**
     * The time length a forward pass over {@code mask} ([n, time] or null) runs at: {@link #paddedSteps} when some
     * sequence is shorter than the part (a 0 in the mask: sessions, whose longest sets each part's length), else
     * {@code time} as it is. Windows have a mask too, of ones, and the same length in every part: padding them
     * gained no shape and cost up to twice the work (a window of 17 ran 32 steps).
     */
    static long stepsRun(INDArray mask, long time) {
        if (mask == null || mask.length() == 0 || mask.minNumber().doubleValue() >= 1) {
            return time;
        }
        return paddedSteps(time);
    }

    /**
     * One forward pass over {@code x} ([n, nIn, time], C order) at {@link #paddedSize}: the batch is padded with
     * copies of its last example (its mask row too), whose outputs are dropped; each example's output does not
     * depend on the others in the batch. With a mask (sequences of different lengths, e.g. sessions, whose longest
     * sets the time length of each part), the time steps are padded too ({@link #paddedSteps}), masked out at the end
     * (the layers are causal: a step's output does not depend on the steps after it), and dropped.
     *
     * @return [n, nOut, time]
     */
    private static INDArray forward(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                    long chunk) {
        long n = x.size(0);
        long time = x.size(2);
        long padded = paddedSize(n, chunk);
        long paddedTime = stepsRun(mask, time);
        if (padded > n) {
            x = padRows(x, padded);
            mask = mask == null ? null : padRows(mask, padded);
        }
        if (paddedTime > time) {
            x = padSteps(x, paddedTime);
            mask = padSteps(mask, paddedTime);
        }
        INDArray input = normalizer == null ? x : Normalizers.apply(normalizer, x, mask);
        INDArray out = net.output(input, false, mask, null);
        if (padded == n && paddedTime == time) {
            return out;
        }
        return out.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.interval(0, time)).dup('c');
    }

    /** {@code a} ([n, f, time] or a mask [n, time]) with masked-out zero steps appended up to {@code steps}, C order. */
    private static INDArray padSteps(INDArray a, long steps) {
        long[] shape = a.shape().clone();
        long time = shape[shape.length - 1];
        shape[shape.length - 1] = steps;
        INDArray out = Nd4j.zeros(a.dataType(), shape);
        if (a.rank() == 3) {
            out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, time)).assign(a);
        } else {
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, time)).assign(a);
        }
        return out;
    }

    /** {@code a} ([n, ...]) with copies of its last row appended up to {@code rows} rows, C order. */
    private static INDArray padRows(INDArray a, long rows) {
        long n = a.size(0);
        long[] shape = a.shape().clone();
        shape[0] = rows;
        INDArray out = Nd4j.createUninitialized(a.dataType(), shape, 'c');
        INDArray last = a.get(NDArrayIndex.interval(n - 1, n));
        out.get(NDArrayIndex.interval(0, n)).assign(a);
        for (long row = n; row < rows; row++) {
            out.get(NDArrayIndex.interval(row, row + 1)).assign(last);
        }
        return out;
    }

    /**
     * Most probable class per step; -1 where {@code mask} is 0.
     *
     * @return [batch, time] float32 class ids
     */
    public static INDArray classify(MultiLayerNetwork net, INDArray x, INDArray mask, int chunk) {
        return classify(net, null, x, mask, chunk);
    }

    /** Most probable class per step on normalised features; -1 where {@code mask} is 0. */
    public static INDArray classify(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask, int chunk) {
        return classify(net, normalizer, x, mask, chunk, null);
    }

    /** As {@link #classify(MultiLayerNetwork, DataNormalization, INDArray, INDArray, int)}, asking {@code stop} (may be
     * null) before each chunk whether to stop ({@link Interruption}). */
    public static INDArray classify(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask, int chunk,
                                    java.util.function.BooleanSupplier stop) {
        INDArray ids = predict(net, normalizer, x, mask, chunk, stop).argMax(1).castTo(DataType.FLOAT);
        if (mask != null) {
            // id * mask + (mask - 1): unchanged where mask is 1, -1 where it is 0
            ids.muli(mask).addi(mask.sub(1.0));
        }
        return ids;
    }
}
