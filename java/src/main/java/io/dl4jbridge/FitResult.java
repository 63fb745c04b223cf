package io.dl4jbridge;

/** What one {@link Trainer#fit} call did; read once by Python after the fit returns. */
public final class FitResult {
    /** Score (loss) of every minibatch, in order. */
    public final double[] iterationScores;
    /** Mean minibatch score per finished epoch. */
    public final double[] epochScores;
    /** Mean validation score per finished epoch (empty without validation data). */
    public final double[] validationScores;
    /** Epochs that ran to the end. */
    public final int epochsCompleted;
    /** The epoch whose parameters the network holds at return (the best one after early stopping). */
    public final int bestEpoch;
    public final boolean cancelled;
    public final boolean stoppedEarly;
    public final long millis;

    FitResult(double[] iterationScores, double[] epochScores, double[] validationScores, int epochsCompleted,
              int bestEpoch, boolean cancelled, boolean stoppedEarly, long millis) {
        this.iterationScores = iterationScores;
        this.epochScores = epochScores;
        this.validationScores = validationScores;
        this.epochsCompleted = epochsCompleted;
        this.bestEpoch = bestEpoch;
        this.cancelled = cancelled;
        this.stoppedEarly = stoppedEarly;
        this.millis = millis;
    }
}
