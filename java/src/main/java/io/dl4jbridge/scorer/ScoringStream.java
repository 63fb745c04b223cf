package io.dl4jbridge.scorer;

import io.dl4jbridge.DetectorScoring;
import io.dl4jbridge.etl.EtlStream;
import io.dl4jbridge.etl.Sequence;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Raw lines in, scored windows or sessions out, in constant memory for windows: complete sequences
 * are collected into batches of {@code batchSize} (fewer when they are long: {@link #MAX_BATCH_VALUES}) and
 * each batch is scored in one
 * {@link DetectorScoring} call (one forward pass). {@link #flush} scores a partial batch at once
 * (the launcher calls it when its input has nothing more buffered, so results of a slow stream are
 * not held back).
 *
 * <p>A stream holds the state of one input (open windows and sessions, counters) and belongs to one thread;
 * it ends with {@link #finish}, after which it refuses more calls. Open one per input and thread with
 * {@link LogAnomalyScorer#open}.</p>
 */
public final class ScoringStream {
    private final LogAnomalyScorer scorer;
    private final EtlStream etl;
    /**
     * Most padded values a batch may hold: sequences x the longest one's steps x the wider of features and
     * classes (the network's input and output). Batches of short windows never reach it; a few very long
     * sessions are scored in smaller batches instead of one padded array of gigabytes.
     */
    static final long MAX_BATCH_VALUES = 32L << 20;
    private final int batchSize;
    private final long maxBatchValues;
    private final long width;
    private final List<Sequence> pending = new ArrayList<>();
    private int pendingTime;
    private final Consumer<Sequence> collect = s -> {
        pending.add(s);
        pendingTime = Math.max(pendingTime, s.time);
    };
    private long scored;
    /** Set by {@link #finish}: the stream takes no more calls. */
    private boolean finished;
    private long flagged;
    /** Scored sequences with no step to judge (a one-event session of a next-event model): score 0, never flagged. */
    private long unjudged;

    ScoringStream(LogAnomalyScorer scorer, EtlStream etl, int batchSize) {
        this(scorer, etl, batchSize, MAX_BATCH_VALUES);
    }

    ScoringStream(LogAnomalyScorer scorer, EtlStream etl, int batchSize, long maxBatchValues) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1");
        }
        this.scorer = scorer;
        this.etl = etl;
        this.batchSize = batchSize;
        this.maxBatchValues = maxBatchValues;
        this.width = Math.max(1, Math.max(scorer.etlSpec().nFeatures(), scorer.nClasses()));
        if (etl.assembler() instanceof io.dl4jbridge.etl.WindowAssembler) {   // a classifier judges no next event
            ((io.dl4jbridge.etl.WindowAssembler) etl.assembler())
                    .nextEventScored("next_event".equals(scorer.detectorFile().kind));
        }
    }

    /** One raw line (without its terminator); results of completed batches go to {@code out}. */
    public void accept(String line, Consumer<ScoredSequence> out) {
        requireOpen("accept");
        if (line == null) {
            throw new IllegalArgumentException("accept(null): give each log line as a String (\"\" for a blank line)");
        }
        etl.accept(line, collect);
        while (pending.size() >= batchSize || (long) pending.size() * pendingTime * width > maxBatchValues) {
            scoreFront(out);
        }
    }

    /** Scores the longest front of the pending sequences that fits a batch (at least one sequence). */
    private void scoreFront(Consumer<ScoredSequence> out) {
        int n = 0;
        int time = 0;
        while (n < pending.size() && n < batchSize) {
            int t = Math.max(time, pending.get(n).time);
            if (n > 0 && (long) (n + 1) * t * width > maxBatchValues) {
                break;
            }
            time = t;
            n++;
        }
        List<Sequence> rest = new ArrayList<>(pending.subList(n, pending.size()));
        pending.subList(n, pending.size()).clear();
        flush(out);
        pending.addAll(rest);
        for (Sequence s : rest) {
            pendingTime = Math.max(pendingTime, s.time);
        }
    }

    /** Scores what is pending now. */
    public void flush(Consumer<ScoredSequence> out) {
        requireOpen("flush");
        if (pending.isEmpty()) {
            return;
        }
        List<Sequence> batch = new ArrayList<>(pending);
        pending.clear();
        pendingTime = 0;
        for (ScoredSequence s : scorer.scoreSequences(batch, scored)) {
            scored++;
            if (s.anomaly) {
                flagged++;
            }
            if (isUnjudged(s)) {
                unjudged++;
            }
            out.accept(s);
        }
    }

    /** End of input: the last records, padded windows and open sessions are scored. */
    public void finish(Consumer<ScoredSequence> out) {
        requireOpen("finish");
        etl.finish(collect);
        while (pending.size() > batchSize || (long) pending.size() * pendingTime * width > maxBatchValues) {
            scoreFront(out);
        }
        flush(out);
        finished = true;
    }

    private void requireOpen(String call) {
        if (finished) {
            throw new IllegalStateException(call + " after finish: this stream has ended (its windows and sessions "
                    + "are closed); open a new one with scorer.open(name)");
        }
    }

    public EtlStream etl() {
        return etl;
    }

    public long scored() {
        return scored;
    }

    public long flagged() {
        return flagged;
    }

    /**
     * Whether a scored sequence had no step to judge and its events went unjudged (Python's
     * {@code cli.unjudged_sequences}): no scored step, except, for a next-event model, a later part (1, 2, ...) of a
     * session split at {@code max_length}, whose one event was judged as the next event of the part before it. A
     * next-value model judges nothing across parts: such a part of one record is unjudged.
     */
    public static boolean isUnjudged(ScoredSequence s) {
        return s.scoredSteps == 0 && (s.part < 1 || s.nextValue);
    }

    /**
     * Sequences scored so far that had no step to judge: with a next-event or next-value model on sessions, a
     * session of one event (nothing predicts its first event, and it has no next one). They score 0 and count in
     * {@link #scored()}, but were never judged. For a next-event model a one-event later part of a split session
     * is not one of them (the part before it judged its event); for a next-value model it is.
     */
    public long unjudged() {
        return unjudged;
    }

    /** What this pass counted so far, with the launcher's summary keys, and its warnings (see {@link ScoreSummary}). */
    public ScoreSummary summary() {
        return ScoreSummary.of(this, scorer);
    }

    /**
     * The summary with these sequence counts in place of the pass's own: an interrupted {@code score}'s, which
     * counts only the sequences whose rows reached the output (the scoring thread runs on after the signal).
     */
    public ScoreSummary summary(long scored, long flagged, long unjudged) {
        return ScoreSummary.of(this, scorer, scored, flagged, unjudged);
    }

    /** NCW arrays of a batch: x [batch, features, time], mask [batch, time], step ids, next ids. */
    static INDArray[] arrays(List<Sequence> batch, int features) {
        int n = batch.size();
        int time = 0;
        for (Sequence s : batch) {
            time = Math.max(time, s.time);
        }
        float[] x = new float[n * features * time];
        float[] mask = new float[n * time];
        float[] ids = new float[n * time];
        float[] next = new float[n];
        for (int b = 0; b < n; b++) {
            Sequence s = batch.get(b);
            for (int t = 0; t < s.time; t++) {
                for (int f = 0; f < features; f++) {
                    x[(b * features + f) * time + t] = s.x[t * features + f];
                }
                mask[b * time + t] = s.mask(t);
                ids[b * time + t] = s.stepIds[t];
            }
            next[b] = s.nextId;
        }
        return new INDArray[]{
            Nd4j.create(x, new long[]{n, features, time}, 'c'),
            Nd4j.create(mask, new long[]{n, time}, 'c'),
            Nd4j.create(ids, new long[]{n, time}, 'c'),
            Nd4j.create(next, new long[]{n}, 'c'),
        };
    }

    static long[] realLines(Sequence s) {
        return Arrays.copyOf(s.lineNumbers, s.length);
    }

}
