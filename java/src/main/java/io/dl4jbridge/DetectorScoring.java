package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Arrays;

/**
 * The one place where network outputs become anomaly scores. Python detectors call it once per batch and
 * the JVM-only scorer calls the very same code, so both agree by construction.
 *
 * <p>Arrays are in DL4J's layout: features {@code x [batch, nIn, time]} (NCW), {@code mask},
 * {@code stepIds [batch, time]}, {@code nextIds [batch]}. The scoring JSON is the {@code "scoring"} object of
 * {@code dl4j_bridge.detector.json}:
 * <ul>
 * <li>next event: {@code {"kind": "next_event", "top_g": 9, "score": "count"|"share"|"nll"|"max_nll",
 *     "steps": "all"|"last", "oov_id": 0}}. The target of step {@code t} is the event id of the next real step
 *     of the same sequence, and for the last real step {@code nextIds[b]} (when >= 0); a negative id means "no
 *     target" (e.g. start-of-session padding). A step is unexpected when its actual event is not among the
 *     {@code top_g} most probable ones, when it is the out-of-vocabulary id {@code oov_id} (unseen in training:
 *     an anomaly by definition; -1 disables the rule) or when it is outside the network's classes.
 *     {@code "steps": "last"} scores only the last step that has a target (DeepLog: a window of h events
 *     predicts the one after it). Scores: count or share of unexpected steps, mean or max negative
 *     log-likelihood of the actual events (probabilities floored at 1e-12). Optional {@code "never_expected"}:
 *     ids that can never be the next event (start padding, the OOV id, any class no training step had as
 *     its target); they neither take one of the top g places nor appear among the expected events, and when one
 *     does come it is unexpected, like the OOV id. An event the network gives probability 0 (softmax underflow)
 *     is unexpected whatever its rank among the other zero-probability classes, and is never listed as expected.
 *     Optional {@code "end_id"} and
 *     {@code "end_min_probability"}: the id of an end-of-session symbol and the probability below which the
 *     model did not expect the session to end there; a step whose target is the end is then judged by that
 *     floor instead of by its rank (with few event kinds the end of a cut-short session can still rank
 *     within the top g while the model gives it almost no probability).</li>
 * <li>sequence classifier: {@code {"kind": "sequence_classifier", "positive_classes": [1],
 *     "aggregation": "max"|"mean"|"last"}}. P(anomalous) of a step is the summed softmax of the positive
 *     classes; the sequence score aggregates it over real steps.</li>
 * <li>next value: {@code {"kind": "next_value", "targets": [4, 7], "target_names": ["bytes", ...],
 *     "residual_variances": [0.8, 1.1], "aggregation": "max"|"mean"|"last"}}. The network (MSE loss, identity
 *     output, one output per target) predicts at step {@code t} the (normalised) input features {@code targets} of
 *     the next real step of the same sequence; the last real step has no target. A step's score is the squared
 *     prediction error of each target divided by that target's residual variance (the mean squared error on normal
 *     data, measured after the fit), averaged over the targets; the sequence score aggregates the scored steps. A
 *     step is unexpected when its score is above {@link #NEXT_VALUE_UNEXPECTED} (3 residual standard deviations).
 *     The explaining step is the one with the largest score; its detail is the target furthest from its
 *     prediction, with the actual and predicted values (normalised units) and their standardised difference.</li>
 * </ul>
 */
public final class DetectorScoring {
    public static final double MIN_PROBABILITY = 1e-12;
    public static final int CHUNK = 4096;
    /** Next value: a step whose score (mean squared standardised error) is above this is unexpected (3 sigma). */
    public static final double NEXT_VALUE_UNEXPECTED = 9.0;
    private static final ObjectMapper JSON = new ObjectMapper();

    private DetectorScoring() {}

    /** Scores per sequence of a next-event model (see the class comment). */
    public static double[] nextEventScores(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                           INDArray stepIds, INDArray nextIds, String scoringJson) {
        return score(net, normalizer, x, mask, stepIds, nextIds, scoringJson, false).scores;
    }

    /** Scores per sequence of a sequence classifier (see the class comment). */
    public static double[] sequenceClassifierScores(MultiLayerNetwork net, DataNormalization normalizer, INDArray x,
                                                    INDArray mask, String scoringJson) {
        return score(net, normalizer, x, mask, null, null, scoringJson, false).scores;
    }

    /**
     * Scores with their explanations.
     *
     * @param stepIds   [batch, time] event ids (next event only; null for the classifier)
     * @param nextIds   [batch] id of the event after each sequence, negative when unknown (may be null)
     * @param withSteps also fill {@link DetectorScores#stepScores}, {@link DetectorScores#stepFlags} and (next
     *                  event) {@link DetectorScores#stepRanks}
     */
    public static DetectorScores score(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                       INDArray stepIds, INDArray nextIds, String scoringJson, boolean withSteps) {
        return score(net, normalizer, x, mask, stepIds, nextIds, scoringJson, withSteps, null);
    }

    /**
     * As {@link #score(MultiLayerNetwork, DataNormalization, INDArray, INDArray, INDArray, INDArray, String, boolean)},
     * asking {@code stop} (may be null) before each chunk of {@link #CHUNK} sequences whether to stop.
     *
     * @throws java.util.concurrent.CancellationException when {@code stop} says to stop
     */
    public static DetectorScores score(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray mask,
                                       INDArray stepIds, INDArray nextIds, String scoringJson, boolean withSteps,
                                       java.util.function.BooleanSupplier stop) {
        Spec spec = Spec.parse(scoringJson);
        if (x.rank() != 3) {
            throw new IllegalArgumentException("features must be [batch, features, time]; got " + Arrays.toString(x.shape()));
        }
        int batch = (int) x.size(0);
        int time = (int) x.size(2);
        float[] maskv = floats(mask, (long) batch * time, "mask");
        float[] targets = null;
        if (spec.nextEvent) {
            if (stepIds == null) {
                throw new IllegalArgumentException("a next-event score needs the event id of every step (stepIds)");
            }
            targets = targets(maskv, floats(stepIds, (long) batch * time, "stepIds"),
                    nextIds == null ? null : floats(nextIds, batch, "nextIds"), batch, time);
        }
        Builder out = new Builder(spec, batch, time, withSteps);
        for (int from = 0; from < batch; from += CHUNK) {
            Interruption.check(stop, from, batch, "scoring");
            int to = Math.min(batch, from + CHUNK);
            INDArray xc = from == 0 && to == batch ? x
                    : x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray mc = mask == null ? null : (from == 0 && to == batch ? mask
                    : mask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c'));
            INDArray output;
            float[] features = null;
            if (spec.nextValue) {   // the targets are the normalised inputs: normalised once, here
                INDArray xn = Normalizers.apply(normalizer, xc.dup('c'), mc);
                output = Predictor.predict(net, null, xn, mc, CHUNK);
                features = xn.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
            } else {
                output = Predictor.predict(net, normalizer, xc.dup('c'), mc, CHUNK);
            }
            int nOut = (int) output.size(1);
            float[] probs = output.dup('c').data().asFloat();
            int nIn = (int) x.size(1);
            for (int b = from; b < to; b++) {
                if (spec.nextValue) {
                    out.nextValue(b, probs, (b - from) * nOut * time, nOut, features, (b - from) * nIn * time, maskv);
                } else if (spec.nextEvent) {
                    out.nextEvent(b, probs, (b - from) * nOut * time, nOut, targets, maskv);
                } else {
                    out.classifier(b, probs, (b - from) * nOut * time, nOut, maskv);
                }
            }
        }
        return out.build();
    }

    /**
     * Checks a scoring JSON against a network with {@code nOut} classes, as a detector file is loaded (before
     * any line is scored): the spec must parse and every class id it names must be one of the network's.
     *
     * @return the spec's kind, "next_event" or "sequence_classifier"
     * @throws IllegalArgumentException what is wrong
     */
    public static String checkSpec(String scoringJson, int nOut) {
        return checkSpec(scoringJson, -1, nOut);
    }

    /**
     * As {@link #checkSpec(String, int)}, also against the network's {@code nIn} input features (a next-value
     * spec's targets must be among them; -1: not checked).
     *
     * @return the spec's kind, "next_event", "sequence_classifier" or "next_value"
     */
    public static String checkSpec(String scoringJson, int nIn, int nOut) {
        Spec spec = Spec.parse(scoringJson);
        if (spec.nextValue) {
            if (spec.targets.length != nOut) {
                throw new IllegalArgumentException("targets lists " + spec.targets.length + " features but the network "
                        + "predicts " + nOut);
            }
            for (int column : spec.targets) {
                if (nIn >= 0 && column >= nIn) {
                    throw new IllegalArgumentException("target feature " + column + " is not one of the network's "
                            + nIn + " input features");
                }
            }
            return "next_value";
        }
        if (spec.nextEvent) {
            spec.excluded(nOut);
        }
        for (int id : spec.nextEvent ? new int[0] : spec.positive) {
            if (id < 0 || id >= nOut) {
                throw new IllegalArgumentException("positive class " + id + " is not one of the network's " + nOut + " classes");
            }
        }
        if (spec.nextEvent && spec.endId >= nOut) {
            throw new IllegalArgumentException("end_id " + spec.endId + " is not one of the network's " + nOut + " classes");
        }
        return spec.nextEvent ? "next_event" : "sequence_classifier";
    }

    /**
     * The target event id of every step, as in the class comment: [batch, time] float ids, -1 where a step
     * has no target. Next-event models train on these.
     */
    public static INDArray nextEventTargets(INDArray mask, INDArray stepIds, INDArray nextIds) {
        int batch = (int) stepIds.size(0);
        int time = (int) stepIds.size(1);
        float[] t = targets(floats(mask, (long) batch * time, "mask"), floats(stepIds, (long) batch * time, "stepIds"),
                nextIds == null ? null : floats(nextIds, batch, "nextIds"), batch, time);
        return Nd4j.create(t, new long[]{batch, time}, 'c');
    }

    /**
     * Next value: the index of the next real step of every step ({@code [batch * time]}, C order), -1 where a step
     * is padding or the last real step of its sequence (no target).
     */
    static int[] nextRealSteps(float[] mask, int batch, int time) {
        int[] out = new int[batch * time];
        Arrays.fill(out, -1);
        for (int b = 0; b < batch; b++) {
            int base = b * time;
            int previous = -1;
            for (int t = 0; t < time; t++) {
                if (mask != null && mask[base + t] == 0f) {
                    continue;
                }
                if (previous >= 0) {
                    out[base + previous] = t;
                }
                previous = t;
            }
        }
        return out;
    }

    /**
     * Next value's training data: {@code {labels [batch, targets, time], labelMask [batch, time]}}, the label of step
     * {@code t} being the features {@code targets} of {@code x} (already normalised, {@code [batch, nIn, time]}) at
     * the next real step, its mask 1 where there is one.
     */
    public static INDArray[] nextValueLabels(INDArray x, INDArray mask, int[] targets) {
        int batch = (int) x.size(0);
        int nIn = (int) x.size(1);
        int time = (int) x.size(2);
        for (int column : targets) {
            if (column < 0 || column >= nIn) {
                throw new IllegalArgumentException("target feature " + column + " is not one of the " + nIn
                        + " input features");
            }
        }
        float[] xv = x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        int[] next = nextRealSteps(floats(mask, (long) batch * time, "mask"), batch, time);
        int n = targets.length;
        float[] labels = new float[batch * n * time];
        float[] labelMask = new float[batch * time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                int u = next[b * time + t];
                if (u < 0) {
                    continue;
                }
                labelMask[b * time + t] = 1f;
                for (int j = 0; j < n; j++) {
                    labels[(b * n + j) * time + t] = xv[(b * nIn + targets[j]) * time + u];
                }
            }
        }
        return new INDArray[]{Nd4j.create(labels, new long[]{batch, n, time}, 'c'),
            Nd4j.create(labelMask, new long[]{batch, time}, 'c')};
    }

    /**
     * Next value: the mean squared prediction error of every target over the steps that have one ({@code double[n]}),
     * on features normalised by {@code normalizer}: the residual variances the scores are standardised by, measured
     * on normal data after the fit. A target with no scored step gets NaN.
     */
    public static double[] nextValueResidualVariances(MultiLayerNetwork net, DataNormalization normalizer, INDArray x,
                                                      INDArray mask, int[] targets) {
        return nextValueResidualVariances(net, normalizer, x, mask, targets, null);
    }

    /**
     * {@link #nextValueResidualVariances(MultiLayerNetwork, DataNormalization, INDArray, INDArray, int[])} with a
     * weight per sequence ({@code weights [batch]}, >= 0; null = 1): the weighted mean, as if a sequence of weight
     * {@code w} were there {@code w} times. NaN for a target whose scored steps all weigh 0.
     */
    public static double[] nextValueResidualVariances(MultiLayerNetwork net, DataNormalization normalizer, INDArray x,
                                                      INDArray mask, int[] targets, double[] weights) {
        int batch = (int) x.size(0);
        int nIn = (int) x.size(1);
        int time = (int) x.size(2);
        int n = targets.length;
        if (weights != null && weights.length != batch) {
            throw new IllegalArgumentException(weights.length + " weights for " + batch + " sequences");
        }
        double[] sum = new double[n];
        double count = 0;
        for (int from = 0; from < batch; from += CHUNK) {
            int to = Math.min(batch, from + CHUNK);
            INDArray xc = from == 0 && to == batch ? x
                    : x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray mc = mask == null ? null : (from == 0 && to == batch ? mask
                    : mask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c'));
            INDArray xn = Normalizers.apply(normalizer, xc.dup('c'), mc);
            INDArray[] labels = nextValueLabels(xn, mc, targets);
            float[] predicted = Predictor.predict(net, null, xn, mc, CHUNK).dup('c').data().asFloat();
            float[] actual = labels[0].data().asFloat();
            float[] scored = labels[1].data().asFloat();
            int rows = to - from;
            for (int b = 0; b < rows; b++) {
                for (int t = 0; t < time; t++) {
                    if (scored[b * time + t] == 0f) {
                        continue;
                    }
                    double w = weights == null ? 1.0 : weights[from + b];
                    count += w;
                    for (int j = 0; j < n; j++) {
                        double e = (double) predicted[(b * n + j) * time + t] - actual[(b * n + j) * time + t];
                        sum[j] += w * e * e;
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = count > 0 ? sum[j] / count : Double.NaN;
        }
        return out;
    }

    static float[] targets(float[] mask, float[] ids, float[] next, int batch, int time) {
        int[] following = nextRealSteps(mask, batch, time);
        float[] out = new float[batch * time];
        for (int i = 0; i < out.length; i++) {
            float id = following[i] < 0 ? -1f : ids[(i / time) * time + following[i]];
            out[i] = id < 0 ? -1f : id;
        }
        for (int b = 0; next != null && b < batch; b++) {   // the last real step: the event after the window
            int last = time - 1;
            while (last >= 0 && mask != null && mask[b * time + last] == 0f) {
                last--;
            }
            if (last >= 0 && next[b] >= 0) {
                out[b * time + last] = next[b];
            }
        }
        return out;
    }

    private static float[] floats(INDArray a, long expected, String what) {
        if (a == null) {
            return null;
        }
        if (a.length() != expected) {
            throw new IllegalArgumentException(what + " holds " + a.length() + " values, expected " + expected);
        }
        return a.dup('c').data().asFloat();
    }

    /** The parsed scoring parameters. */
    static final class Spec {
        boolean nextEvent;
        int topG = 9;
        String score = "count";
        boolean lastOnly;
        int oovId = 0;
        int endId = -1;
        double endMinProbability = -1;
        /** Ids that can never be the next event (start padding, the OOV id): left out of the ranking. */
        int[] neverExpected = new int[0];
        int[] positive = {1};
        String aggregation = "max";
        boolean nextValue;
        /** Next value: the input features predicted, and the residual variance of each. */
        int[] targets = new int[0];
        double[] variances = new double[0];

        /** Which of a network's {@code nOut} classes are left out of the ranking; refuses an id outside them. */
        boolean[] excluded(int nOut) {
            boolean[] out = new boolean[nOut];
            for (int id : neverExpected) {
                if (id >= nOut) {
                    throw new IllegalArgumentException("never_expected id " + id + " is not one of the network's "
                            + nOut + " classes");
                }
                out[id] = true;
            }
            return out;
        }

        /**
         * An int setting: absent or null gives {@code absent}; a value that is not a whole number within int's range
         * is refused (asInt truncated 2^40 to 0 and a 5000-digit number to -1, reported as such).
         */
        private static int intSetting(JsonNode node, String name, int absent) {
            JsonNode value = node.path(name);
            if (value.isMissingNode() || value.isNull()) {
                return absent;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw new IllegalArgumentException(name + " must be a whole number from " + Integer.MIN_VALUE + " to "
                        + Integer.MAX_VALUE + ", got " + shortText(value));
            }
            return value.intValue();
        }

        /** A JSON value as text, cut to 40 characters (a tampered number may have thousands of digits). */
        static String shortText(JsonNode value) {
            String text = value.toString();
            return text.length() <= 40 ? text : text.substring(0, 40) + "... (" + text.length() + " characters)";
        }

        static Spec parse(String json) {
            JsonNode node;
            try {
                node = JSON.readTree(json);
            } catch (IOException e) {
                throw new IllegalArgumentException("scoring spec is not valid JSON: " + e.getMessage(), e);
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("scoring spec must be a JSON object");
            }
            Spec s = new Spec();
            String kind = node.path("kind").asText("");
            if ("next_event".equals(kind)) {
                s.nextEvent = true;
                s.topG = intSetting(node, "top_g", 9);
                s.score = node.path("score").asText("count");
                String steps = node.path("steps").asText("all");
                if (!steps.equals("all") && !steps.equals("last")) {
                    throw new IllegalArgumentException("scoring steps must be 'all' or 'last', got '" + steps + "'");
                }
                s.lastOnly = steps.equals("last");
                s.oovId = intSetting(node, "oov_id", 0);
                s.endId = intSetting(node, "end_id", -1);
                s.endMinProbability = node.path("end_min_probability").asDouble(-1);
                if (node.has("end_min_probability") && (s.endId < 0 || !(s.endMinProbability >= 0 && s.endMinProbability <= 1))) {
                    throw new IllegalArgumentException("end_min_probability must be in [0, 1] and needs an end_id >= 0, got "
                            + node.path("end_min_probability") + " with end_id " + s.endId);
                }
                JsonNode never = node.path("never_expected");
                if (!never.isMissingNode() && !never.isNull()) {
                    if (!never.isArray()) {
                        throw new IllegalArgumentException("never_expected must be a list of event ids, got " + never);
                    }
                    s.neverExpected = new int[never.size()];
                    for (int i = 0; i < never.size(); i++) {
                        if (!never.get(i).canConvertToInt() || never.get(i).asInt() < 0) {
                            throw new IllegalArgumentException("never_expected must hold event ids >= 0, got " + never);
                        }
                        s.neverExpected[i] = never.get(i).asInt();
                    }
                }
                if (s.topG < 1) {
                    throw new IllegalArgumentException("top_g must be >= 1, got " + s.topG);
                }
                if (!Arrays.asList("count", "share", "nll", "max_nll").contains(s.score)) {
                    throw new IllegalArgumentException("next-event score must be count, share, nll or max_nll, got '" + s.score + "'");
                }
            } else if ("sequence_classifier".equals(kind)) {
                JsonNode positive = node.path("positive_classes");
                if (positive.isArray() && positive.size() > 0) {
                    s.positive = new int[positive.size()];
                    for (int i = 0; i < positive.size(); i++) {
                        if (!positive.get(i).isIntegralNumber() || !positive.get(i).canConvertToInt()) {
                            throw new IllegalArgumentException("positive_classes must hold class ids, got "
                                    + shortText(positive.get(i)));
                        }
                        s.positive[i] = positive.get(i).asInt();
                    }
                }
                s.aggregation = node.path("aggregation").asText("max");
                if (!Arrays.asList("max", "mean", "last").contains(s.aggregation)) {
                    throw new IllegalArgumentException("aggregation must be max, mean or last, got '" + s.aggregation + "'");
                }
            } else if ("next_value".equals(kind)) {
                s.nextValue = true;
                JsonNode targets = node.path("targets");
                JsonNode variances = node.path("residual_variances");
                if (!targets.isArray() || targets.size() == 0) {
                    throw new IllegalArgumentException("next-value targets must be a non-empty list of feature indices, got "
                            + shortText(targets));
                }
                if (!variances.isArray() || variances.size() != targets.size()) {
                    throw new IllegalArgumentException("residual_variances must hold one number per target ("
                            + targets.size() + "), got " + shortText(variances));
                }
                s.targets = new int[targets.size()];
                s.variances = new double[targets.size()];
                for (int i = 0; i < targets.size(); i++) {
                    JsonNode t = targets.get(i);
                    if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0) {
                        throw new IllegalArgumentException("next-value targets must hold feature indices >= 0, got "
                                + shortText(t));
                    }
                    s.targets[i] = t.asInt();
                    JsonNode v = variances.get(i);
                    if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
                        throw new IllegalArgumentException("residual_variances must be finite numbers > 0, got "
                                + shortText(v));
                    }
                    s.variances[i] = v.asDouble();
                }
                s.aggregation = node.path("aggregation").asText("max");
                if (!Arrays.asList("max", "mean", "last").contains(s.aggregation)) {
                    throw new IllegalArgumentException("aggregation must be max, mean or last, got '" + s.aggregation + "'");
                }
            } else {
                throw new IllegalArgumentException("scoring kind must be 'next_event', 'sequence_classifier' or "
                        + "'next_value', got '" + kind + "'");
            }
            return s;
        }
    }

    /** Accumulates the per-sequence results. */
    private static final class Builder {
        final Spec spec;
        final int time;
        final double[] scores;
        final int[] scored;
        final int[] unexpected;
        final int[] detailStep;
        final int[] detailActual;
        final double[] detailProbability;
        final int g;
        final int[] expected;
        final float[] stepScores;
        final byte[] stepFlags;
        final int[] stepRanks;
        /** Next value: the actual and predicted values of the explaining target, and their standardised difference. */
        final double[] detailValue;
        final double[] detailPrediction;
        final double[] detailDeviation;
        /** Classes left out of the ranking (spec.neverExpected), known once the network's width is. */
        boolean[] excluded;
        /** The listed unexpected steps (see DetectorScores.unexpectedFrom), appended in sequence order. */
        final int[] unexpectedFrom;
        int[] listedStep = new int[64];
        int[] listedActual = new int[64];
        double[] listedProbability = new double[64];
        int listed;

        Builder(Spec spec, int batch, int time, boolean withSteps) {
            this.spec = spec;
            this.time = time;
            scores = new double[batch];
            scored = new int[batch];
            unexpected = new int[batch];
            detailStep = new int[batch];
            detailActual = new int[batch];
            detailProbability = new double[batch];
            Arrays.fill(detailStep, -1);
            Arrays.fill(detailActual, -1);
            Arrays.fill(detailProbability, Double.NaN);
            g = spec.nextEvent ? spec.topG : 0;
            expected = new int[batch * g];
            Arrays.fill(expected, -1);
            stepScores = withSteps ? new float[batch * time] : null;
            stepFlags = withSteps ? new byte[batch * time] : null;
            stepRanks = withSteps && spec.nextEvent ? new int[batch * time] : null;
            if (stepRanks != null) {
                Arrays.fill(stepRanks, -1);
            }
            if (stepScores != null) {
                Arrays.fill(stepScores, Float.NaN);
            }
            unexpectedFrom = new int[batch + 1];
            detailValue = new double[spec.nextValue ? batch : 0];
            detailPrediction = new double[spec.nextValue ? batch : 0];
            detailDeviation = new double[spec.nextValue ? batch : 0];
            Arrays.fill(detailValue, Double.NaN);
            Arrays.fill(detailPrediction, Double.NaN);
            Arrays.fill(detailDeviation, Double.NaN);
        }

        /**
         * Next value. out: [chunk, nOut, time] C order, offset = start of sequence b's block; x: the normalised
         * features [chunk, nIn, time], xOffset likewise.
         */
        void nextValue(int b, float[] out, int offset, int nOut, float[] x, int xOffset, float[] mask) {
            int n = spec.targets.length;
            if (nOut != n) {
                throw new IllegalArgumentException("the network predicts " + nOut + " values but the scoring names "
                        + n + " targets");
            }
            int base = b * time;
            int scoredSteps = 0;
            int flagged = 0;
            double sum = 0;
            double max = -1;
            double last = 0;
            int worst = -1;
            int previous = -1;
            for (int t = 0; t < time; t++) {
                if (mask != null && mask[base + t] == 0f) {
                    continue;
                }
                if (previous >= 0) {   // step `previous` predicts step t
                    int p = previous;
                    double score = 0;
                    for (int j = 0; j < n; j++) {
                        double e = (double) out[offset + j * time + p] - x[xOffset + spec.targets[j] * time + t];
                        score += e * e / spec.variances[j];
                    }
                    score /= n;
                    scoredSteps++;
                    sum += score;
                    last = score;
                    boolean bad = score > NEXT_VALUE_UNEXPECTED;
                    if (bad) {
                        flagged++;
                    }
                    if (score > max) {
                        max = score;
                        worst = p;
                    }
                    if (stepScores != null) {
                        stepScores[base + p] = (float) score;
                        stepFlags[base + p] = (byte) (bad ? 1 : 0);
                    }
                }
                previous = t;
            }
            scored[b] = scoredSteps;
            unexpected[b] = flagged;
            switch (spec.aggregation) {
                case "max": scores[b] = scoredSteps == 0 ? 0.0 : max; break;
                case "mean": scores[b] = scoredSteps == 0 ? 0.0 : sum / scoredSteps; break;
                default: scores[b] = last; break;
            }
            if (worst >= 0) {
                int u = worst + 1;   // the next real step after the worst one
                while (mask != null && mask[base + u] == 0f) {
                    u++;
                }
                int feature = 0;
                double furthest = -1;
                for (int j = 0; j < n; j++) {
                    double e = (double) out[offset + j * time + worst] - x[xOffset + spec.targets[j] * time + u];
                    double z = e * e / spec.variances[j];
                    if (z > furthest) {
                        furthest = z;
                        feature = j;
                    }
                }
                double actual = x[xOffset + spec.targets[feature] * time + u];
                double predicted = out[offset + feature * time + worst];
                detailStep[b] = worst;
                detailActual[b] = feature;
                detailProbability[b] = max;
                detailValue[b] = actual;
                detailPrediction[b] = predicted;
                detailDeviation[b] = (actual - predicted) / Math.sqrt(spec.variances[feature]);
            }
        }

        /** Lists an unexpected step of the sequence being scored (sequences come in order, each once). */
        private void list(int t, int actual, double p) {
            if (listed == listedStep.length) {
                int n = listed * 2;
                listedStep = Arrays.copyOf(listedStep, n);
                listedActual = Arrays.copyOf(listedActual, n);
                listedProbability = Arrays.copyOf(listedProbability, n);
            }
            listedStep[listed] = t;
            listedActual[listed] = actual;
            listedProbability[listed] = p;
            listed++;
        }

        /** probs: [chunk, nOut, time] C order; offset = start of sequence b's block. */
        void nextEvent(int b, float[] probs, int offset, int nOut, float[] targets, float[] mask) {
            if (excluded == null) {
                excluded = spec.excluded(nOut);
            }
            int base = b * time;
            int first = 0;
            if (spec.lastOnly) {
                first = time;
                for (int t = time - 1; t >= 0; t--) {
                    if (targets[base + t] >= 0) {
                        first = t;
                        break;
                    }
                }
            }
            int count = 0;
            int n = 0;
            double nllSum = 0;
            double nllMax = 0;
            int firstUnexpected = -1;
            int worst = -1;
            double worstNll = -1;
            for (int t = first; t < time; t++) {
                int actual = (int) targets[base + t];
                if (targets[base + t] < 0) {
                    continue;
                }
                n++;
                double p = actual < nOut ? probs[offset + actual * time + t] : 0.0;
                boolean bad = actual >= nOut || (spec.oovId >= 0 && actual == spec.oovId) || excluded[actual];
                int rank = nOut;   // unexpected for every g (see DetectorScores.stepRanks)
                if (!bad && actual == spec.endId && spec.endMinProbability >= 0) {
                    bad = p < spec.endMinProbability;
                    rank = bad ? nOut : 0;
                } else if (!bad && !(p > 0.0)) {
                    // The network gave the event no probability at all (softmax underflow in a saturated model):
                    // it ties with every other zero-probability class, and counting only the classes strictly
                    // above it would let it rank within the top g. An impossible event is never expected.
                    bad = true;
                } else if (!bad) {
                    int limit = stepRanks != null ? nOut : spec.topG;   // the full rank only when asked for
                    int above = 0;
                    for (int k = 0; k < nOut && above < limit; k++) {
                        if (!excluded[k] && probs[offset + k * time + t] > p) {
                            above++;
                        }
                    }
                    bad = above >= spec.topG;
                    rank = above;
                }
                double nll = -Math.log(Math.max(p, MIN_PROBABILITY));
                nllSum += nll;
                nllMax = Math.max(nllMax, nll);
                if (bad) {
                    count++;
                    if (firstUnexpected < 0) {
                        firstUnexpected = t;
                    }
                    if (count <= DetectorScores.MAX_LISTED_UNEXPECTED) {
                        list(t, actual, p);
                    }
                }
                if (nll > worstNll) {
                    worstNll = nll;
                    worst = t;
                }
                if (stepScores != null) {
                    stepScores[base + t] = (float) nll;
                    stepFlags[base + t] = (byte) (bad ? 1 : 0);
                    stepRanks[base + t] = rank;
                }
                if (spec.lastOnly) {
                    break;
                }
            }
            scored[b] = n;
            unexpected[b] = count;
            unexpectedFrom[b + 1] = listed;
            switch (spec.score) {
                case "count": scores[b] = count; break;
                case "share": scores[b] = n == 0 ? 0.0 : (double) count / n; break;
                case "nll": scores[b] = n == 0 ? 0.0 : nllSum / n; break;
                default: scores[b] = nllMax; break;
            }
            int step = firstUnexpected >= 0 ? firstUnexpected : worst;
            if (step >= 0) {
                int actual = (int) targets[base + step];
                detailStep[b] = step;
                detailActual[b] = actual;
                detailProbability[b] = actual < nOut ? probs[offset + actual * time + step] : 0.0;
                topK(probs, offset, nOut, step, b);
            }
        }

        private void topK(float[] probs, int offset, int nOut, int t, int b) {
            int k = Math.min(g, nOut);
            boolean[] taken = excluded.clone();
            for (int i = 0; i < k; i++) {
                int best = -1;
                for (int c = 0; c < nOut; c++) {
                    if (!taken[c] && probs[offset + c * time + t] > 0.0
                            && (best < 0 || probs[offset + c * time + t] > probs[offset + best * time + t])) {
                        best = c;
                    }
                }
                if (best < 0) {
                    break;  // fewer candidates with any probability than g: the rest stays -1
                }
                taken[best] = true;
                expected[b * g + i] = best;
            }
        }

        void classifier(int b, float[] probs, int offset, int nOut, float[] mask) {
            int base = b * time;
            int n = 0;
            int flagged = 0;
            double sum = 0;
            double max = -1;
            double last = 0;
            int argmax = -1;
            for (int t = 0; t < time; t++) {
                if (mask != null && mask[base + t] == 0f) {
                    continue;
                }
                double p = 0;
                for (int c : spec.positive) {
                    if (c < 0 || c >= nOut) {
                        throw new IllegalArgumentException("positive class " + c + " is not one of the network's " + nOut + " classes");
                    }
                    p += probs[offset + c * time + t];
                }
                n++;
                sum += p;
                last = p;
                if (p >= 0.5) {
                    flagged++;
                }
                if (p > max) {
                    max = p;
                    argmax = t;
                }
                if (stepScores != null) {
                    stepScores[base + t] = (float) p;
                    stepFlags[base + t] = (byte) (p >= 0.5 ? 1 : 0);
                }
            }
            scored[b] = n;
            unexpected[b] = flagged;
            switch (spec.aggregation) {
                case "max": scores[b] = n == 0 ? 0.0 : max; break;
                case "mean": scores[b] = n == 0 ? 0.0 : sum / n; break;
                default: scores[b] = last; break;
            }
            if (argmax >= 0) {
                int best = 0;
                for (int c = 1; c < nOut; c++) {
                    if (probs[offset + c * time + argmax] > probs[offset + best * time + argmax]) {
                        best = c;
                    }
                }
                detailStep[b] = argmax;
                detailActual[b] = best;
                detailProbability[b] = max;
            }
        }

        DetectorScores build() {
            return new DetectorScores(spec.nextValue ? "next_value" : spec.nextEvent ? "next_event" : "sequence_classifier",
                    scores, scored, unexpected,
                    detailStep, detailActual, detailProbability, expected, g, stepScores, stepFlags, stepRanks, time,
                    unexpectedFrom, Arrays.copyOf(listedStep, listed), Arrays.copyOf(listedActual, listed),
                    Arrays.copyOf(listedProbability, listed), detailValue, detailPrediction, detailDeviation);
        }
    }
}
