package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.JsonText;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result for one window or session: score, flag, its raw line numbers and, for next-event
 * models, the unexpected event and the expected ones.
 */
public final class ScoredSequence {
    /** Position of this sequence in its input (0-based, in output order). */
    public final long index;
    /** "window" or "session". */
    public final String unit;
    /** Window: line number of its first step; session: the session key. */
    public final Object key;
    /** A part of a session longer than {@code max_length}: 0, 1, ...; -1 for every other sequence. */
    public final int part;
    /** With sessions' {@code gap}: the number of this session among its key's (0, 1, ...) when the key had
     *  several; -1 for every other sequence. */
    public final int session;
    /** The detector's score (higher = more anomalous): Python's {@code decision_function}, the row's {@code score}. */
    public final double score;
    /** {@code score > threshold}. */
    public final boolean anomaly;
    /** Raw line numbers of the real steps, in step order. */
    public final long[] lines;
    /** The step that explains the score (index into {@link #lines}), -1 when none was scored. */
    public final int step;
    /** Next event: raw line of the event that came after {@link #step} (for the last step of a window,
     *  the record after the window; of a split session's part, the next part's first record), -1 when
     *  unknown ({@code actual_line} null); classifier: the line of {@link #step}. */
    public final long eventLine;
    /** Next event: the actual event id; classifier: the most probable class at {@link #step}. */
    public final int actual;
    /** Next event: the template text of {@link #actual} ({@code <event N>} outside the vocabulary); null otherwise
     *  or when no step was scored. */
    public final String actualTemplate;
    /** Probability given to {@link #actual} (next event) or P(anomalous) (classifier). */
    public final double probability;
    /** Next event: the top-g expected event ids, most probable first; empty for the classifier. */
    public final int[] expected;
    /** Next event: the template texts of {@link #expected}, in the same order; empty for the classifier. */
    public final List<String> expectedTemplates;
    /** Steps that counted in the score and, of these, the unexpected (or P >= 0.5) ones. */
    public final int scoredSteps;
    /** Of {@link #scoredSteps}, the unexpected ones (next event), those with P(anomalous) >= 0.5 (classifier) or
     *  scoring above 9 (next value): the row's {@code unexpected_steps}. */
    public final int unexpectedSteps;
    /** True for next-event models (the detail names events), false for classifiers. */
    public final boolean nextEvent;
    /**
     * Next event: every unexpected step, in step order, up to {@link io.dl4jbridge.DetectorScores#MAX_LISTED_UNEXPECTED}
     * (the row's {@code unexpected_lines}): the raw line of the event that came there (as {@link #eventLine}, -1 when
     * unknown), that event's id and the probability the model gave it. Empty for the classifier.
     */
    public final long[] unexpectedLines;
    /** The event id of each of {@link #unexpectedLines}. */
    public final int[] unexpectedEvents;
    /** The probability the model gave each of {@link #unexpectedEvents}. */
    public final double[] unexpectedProbabilities;
    /** Classifier: true when the model's label transform names its classes ({@code classes}): the row then has
     *  {@code predicted_label}. False for next-event models and for classifiers whose classes have no names. */
    public final boolean classNamed;
    /** Classifier with {@link #classNamed}: the name of the class {@link #actual} (the label transform's
     *  {@code classes[actual]}), null when no step was scored or the class has no name. */
    public final String predictedLabel;
    /** True for next-value models: the detail names the feature furthest from its prediction. */
    public final boolean nextValue;
    /** Next value: the name of that feature, its actual and predicted (normalised) values at the record after
     *  {@link #step} ({@link #eventLine}), and their difference in residual standard deviations. */
    public final String feature;
    /** Next value: the actual (normalised) value of {@link #feature}; not a value when {@link #step} is -1 (the row's null). */
    public final double actualValue;
    /** Next value: the predicted (normalised) value of {@link #feature}; not a value when {@link #step} is -1 (the row's null). */
    public final double predictedValue;
    /** Next value: (actual - predicted) in residual standard deviations; not a value when {@link #step} is -1 (the row's null). */
    public final double deviation;

    ScoredSequence(long index, boolean nextEvent, String unit, Object key, int part, double score, boolean anomaly, long[] lines, int step, long eventLine,
                   int actual, String actualTemplate, double probability, int[] expected,
                   List<String> expectedTemplates, int scoredSteps, int unexpectedSteps) {
        this(index, nextEvent, unit, key, -1, part, score, anomaly, lines, step, eventLine, actual, actualTemplate,
                probability, expected, expectedTemplates, scoredSteps, unexpectedSteps, new long[0], new int[0],
                new double[0]);
    }

    ScoredSequence(long index, boolean nextEvent, String unit, Object key, int session, int part, double score,
                   boolean anomaly, long[] lines, int step, long eventLine, int actual, String actualTemplate,
                   double probability, int[] expected, List<String> expectedTemplates, int scoredSteps,
                   int unexpectedSteps, long[] unexpectedLines, int[] unexpectedEvents, double[] unexpectedProbabilities) {
        this(index, nextEvent, unit, key, session, part, score, anomaly, lines, step, eventLine, actual, actualTemplate,
                probability, expected, expectedTemplates, scoredSteps, unexpectedSteps, unexpectedLines, unexpectedEvents,
                unexpectedProbabilities, false, null);
    }

    ScoredSequence(long index, boolean nextEvent, String unit, Object key, int session, int part, double score,
                   boolean anomaly, long[] lines, int step, long eventLine, int actual, String actualTemplate,
                   double probability, int[] expected, List<String> expectedTemplates, int scoredSteps,
                   int unexpectedSteps, long[] unexpectedLines, int[] unexpectedEvents, double[] unexpectedProbabilities,
                   boolean classNamed, String predictedLabel) {
        this.index = index;
        this.session = session;
        this.nextEvent = nextEvent;
        this.unit = unit;
        this.key = key;
        this.part = part;
        this.score = score;
        this.anomaly = anomaly;
        this.lines = lines;
        this.step = step;
        this.eventLine = eventLine;
        this.actual = actual;
        this.actualTemplate = actualTemplate;
        this.probability = probability;
        this.expected = expected;
        this.expectedTemplates = expectedTemplates;
        this.scoredSteps = scoredSteps;
        this.unexpectedSteps = unexpectedSteps;
        this.unexpectedLines = unexpectedLines;
        this.unexpectedEvents = unexpectedEvents;
        this.unexpectedProbabilities = unexpectedProbabilities;
        this.classNamed = classNamed;
        this.predictedLabel = predictedLabel;
        this.nextValue = false;
        this.feature = null;
        this.actualValue = Double.NaN;
        this.predictedValue = Double.NaN;
        this.deviation = Double.NaN;
    }

    private ScoredSequence(long index, String unit, Object key, int session, int part, double score, boolean anomaly,
                           long[] lines, int step, long eventLine, String feature, double actualValue,
                           double predictedValue, double deviation, int scoredSteps, int unexpectedSteps) {
        this.index = index;
        this.session = session;
        this.nextEvent = false;
        this.unit = unit;
        this.key = key;
        this.part = part;
        this.score = score;
        this.anomaly = anomaly;
        this.lines = lines;
        this.step = step;
        this.eventLine = eventLine;
        this.actual = -1;
        this.actualTemplate = null;
        this.probability = Double.NaN;
        this.expected = new int[0];
        this.expectedTemplates = new ArrayList<>();
        this.scoredSteps = scoredSteps;
        this.unexpectedSteps = unexpectedSteps;
        this.unexpectedLines = new long[0];
        this.unexpectedEvents = new int[0];
        this.unexpectedProbabilities = new double[0];
        this.classNamed = false;
        this.predictedLabel = null;
        this.nextValue = true;
        this.feature = feature;
        this.actualValue = actualValue;
        this.predictedValue = predictedValue;
        this.deviation = deviation;
    }

    /** The result of a next-value model (see {@link #toJson()}). */
    static ScoredSequence nextValue(long index, String unit, Object key, int session, int part, double score,
                                    boolean anomaly, long[] lines, int step, long eventLine, String feature,
                                    double actualValue, double predictedValue, double deviation, int scoredSteps,
                                    int unexpectedSteps) {
        return new ScoredSequence(index, unit, key, session, part, score, anomaly, lines, step, eventLine, feature,
                actualValue, predictedValue, deviation, scoredSteps, unexpectedSteps);
    }

    /**
     * One JSON object, with the keys and meaning of the rows of Python's {@code dl4j-bridge score}
     * ({@code BaseDetector.explain}): {@code index, key} (then {@code session} for one of a key's sessions a
     * {@code gap} separated, then {@code part} for a part of a split session), {@code score, flagged, line_numbers,
     * unexpected_steps, step, line_number}, then for next-event models {@code actual_event,
     * actual_line, expected_events, probability, actual_template, expected_templates} and, when
     * {@code unexpected_steps > 0}, {@code unexpected_lines} (a list of {@code {line, event, probability}}, the first
     * {@link io.dl4jbridge.DetectorScores#MAX_LISTED_UNEXPECTED} unexpected steps in step order) and, when more
     * were unexpected, {@code unexpected_lines_more} (how many are not listed); for classifiers
     * {@code predicted_class}, {@code predicted_label} (only when the label transform names its classes: the
     * name of {@code predicted_class}, null with it) and {@code probability}; for next-value models
     * {@code actual_line} (the record after {@code step}, whose values were predicted), {@code feature} (the target
     * furthest from its prediction), {@code actual_value}, {@code predicted_value} (normalised units) and
     * {@code deviation} (their difference in residual standard deviations), all null when no step was scored.
     */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", index);
        out.put("key", key);
        if (session >= 0) {
            out.put("session", session);
        }
        if (part >= 0) {
            out.put("part", part);
        }
        out.put("score", score);
        out.put("flagged", anomaly);
        out.put("line_numbers", java.util.Arrays.stream(lines).boxed().collect(java.util.stream.Collectors.toList()));
        out.put("unexpected_steps", unexpectedSteps);
        out.put("step", step);
        out.put("line_number", step >= 0 ? (Object) lines[step] : null);
        if (nextValue) {
            boolean none = step < 0;
            out.put("actual_line", none || eventLine < 0 ? null : (Object) eventLine);
            out.put("feature", none ? null : feature);
            out.put("actual_value", none ? null : (Object) actualValue);
            out.put("predicted_value", none ? null : (Object) predictedValue);
            out.put("deviation", none ? null : (Object) deviation);
        } else if (nextEvent) {
            if (step < 0) {
                out.put("actual_event", null);
                out.put("expected_events", new ArrayList<Object>());
                out.put("probability", null);
                out.put("actual_line", null);
            } else {
                out.put("actual_event", actual);
                out.put("actual_line", eventLine >= 0 ? (Object) eventLine : null);
                out.put("expected_events", java.util.Arrays.stream(expected).boxed().collect(java.util.stream.Collectors.toList()));
                out.put("probability", probability);
                out.put("actual_template", actualTemplate);
                out.put("expected_templates", new ArrayList<Object>(expectedTemplates));
            }
            if (unexpectedSteps > 0) {
                List<Object> listed = new ArrayList<>(unexpectedLines.length);
                for (int i = 0; i < unexpectedLines.length; i++) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("line", unexpectedLines[i] >= 0 ? (Object) unexpectedLines[i] : null);
                    entry.put("event", unexpectedEvents[i]);
                    entry.put("probability", unexpectedProbabilities[i]);
                    listed.add(entry);
                }
                out.put("unexpected_lines", listed);
                if (unexpectedSteps > unexpectedLines.length) {
                    out.put("unexpected_lines_more", unexpectedSteps - unexpectedLines.length);
                }
            }
        } else {
            out.put("predicted_class", step < 0 ? null : (Object) actual);
            if (classNamed) {
                out.put("predicted_label", step < 0 ? null : predictedLabel);
            }
            out.put("probability", step < 0 ? null : (Object) probability);
        }
        return JsonText.dumps(out);
    }
}
