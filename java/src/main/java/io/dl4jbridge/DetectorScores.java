package io.dl4jbridge;

/**
 * Scores of a batch of sequences (windows or sessions) from {@link DetectorScoring}, with what explains
 * each score. All arrays are indexed by sequence {@code b} in {@code [0, batch)}.
 */
public final class DetectorScores {
    /** "next_event", "sequence_classifier" or "next_value". */
    public final String kind;
    /** Anomaly score per sequence: higher is more anomalous. */
    public final double[] scores;
    /** Steps that counted in the score. */
    public final int[] scoredSteps;
    /** Next event: steps whose actual event was not in the top-g. Classifier: steps with P(anomalous) >= 0.5. */
    public final int[] unexpectedSteps;
    /**
     * The step that explains the score, -1 when no step was scored. Next event: the first unexpected step,
     * else the least expected one. Classifier: the step with the highest P(anomalous).
     */
    public final int[] detailStep;
    /** Next event: the actual event id at {@code detailStep}. Classifier: the most probable class there. */
    public final int[] detailActual;
    /** Next event: the probability the model gave the actual event. Classifier: P(anomalous) at that step. */
    public final double[] detailProbability;
    /** Next event: the top-g expected event ids at {@code detailStep}, most probable first, flat
     *  {@code [batch * expectedPerRow]}, -1 where absent. Empty for the classifier. */
    public final int[] expected;
    public final int expectedPerRow;
    /** Optional {@code [batch * time]} (C order): NLL of the actual event (next event) or P(anomalous)
     *  (classifier) per step, NaN where a step is not scored; null unless asked for. */
    public final float[] stepScores;
    /** Optional {@code [batch * time]}: 1 where the step is unexpected / P(anomalous) >= 0.5; null unless asked for. */
    public final byte[] stepFlags;
    /**
     * Next event, optional {@code [batch * time]}: the step is unexpected exactly when {@code top_g <= stepRanks};
     * how many candidate events the model ranked above the actual one, {@code nOut} when the step is unexpected
     * whatever g is (OOV, an event given probability 0, an end below its floor), 0 when it is expected whatever g is (an end above its floor),
     * -1 where a step is not scored. One pass gives the unexpected share of every g. Null unless asked for.
     */
    public final int[] stepRanks;
    public final int time;
    /**
     * Next event: at most this many unexpected steps of a sequence are listed, the first ones in step order
     * (its {@code unexpected_lines}); {@link #unexpectedSteps} counts them all.
     */
    public static final int MAX_LISTED_UNEXPECTED = 50;
    /**
     * Next event: the listed unexpected steps of sequence {@code b} are entries {@code unexpectedFrom[b]} to
     * {@code unexpectedFrom[b + 1]} (exclusive) of {@link #unexpectedStep}, {@link #unexpectedActual} and
     * {@link #unexpectedProbability}: {@code [batch + 1]}, all 0 for the classifier.
     */
    public final int[] unexpectedFrom;
    /** Next event: the time index of each listed unexpected step, in step order (see {@link #unexpectedFrom}). */
    public final int[] unexpectedStep;
    /** Next event: the actual event id at each listed unexpected step. */
    public final int[] unexpectedActual;
    /** Next event: the probability the model gave that event (0 for an id outside the network's classes), as
     *  {@link #detailProbability}. */
    public final double[] unexpectedProbability;
    /**
     * Next value ({@code [batch]}, empty for the other kinds; NaN where no step was scored): at {@code detailStep},
     * the target furthest from its prediction is {@code detailActual} (its index among the scoring's targets),
     * whose actual (normalised) value at the next real step is {@code detailValue}, the prediction
     * {@code detailPrediction}, and their difference in residual standard deviations {@code detailDeviation}.
     * {@code detailProbability} is then the step's score.
     */
    public final double[] detailValue;
    public final double[] detailPrediction;
    public final double[] detailDeviation;

    DetectorScores(String kind, double[] scores, int[] scoredSteps, int[] unexpectedSteps, int[] detailStep,
                   int[] detailActual, double[] detailProbability, int[] expected, int expectedPerRow,
                   float[] stepScores, byte[] stepFlags, int[] stepRanks, int time, int[] unexpectedFrom,
                   int[] unexpectedStep, int[] unexpectedActual, double[] unexpectedProbability) {
        this(kind, scores, scoredSteps, unexpectedSteps, detailStep, detailActual, detailProbability, expected,
                expectedPerRow, stepScores, stepFlags, stepRanks, time, unexpectedFrom, unexpectedStep, unexpectedActual,
                unexpectedProbability, new double[0], new double[0], new double[0]);
    }

    DetectorScores(String kind, double[] scores, int[] scoredSteps, int[] unexpectedSteps, int[] detailStep,
                   int[] detailActual, double[] detailProbability, int[] expected, int expectedPerRow,
                   float[] stepScores, byte[] stepFlags, int[] stepRanks, int time, int[] unexpectedFrom,
                   int[] unexpectedStep, int[] unexpectedActual, double[] unexpectedProbability,
                   double[] detailValue, double[] detailPrediction, double[] detailDeviation) {
        this.detailValue = detailValue;
        this.detailPrediction = detailPrediction;
        this.detailDeviation = detailDeviation;
        this.kind = kind;
        this.scores = scores;
        this.scoredSteps = scoredSteps;
        this.unexpectedSteps = unexpectedSteps;
        this.detailStep = detailStep;
        this.detailActual = detailActual;
        this.detailProbability = detailProbability;
        this.expected = expected;
        this.expectedPerRow = expectedPerRow;
        this.stepScores = stepScores;
        this.stepFlags = stepFlags;
        this.stepRanks = stepRanks;
        this.time = time;
        this.unexpectedFrom = unexpectedFrom;
        this.unexpectedStep = unexpectedStep;
        this.unexpectedActual = unexpectedActual;
        this.unexpectedProbability = unexpectedProbability;
    }

    public int size() {
        return scores.length;
    }

    /** The top-g expected event ids of sequence {@code b} (empty for the classifier). */
    public int[] expectedOf(int b) {
        int n = 0;
        while (n < expectedPerRow && expected[b * expectedPerRow + n] >= 0) {
            n++;
        }
        return java.util.Arrays.copyOfRange(expected, b * expectedPerRow, b * expectedPerRow + n);
    }
}
