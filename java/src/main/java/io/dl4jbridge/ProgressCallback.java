package io.dl4jbridge;

/**
 * Receives training progress; implemented on the Python side. Called from the training thread at most
 * every {@code reportIntervalMillis} for iterations and always at the end of each epoch.
 */
public interface ProgressCallback {
    /**
     * @param epoch           0-based epoch
     * @param iteration       iterations done so far in this fit
     * @param score           the latest minibatch score (or the epoch's mean score when {@code epochEnd})
     * @param epochEnd        true once per finished epoch
     * @param validationScore mean validation score at epoch end, NaN otherwise or without validation data
     * @return false to cancel training after the current minibatch
     */
    boolean onProgress(int epoch, int iteration, double score, boolean epochEnd, double validationScore);
}
