package io.dl4jbridge;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The whole epoch / minibatch loop of a fit, on the JVM: Python crosses once per fit.
 * Arrays are in DL4J's NCW layout: features [batch, features, time], masks and label ids [batch, time].
 */
public final class Trainer {
    private Trainer() {}

    /**
     * Trains {@code net}.
     *
     * @param x             features [batch, nIn, time]
     * @param labelIds      class id per step [batch, time]; negative ids are unlabelled steps
     * @param mask          1 for real steps, 0 for padding [batch, time]; may be null
     * @param valX          validation features or null; {@code valLabelIds}, {@code valMask} likewise
     * @param epochs        maximum number of epochs
     * @param batchSize     minibatch size
     * @param shuffleSeed   examples are reshuffled every epoch from this seed; negative means keep the order
     * @param patience      with validation data: stop after this many epochs without improvement and restore
     *                      the best parameters; 0 disables early stopping
     * @param callback      progress receiver (may be null)
     * @param reportMillis  minimum time between two iteration reports to the callback
     */
    public static FitResult fit(MultiLayerNetwork net, INDArray x, INDArray labelIds, INDArray mask,
                                INDArray valX, INDArray valLabelIds, INDArray valMask,
                                int epochs, int batchSize, long shuffleSeed, int patience,
                                ProgressCallback callback, long reportMillis) {
        return fit(net, null, x, labelIds, mask, null, valX, valLabelIds, valMask, null,
                epochs, batchSize, shuffleSeed, patience, callback, reportMillis);
    }

    /**
     * Trains {@code net} on normalised features and weighted steps.
     *
     * @param normalizer  applied to copies of {@code x} and {@code valX} (may be null); see {@link Normalizers}
     * @param stepWeights [batch, time] weight of every step in the loss (may be null = 1): per-example counts
     *                    of deduplicated sequences, class weights, or both multiplied. They scale the one-hot labels
     *                    (see {@link #dataSet(INDArray, INDArray, INDArray, int, INDArray)}). DL4J still divides a
     *                    minibatch's loss by its number of examples, not by their total weight: each update is scaled
     *                    by the minibatch's mean weight compared with repeating the examples (SGD and Nesterovs
     *                    steps grow with it; normalise the weights to mean 1 to keep the unweighted step size).
     * @param valWeights  the same for the validation data (may be null)
     */
    public static FitResult fit(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray labelIds,
                                INDArray mask, INDArray stepWeights,
                                INDArray valX, INDArray valLabelIds, INDArray valMask, INDArray valWeights,
                                int epochs, int batchSize, long shuffleSeed, int patience,
                                ProgressCallback callback, long reportMillis) {
        return fit(net, normalizer, x, labelIds, mask, stepWeights, valX, valLabelIds, valMask, valWeights,
                epochs, batchSize, shuffleSeed, patience, callback, reportMillis, null);
    }

    /**
     * As the fit above, with the network's random generator state (see {@link RandomStates}).
     *
     * @param randomState {@code {root, node}}: this thread's ND4J generator (dropout's masks) is set to it before
     *                    anything else, and it receives the generator's state when the fit ends, also when it
     *                    ends with an exception; null leaves the generator as it is (the state it is in decides)
     */
    public static FitResult fit(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray labelIds,
                                INDArray mask, INDArray stepWeights,
                                INDArray valX, INDArray valLabelIds, INDArray valMask, INDArray valWeights,
                                int epochs, int batchSize, long shuffleSeed, int patience,
                                ProgressCallback callback, long reportMillis, long[] randomState) {
        if (randomState != null) {
            RandomStates.set(randomState);
        }
        try {
            return fitLoop(net, normalizer, x, labelIds, mask, stepWeights, valX, valLabelIds, valMask, valWeights,
                    epochs, batchSize, shuffleSeed, patience, callback, reportMillis);
        } finally {
            RandomStates.capture(randomState);
        }
    }

    private static FitResult fitLoop(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray labelIds,
                                     INDArray mask, INDArray stepWeights,
                                     INDArray valX, INDArray valLabelIds, INDArray valMask, INDArray valWeights,
                                     int epochs, int batchSize, long shuffleSeed, int patience,
                                     ProgressCallback callback, long reportMillis) {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch_size must be >= 1");
        }
        long start = System.nanoTime();
        int nOut = (int) net.layerSize(net.getnLayers() - 1);
        if (stepWeights != null || valWeights != null) {
            requireWeightedLoss(net);
        }
        DataSet train = dataSet(Normalizers.apply(normalizer, x, mask), labelIds, mask, nOut, stepWeights);
        List<DataSet> valBatches = valX == null ? null
                : minibatches(dataSet(Normalizers.apply(normalizer, valX, valMask), valLabelIds, valMask, nOut, valWeights),
                        batchSize);
        return loop(net, train, normalizer != null, valBatches, epochs, batchSize, shuffleSeed, patience, callback,
                reportMillis, start);
    }

    /**
     * Trains a next-value network ({@code "loss": "MSE"}, {@code "output_activation": "identity"}, one output per
     * target): the label of step {@code t} is the features {@code targets} of the next real step, normalised as the
     * inputs are (see {@link DetectorScoring#nextValueLabels}); the last real step has none. One call per fit: the
     * labels are built here, from the features, never crossing from Python.
     *
     * @param targets     indices of the input features predicted (the network's nOut of them)
     * @param randomState as in {@link #fit(MultiLayerNetwork, DataNormalization, INDArray, INDArray, INDArray, INDArray,
     *                    INDArray, INDArray, INDArray, INDArray, int, int, long, int, ProgressCallback, long, long[])}
     */
    public static FitResult fitNextValues(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                          int[] targets, INDArray valX, INDArray valMask,
                                          int epochs, int batchSize, long shuffleSeed, int patience,
                                          ProgressCallback callback, long reportMillis, long[] randomState) {
        return fitNextValues(net, normalizer, x, mask, targets, null, valX, valMask, null, epochs, batchSize,
                shuffleSeed, patience, callback, reportMillis, randomState);
    }

    /**
     * {@link #fitNextValues(MultiLayerNetwork, DataNormalization, INDArray, INDArray, int[], INDArray, INDArray, int,
     * int, long, int, ProgressCallback, long, long[])} with a loss weight per step.
     *
     * @param stepWeights [batch, time] weight of every step in the loss (may be null = 1), e.g. the count of a
     *                    deduplicated sequence: a step of weight {@code w} counts exactly as {@code w} copies of it
     *                    (see {@link #weighNextValueLabels}). As for {@link #fit}, DL4J still divides a minibatch's
     *                    loss by its number of sequences, not by their total weight.
     * @param valWeights  [batch, time] weights of the validation steps (may be null = 1)
     */
    public static FitResult fitNextValues(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                          int[] targets, INDArray stepWeights, INDArray valX, INDArray valMask,
                                          INDArray valWeights, int epochs, int batchSize, long shuffleSeed,
                                          int patience, ProgressCallback callback, long reportMillis,
                                          long[] randomState) {
        if (randomState != null) {
            RandomStates.set(randomState);
        }
        try {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("epochs and batch_size must be >= 1");
            }
            long start = System.nanoTime();
            int nOut = (int) net.layerSize(net.getnLayers() - 1);
            if (targets.length != nOut) {
                throw new IllegalArgumentException(targets.length + " target features for a network of " + nOut
                        + " outputs");
            }
            DataSet train = nextValueDataSet(Normalizers.apply(normalizer, x, mask), mask, targets, stepWeights);
            List<DataSet> valBatches = valX == null ? null
                    : minibatches(nextValueDataSet(Normalizers.apply(normalizer, valX, valMask), valMask, targets,
                            valWeights), batchSize);
            return loop(net, train, normalizer != null, valBatches, epochs, batchSize, shuffleSeed, patience, callback,
                    reportMillis, start);
        } finally {
            RandomStates.capture(randomState);
        }
    }

    /** Features, next-value labels and their mask (see {@link DetectorScoring#nextValueLabels}). */
    static DataSet nextValueDataSet(INDArray x, INDArray mask, int[] targets) {
        return nextValueDataSet(x, mask, targets, null);
    }

    /**
     * Features, next-value labels and their mask, weighted by {@code stepWeights} ([batch, time], may be null: see
     * {@link #weighNextValueLabels}).
     */
    static DataSet nextValueDataSet(INDArray x, INDArray mask, int[] targets, INDArray stepWeights) {
        if (x.rank() != 3 || (mask != null && (mask.size(0) != x.size(0) || mask.size(1) != x.size(2)))) {
            throw new IllegalArgumentException("features must be [batch, features, time] and the mask [batch, time]; got "
                    + java.util.Arrays.toString(x.shape()) + " and "
                    + (mask == null ? "none" : java.util.Arrays.toString(mask.shape())));
        }
        INDArray[] labels = DetectorScoring.nextValueLabels(x, mask, targets);
        if (stepWeights != null) {
            weighNextValueLabels(labels, stepWeights);
        }
        return new DataSet(x, labels[0], mask, labels[1]);
    }

    /**
     * Weighs next-value labels {@code {labels [batch, n, time], labelMask [batch, time]}} in place so that a step of
     * weight {@code w} ({@code stepWeights [batch, time]}, >= 0) adds exactly {@code w} times its MSE score and
     * gradient; the label mask becomes a per-output one, {@code [batch, n, time]}. A label mask of {@code w} does not
     * do it: DL4J multiplies the output layer's pre-activations by the label mask ({@code BaseLayer.preOutput}) as
     * well as the loss's score array ({@code LossUtil.applyMask}), and masks the gradient once more for a per-output
     * mask ({@code LossL2.computeGradient}). With a per-output mask {@code m} and labels {@code m y}, the score is
     * {@code m (m y - m z)^2 = m^3 (y - z)^2} and the gradient {@code 2 m^3 (z - y)}, for any number of outputs (a
     * [batch, time] mask is per-output only for one output). Hence {@code m = cbrt(w)}, multiplied into the labels
     * (MseLabelMaskTest: a step of weight 2 gives the score and gradient of that step twice).
     */
    static void weighNextValueLabels(INDArray[] labels, INDArray stepWeights) {
        INDArray labelMask = labels[1];
        if (!java.util.Arrays.equals(stepWeights.shape(), labelMask.shape())) {
            throw new IllegalArgumentException("step weights must be [batch, time] = "
                    + java.util.Arrays.toString(labelMask.shape()) + "; got " + java.util.Arrays.toString(stepWeights.shape()));
        }
        float[] w = stepWeights.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        float[] m = labelMask.dup('c').data().asFloat();
        float[] y = labels[0].dup('c').data().asFloat();
        int batch = (int) labelMask.size(0);
        int time = (int) labelMask.size(1);
        int n = (int) labels[0].size(1);
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || Float.isInfinite(w[i])) {
                throw new IllegalArgumentException("step weights must be finite and >= 0; got " + w[i] + " at [batch "
                        + (i / time) + ", step " + (i % time) + "]");
            }
        }
        float[] perOutput = new float[batch * n * time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                float root = m[b * time + t] * (float) Math.cbrt(w[b * time + t]);
                for (int j = 0; j < n; j++) {
                    y[(b * n + j) * time + t] *= root;
                    perOutput[(b * n + j) * time + t] = root;
                }
            }
        }
        labels[0] = Nd4j.create(y, new long[]{batch, n, time}, 'c');
        labels[1] = Nd4j.create(perOutput, new long[]{batch, n, time}, 'c');
    }

    /** The epoch loop over a built training set ({@code ownFeatures}: its features are this call's own copy). */
    private static FitResult loop(MultiLayerNetwork net, DataSet train, boolean ownFeatures, List<DataSet> valBatches,
                                  int epochs, int batchSize, long shuffleSeed, int patience,
                                  ProgressCallback callback, long reportMillis, long start) {
        if (shuffleSeed >= 0) {
            // DataSet.shuffle permutes in place: never the caller's arrays. The one-hot labels, their mask and
            // normalised features are this call's own; only the caller's features and mask are copied (a whole
            // DataSet.copy() held every array twice: for 31 classes the labels outweigh the features).
            INDArray features = ownFeatures ? train.getFeatures() : train.getFeatures().dup();
            INDArray featureMask = train.getFeaturesMaskArray() == null ? null : train.getFeaturesMaskArray().dup();
            train = new DataSet(features, train.getLabels(), featureMask, train.getLabelsMaskArray());
        }

        final boolean[] cancelled = {false};
        ScoreRecorder recorder = new ScoreRecorder(callback, reportMillis, cancelled);
        Collection<TrainingListener> previous = new ArrayList<>(net.getListeners());
        List<TrainingListener> listeners = new ArrayList<>(previous);
        listeners.add(recorder);
        net.setListeners(listeners);

        List<Double> epochScores = new ArrayList<>();
        List<Double> valScores = new ArrayList<>();
        double bestVal = Double.POSITIVE_INFINITY;
        int bestEpoch = -1;
        INDArray bestParams = null;
        boolean stoppedEarly = false;
        int completed = 0;
        try {
            List<DataSet> batches = shuffleSeed < 0 ? minibatches(train, batchSize) : null;
            for (int epoch = 0; epoch < epochs && !cancelled[0]; epoch++) {
                if (shuffleSeed >= 0) {
                    train.shuffle(shuffleSeed + epoch);
                    batches = minibatches(train, batchSize);
                }
                recorder.startEpoch(epoch);
                net.fit(new InMemoryIterator(batches, () -> cancelled[0]));
                if (cancelled[0]) {
                    break;
                }
                completed++;
                double epochScore = recorder.epochMean();
                double paramSum = net.params().sumNumber().doubleValue();
                if (Double.isInfinite(epochScore) || (Double.isNaN(epochScore) && recorder.epochHadIterations())
                        || !Double.isFinite(paramSum)) {
                    throw new TrainingDivergedException("training diverged in epoch " + (epoch + 1) + ": the loss is "
                            + epochScore + (Double.isFinite(paramSum) ? "" : " and the parameters are no longer finite")
                            + "; lower the learning rate, keep gradient clipping on, or normalize the features");
                }
                epochScores.add(epochScore);
                double valScore = Double.NaN;
                if (valBatches != null) {
                    valScore = meanScore(net, valBatches);
                    valScores.add(valScore);
                    if (valScore < bestVal) {
                        bestVal = valScore;
                        bestEpoch = epoch;
                        if (patience > 0) {
                            bestParams = net.params().dup();
                        }
                    }
                }
                if (callback != null && !callback.onProgress(epoch, recorder.iterations, epochScore, true, valScore)) {
                    cancelled[0] = true;
                }
                if (patience > 0 && valBatches != null && epoch - bestEpoch >= patience) {
                    stoppedEarly = true;
                    break;
                }
            }
        } finally {
            net.setListeners(previous);
            // A fit left by an exception (Ctrl-C in Python's callback, out of memory) skips DL4J's own clean-up:
            // the minibatch's masks stayed on the layers and masked every later unmasked output.
            net.clearLayerMaskArrays();
        }
        if (bestParams != null && bestEpoch != completed - 1) {
            net.setParams(bestParams);
        }
        int heldEpoch = bestParams != null ? bestEpoch : completed - 1;
        return new FitResult(recorder.scores(), toArray(epochScores), toArray(valScores), completed, heldEpoch,
                cancelled[0], stoppedEarly, (System.nanoTime() - start) / 1_000_000L);
    }

    /** A DataSet with one-hot labels and label mask built from class ids. */
    static DataSet dataSet(INDArray x, INDArray labelIds, INDArray mask, int nOut) {
        return dataSet(x, labelIds, mask, nOut, null);
    }

    /**
     * As {@link #dataSet(INDArray, INDArray, INDArray, int)}, every step's one-hot label scaled by its weight
     * ({@code stepWeights} [batch, time], may be null). For MCXENT with softmax this weights the loss exactly:
     * the score is {@code -w log p} and DL4J's gradient {@code p * sum(labels) - labels} is {@code w (p - onehot)}
     * (then averaged over the minibatch's examples, whatever their weights).
     * (A weighted label <em>mask</em> would not do: DL4J also multiplies the output layer's pre-activations by it.)
     */
    static DataSet dataSet(INDArray x, INDArray labelIds, INDArray mask, int nOut, INDArray stepWeights) {
        if (x.rank() != 3 || labelIds.rank() != 2 || x.size(0) != labelIds.size(0) || x.size(2) != labelIds.size(1)) {
            throw new IllegalArgumentException("features must be [batch, features, time] and label ids [batch, time]; got "
                    + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(labelIds.shape()));
        }
        INDArray[] labels = ArrayBridge.oneHotLabels(labelIds, nOut, mask);
        if (stepWeights != null) {
            if (!java.util.Arrays.equals(stepWeights.shape(), labelIds.shape())) {
                throw new IllegalArgumentException("step weights must be [batch, time] = "
                        + java.util.Arrays.toString(labelIds.shape()) + "; got " + java.util.Arrays.toString(stepWeights.shape()));
            }
            if (stepWeights.minNumber().doubleValue() < 0) {
                throw new IllegalArgumentException("step weights must be >= 0");
            }
            long batch = labelIds.size(0);
            long time = labelIds.size(1);
            INDArray w = stepWeights.castTo(labels[0].dataType()).dup('c').reshape('c', batch, 1, time);
            labels[0].muli(w.broadcast(batch, nOut, time));
        }
        return new DataSet(x, labels[0], mask, labels[1]);
    }

    /** Step weights are exact only with a class-weighted MCXENT loss (see {@link NetworkFactory}). */
    static void requireWeightedLoss(MultiLayerNetwork net) {
        org.deeplearning4j.nn.conf.layers.Layer conf = net.getLayer(net.getnLayers() - 1).conf().getLayer();
        org.nd4j.linalg.lossfunctions.ILossFunction loss = conf instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer
                ? ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) conf).getLossFn() : null;
        if (!(loss instanceof org.nd4j.linalg.lossfunctions.impl.LossMCXENT)
                || ((org.nd4j.linalg.lossfunctions.impl.LossMCXENT) loss).getWeights() == null) {
            throw new IllegalArgumentException("step weights need the MCXENT loss with class_weights set (ones for none): "
                    + "DL4J's unweighted MCXENT gradient assumes unit labels");
        }
    }

    /** Contiguous minibatches (copies, so every minibatch is a dense C-ordered array). */
    static List<DataSet> minibatches(DataSet all, int batchSize) {
        int n = all.numExamples();
        List<DataSet> out = new ArrayList<>((n + batchSize - 1) / batchSize);
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            out.add(new DataSet(rows(all.getFeatures(), from, to), rows(all.getLabels(), from, to),
                    rows(all.getFeaturesMaskArray(), from, to), rows(all.getLabelsMaskArray(), from, to)));
        }
        return out;
    }

    private static INDArray rows(INDArray a, int from, int to) {
        if (a == null) {
            return null;
        }
        if (from == 0 && to == a.size(0)) {
            return a;
        }
        INDArray view = a.rank() == 3
                ? a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all())
                : a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        return view.dup('c');
    }

    /** Example-weighted mean score over minibatches, without training. */
    static double meanScore(MultiLayerNetwork net, List<DataSet> batches) {
        double sum = 0;
        long n = 0;
        for (DataSet ds : batches) {
            sum += net.score(ds, false) * ds.numExamples();
            n += ds.numExamples();
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /** Records every minibatch score; reports to the callback at most every {@code reportMillis}. */
    private static final class ScoreRecorder extends BaseTrainingListener {
        private final ProgressCallback callback;
        private final long reportNanos;
        private final boolean[] cancelled;
        private double[] scores = new double[256];
        private int iterations;
        private int epochStart;
        private int epoch;
        private long lastReport = System.nanoTime();

        ScoreRecorder(ProgressCallback callback, long reportMillis, boolean[] cancelled) {
            this.callback = callback;
            this.reportNanos = reportMillis * 1_000_000L;
            this.cancelled = cancelled;
        }

        void startEpoch(int epoch) {
            this.epoch = epoch;
            this.epochStart = iterations;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epochCount) {
            double score = model.score();
            if (iterations == scores.length) {
                scores = java.util.Arrays.copyOf(scores, scores.length * 2);
            }
            scores[iterations++] = score;
            if (callback != null && System.nanoTime() - lastReport >= reportNanos) {
                lastReport = System.nanoTime();
                if (!callback.onProgress(epoch, iterations, score, false, Double.NaN)) {
                    cancelled[0] = true;
                }
            }
        }

        double epochMean() {
            double sum = 0;
            for (int i = epochStart; i < iterations; i++) {
                sum += scores[i];
            }
            return iterations == epochStart ? Double.NaN : sum / (iterations - epochStart);
        }

        boolean epochHadIterations() {
            return iterations > epochStart;
        }

        double[] scores() {
            return java.util.Arrays.copyOf(scores, iterations);
        }
    }
}
