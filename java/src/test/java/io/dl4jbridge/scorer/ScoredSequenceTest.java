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
}
