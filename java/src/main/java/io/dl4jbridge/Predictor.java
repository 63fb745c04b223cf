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
        long batch = x.size(0);
        if (normalizer != null && batch <= chunk) {
            return net.output(Normalizers.apply(normalizer, x, mask), false, mask, null);
        }
        if (batch <= chunk) {
            return net.output(x, false, mask, null);
        }
        INDArray out = null;
        for (long from = 0; from < batch; from += chunk) {
            long to = Math.min(batch, from + chunk);
            INDArray xc = x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray mc = mask == null ? null : mask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            INDArray mcc = mc == null ? null : mc.dup('c');
            INDArray xcc = normalizer == null ? xc.dup('c') : Normalizers.apply(normalizer, xc, mcc);
            INDArray oc = net.output(xcc, false, mcc, null);
            if (out == null) {
                out = Nd4j.createUninitializedDetached(oc.dataType(), 'c', batch, oc.size(1), oc.size(2));
            }
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).assign(oc);
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
        INDArray ids = predict(net, normalizer, x, mask, chunk).argMax(1).castTo(DataType.FLOAT);
        if (mask != null) {
            // id * mask + (mask - 1): unchanged where mask is 1, -1 where it is 0
            ids.muli(mask).addi(mask.sub(1.0));
        }
        return ids;
    }
}
