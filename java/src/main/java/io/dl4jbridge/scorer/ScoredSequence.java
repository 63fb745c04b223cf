package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.JsonText;
import io.dl4jbridge.etl.PyCompat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result for one window or session: score, flag, its raw line numbers and, for next-event
 * models, the unexpected event and the expected ones.
 */
public final class ScoredSequence {
    /** "window" or "session". */
    public final String unit;
    /** Window: line number of its first step; session: the session key. */
    public final Object key;
    public final double score;
    /** {@code score > threshold}. */
    public final boolean anomaly;
    /** Raw line numbers of the real steps, in step order. */
    public final long[] lines;
    /** The step that explains the score (index into {@link #lines}), -1 when none was scored. */
    public final int step;
    /** Raw line of that step's event (next event: the line of the event that was (un)expected). */
    public final long eventLine;
    /** Next event: the actual event id; classifier: the most probable class at {@link #step}. */
    public final int actual;
    public final String actualTemplate;
    /** Probability given to {@link #actual} (next event) or P(anomalous) (classifier). */
    public final double probability;
    /** Next event: the top-g expected event ids, most probable first; empty for the classifier. */
    public final int[] expected;
    public final List<String> expectedTemplates;
    /** Steps that counted in the score and, of these, the unexpected (or P >= 0.5) ones. */
    public final int scoredSteps;
    public final int unexpectedSteps;
    /** True for next-event models (the detail names events), false for classifiers. */
    public final boolean nextEvent;

    ScoredSequence(boolean nextEvent, String unit, Object key, double score, boolean anomaly, long[] lines, int step, long eventLine,
                   int actual, String actualTemplate, double probability, int[] expected,
                   List<String> expectedTemplates, int scoredSteps, int unexpectedSteps) {
        this.nextEvent = nextEvent;
        this.unit = unit;
        this.key = key;
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
    }

    /** One JSON object (the line the launcher prints). */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(unit, unit.equals("window") ? key : PyCompat.str(key));
        out.put("score", score);
        out.put("anomaly", anomaly);
        List<Object> lineList = new ArrayList<>();
        for (long l : lines) {
            lineList.add(l);
        }
        out.put("lines", lineList);
        out.put("scored_steps", scoredSteps);
        out.put("unexpected_steps", unexpectedSteps);
        if (step >= 0) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("step", step);
            detail.put("line", eventLine);
            if (nextEvent) {
                detail.put("unexpected", unexpectedSteps > 0);
                detail.put("event", actual);
                detail.put("template", actualTemplate);
                detail.put("probability", probability);
                List<Object> exp = new ArrayList<>();
                for (int i = 0; i < expected.length; i++) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("event", expected[i]);
                    e.put("template", expectedTemplates.get(i));
                    exp.add(e);
                }
                detail.put("expected", exp);
            } else {
                detail.put("class", actual);
                detail.put("probability", probability);
            }
            out.put("detail", detail);
        }
        return JsonText.dumpsCompact(out);
    }
}
