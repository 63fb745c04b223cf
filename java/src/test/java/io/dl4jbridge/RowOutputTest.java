package io.dl4jbridge;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

/**
 * An interrupted {@code score}'s summary counts the sequences whose rows reached the output: its scoring thread
 * runs on after the shutdown hook's flush, and the summary counted those sequences too (rows 354, sequences 411).
 */
public class RowOutputTest {
    @Test
    public void sequencesCountOnceTheirRowsAreOutAndNotAfterTheHooksFlush() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RowOutput rows = new RowOutput(bytes, "standard output");
        rows.sequence("{\"index\":0}", true, false);
        rows.sequence(null, false, true);   // not flagged, no row (without --all)
        assertEquals("gathered, not out yet", 0, rows.writtenSequences());
        rows.flush();
        assertEquals(2, rows.writtenSequences());
        assertEquals(1, rows.writtenFlagged());
        assertEquals(1, rows.writtenUnjudged());
        rows.sequence("{\"index\":2}", true, false);
        rows.sequence(null, false, false);
        assertEquals(true, rows.interrupted(2000));   // the shutdown hook: what was gathered goes out
        rows.sequence("{\"index\":4}", true, false);   // the scoring thread runs on: neither written nor counted
        rows.sequence(null, false, false);
        assertEquals(4, rows.writtenSequences());
        assertEquals(2, rows.writtenFlagged());
        assertEquals(1, rows.writtenUnjudged());
        assertEquals(2, rows.written());
        assertEquals("{\"index\":0}\n{\"index\":2}\n", new String(bytes.toByteArray(), StandardCharsets.UTF_8));
    }
}
