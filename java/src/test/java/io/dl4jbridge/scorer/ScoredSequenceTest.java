package io.dl4jbridge.scorer;

import org.junit.Test;

import java.util.Arrays;
import java.util.Collections;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** A row's {@code actual_line} and what counts as unjudged, as Python's {@code explain} and {@code cli} say. */
public class ScoredSequenceTest {
    private static ScoredSequence row(int part, int step, long eventLine, int scoredSteps) {
        return new ScoredSequence(0, true, "window", 1L, part, 1.0, true, new long[]{1, 2, 4}, step, eventLine, 7,
                "t", 0.01, new int[]{1}, Collections.singletonList("u"), scoredSteps, scoredSteps);
    }

    @Test
    public void actualLineIsTheLineOfTheEventAfterTheStepAlsoAfterTheLastStep() {
        assertTrue(row(-1, 1, 4, 3).toJson().contains("\"actual_line\": 4,"));
        // the last step predicts the record after the window: its line, though it is in no line_numbers
        assertTrue(row(-1, 2, 9, 3).toJson().contains("\"actual_line\": 9,"));
        // unknown (no record after it kept): null, never guessed
        assertTrue(row(-1, 2, -1, 3).toJson().contains("\"actual_line\": null,"));
        assertTrue(row(-1, -1, -1, 0).toJson().contains("\"actual_line\": null"));
    }

    @Test
    public void aLaterPartWithNoStepOfItsOwnIsNotUnjudgedItsEventWasJudgedByThePartBefore() {
        assertTrue("a one-event session", ScoringStream.isUnjudged(row(-1, -1, -1, 0)));
        assertTrue("a one-event part 0 (max_length 1 and nothing after it)", ScoringStream.isUnjudged(row(0, -1, -1, 0)));
        for (int part : Arrays.asList(1, 2)) {
            assertFalse(ScoringStream.isUnjudged(row(part, -1, -1, 0)));
        }
        assertFalse(ScoringStream.isUnjudged(row(-1, 0, 2, 1)));
    }

    @Test
    public void aNextValueModelsOneRecordLaterPartIsUnjudgedNothingJudgesAcrossParts() {
        for (int part : Arrays.asList(-1, 0, 1, 2)) {
            assertTrue("part " + part, ScoringStream.isUnjudged(ScoredSequence.nextValue(0, "session", "k", -1, part,
                    0.0, false, new long[]{5}, -1, -1, null, Double.NaN, Double.NaN, Double.NaN, 0, 0)));
        }
        assertFalse(ScoringStream.isUnjudged(ScoredSequence.nextValue(0, "session", "k", -1, 1, 0.5, false,
                new long[]{5, 6}, 0, 6, "bytes", 0.1, 0.2, -0.1, 1, 0)));
    }

    @Test
    public void theUnjudgedWarningSaysWhatTheModelJudges() {
        assertTrue(ScoreSummary.unjudgedWarning(2).contains("sessions of one event"));
        assertTrue(ScoreSummary.unjudgedWarning(2, "next_event").equals(ScoreSummary.unjudgedWarning(2)));
        String value = ScoreSummary.unjudgedWarning(2, "next_value");
        assertTrue(value, value.startsWith("2 sequence(s) had no step to judge (sequences of one record: a next-value")
                && value.contains("[sequence] kind = \"windows\") with a stride") && !value.contains("next_event"));
    }

    private static ScoredSequence classified(int step, boolean named, String label) {
        return new ScoredSequence(0, false, "window", 1L, -1, -1, 0.25, false, new long[]{1, 2}, step, 2, 4, null, 0.25,
                new int[0], Collections.<String>emptyList(), 2, 0, new long[0], new int[0], new double[0], named, label);
    }

    /** A classifier's row names its predicted class after {@code predicted_class} when the label transform names
     *  the classes, escaped as Python's {@code json.dumps(ensure_ascii=False)}; absent when they have no names. */
    @Test
    public void classifierRowsNameThePredictedClassAsPythonWritesIt() {
        String odd = "say \"hi\" tab\tback\\slash \u2028\u00d6\ud83d\udca5";
        String row = classified(1, true, odd).toJson();
        // json.dumps('say "hi" tab\tback\\slash \u2028Ö💥', ensure_ascii=False)
        assertTrue(row, row.endsWith("\"line_number\": 2, \"predicted_class\": 4, \"predicted_label\": "
                + "\"say \\\"hi\\\" tab\\tback\\\\slash \u2028\u00d6\ud83d\udca5\", \"probability\": 0.25}"));
        assertTrue(classified(1, true, "3").toJson().contains("\"predicted_label\": \"3\", "));
        String none = classified(-1, true, "3").toJson();
        assertTrue(none, none.endsWith("\"predicted_class\": null, \"predicted_label\": null, \"probability\": null}"));
        assertFalse(classified(1, false, null).toJson().contains("predicted_label"));
    }

    /** Every unexpected step's line, event and probability, in step order, after the deciding step's fields. */
    @Test
    public void unexpectedLinesListEveryUnexpectedStepAndCountTheRest() {
        ScoredSequence r = new ScoredSequence(0, true, "session", "n1", -1, -1, 3.0, true, new long[]{1, 2, 4, 5}, 0, 2,
                7, "t", 0.01, new int[]{1}, Collections.singletonList("u"), 4, 3, new long[]{2, 5}, new int[]{7, 0},
                new double[]{0.01, 0.25});
        assertTrue(r.toJson(), r.toJson().endsWith("\"expected_templates\": [\"u\"], \"unexpected_lines\": [{\"line\": 2, "
                + "\"event\": 7, \"probability\": 0.01}, {\"line\": 5, \"event\": 0, \"probability\": 0.25}], "
                + "\"unexpected_lines_more\": 1}"));
        ScoredSequence unknown = new ScoredSequence(0, true, "window", 1L, -1, -1, 1.0, true, new long[]{1, 2}, 1, -1,
                7, "t", 0.01, new int[]{1}, Collections.singletonList("u"), 1, 1, new long[]{-1}, new int[]{7},
                new double[]{0.01});
        assertTrue(unknown.toJson(), unknown.toJson().endsWith(
                "\"unexpected_lines\": [{\"line\": null, \"event\": 7, \"probability\": 0.01}]}"));
        ScoredSequence none = new ScoredSequence(0, true, "window", 1L, -1, -1, 0.0, false, new long[]{1, 2}, 1, 3,
                7, "t", 0.6, new int[]{7}, Collections.singletonList("t"), 1, 0, new long[0], new int[0], new double[0]);
        assertFalse(none.toJson(), none.toJson().contains("unexpected_lines"));
    }
}
