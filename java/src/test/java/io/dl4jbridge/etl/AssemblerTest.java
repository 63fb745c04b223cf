package io.dl4jbridge.etl;

import org.junit.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Windows and sessions on synthetic steps: strides, next events, padding, idle session closing, split / truncate. */
public class AssemblerTest {
    private static Step step(long line, Object key, double time) {
        return new Step(new float[]{line}, (int) line % 7, 0, line, key, time);
    }

    private static List<Sequence> windows(int length, int stride, boolean next, boolean pad, int n) {
        WindowAssembler w = new WindowAssembler(length, stride, next, pad, 1);
        List<Sequence> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            w.add(step(i, null, 0), out::add);
        }
        w.finish(out::add);
        return out;
    }

    private static List<Object> keys(List<Sequence> sequences) {
        List<Object> out = new ArrayList<>();
        for (Sequence s : sequences) {
            out.add(s.key);
        }
        return out;
    }

    @Test
    public void windowsFollowStrideAndNextEvent() {
        assertEquals(Arrays.<Object>asList(1L, 6L, 11L, 16L), keys(windows(2, 5, false, false, 20)));
        assertEquals("a stride longer than the window skips steps", Arrays.<Object>asList(1L, 8L, 15L),
                keys(windows(3, 7, false, false, 20)));
        List<Sequence> next = windows(3, 1, true, false, 6);
        assertEquals(Arrays.<Object>asList(1L, 2L, 3L), keys(next));
        assertEquals(4 % 7, next.get(0).nextId);
        assertEquals(4L, next.get(0).nextLine);
        List<Sequence> padded = windows(5, 1, false, true, 3);
        assertEquals(1, padded.size());
        assertEquals(3, padded.get(0).length);
        assertEquals(5, padded.get(0).time);
        assertArrayEquals(new long[]{1, 2, 3, -1, -1}, padded.get(0).lineNumbers);
        assertEquals(0, windows(5, 1, false, false, 3).size());
    }

    @Test
    public void sessionsOrderByTimeThenLineAndCloseWhenIdle() {
        SessionAssembler atEnd = new SessionAssembler(null, 1, 0);
        List<Sequence> out = new ArrayList<>();
        atEnd.add(step(1, "a", 5.0), out::add);
        atEnd.add(step(2, "b", 1.0), out::add);
        atEnd.add(step(3, "a", 4.0), out::add);
        atEnd.add(step(4, null, 0.0), out::add);
        atEnd.add(step(5, "a", 4.0), out::add);
        assertEquals(0, out.size());
        atEnd.finish(out::add);
        assertEquals(Arrays.<Object>asList("a", "b"), keys(out));
        assertArrayEquals(new long[]{3, 5, 1}, out.get(0).lineNumbers);
        assertEquals(1, atEnd.recordsWithoutKey());

        SessionAssembler idle = new SessionAssembler(2, 1, 3);
        List<Sequence> early = new ArrayList<>();
        idle.add(step(1, "a", 0), early::add);
        idle.add(step(2, "b", 0), early::add);
        idle.add(step(3, "b", 0), early::add);
        assertEquals(0, early.size());
        idle.add(step(4, "b", 0), early::add);  // "a" has had no record for 3 lines
        assertEquals(Arrays.<Object>asList("a"), keys(early));
        idle.add(step(9, "a", 0), early::add);  // "b" idle since line 4; a new "a" starts
        assertEquals("b's 3 steps in parts of max_length 2", Arrays.<Object>asList("a", "b", "b"), keys(early));
        assertArrayEquals(new long[]{2, 3}, early.get(1).lineNumbers);
        assertArrayEquals(new long[]{4}, early.get(2).lineNumbers);
        assertEquals(-1, early.get(0).part);
        assertEquals(0, early.get(1).part);
        assertEquals(1, early.get(2).part);
        idle.finish(early::add);
        assertEquals(Arrays.<Object>asList("a", "b", "b", "a"), keys(early));
        assertEquals(2, idle.closedEarly());
        assertEquals(1, idle.splitSessions());
        assertEquals(1, idle.extraParts());
    }

    /**
     * --session-idle-lines: a key whose last record came idleLines lines ago starts a new session also when no other
     * key's record came in between (blank, bad or continuation lines, which reach no assembler): it used to be
     * appended to its old session, which was only closed when another key's record arrived.
     */
    @Test
    public void aKeyBackAfterIdleLinesOfNoRecordStartsANewSession() {
        SessionAssembler idle = new SessionAssembler(null, 1, 3);
        List<Sequence> out = new ArrayList<>();
        idle.add(step(1, "a", 0), out::add);
        idle.add(step(2, "b", 0), out::add);
        idle.add(step(5, "a", 0), out::add);   // lines 3, 4: blank; "a" has had no record on lines 2, 3, 4
        assertEquals("both idle sessions closed, least recent first", Arrays.<Object>asList("a", "b"), keys(out));
        assertArrayEquals(new long[]{1}, out.get(0).lineNumbers);
        idle.add(step(7, "a", 0), out::add);   // 2 lines later: the same new session
        idle.finish(out::add);
        assertEquals(Arrays.<Object>asList("a", "b", "a"), keys(out));
        assertArrayEquals(new long[]{5, 7}, out.get(2).lineNumbers);
        assertEquals(2, idle.closedEarly());
    }

    /**
     * --session-idle-lines N: a key's own record N lines after its last one has N - 1 lines without a record for it
     * between them, so it joins the open session (another key's record on that line makes N lines and closes it).
     * Closing it split the sessions of keys logging in turn: three keys in turn with N = 3, or one key on
     * consecutive lines with N = 1, made every record a session of its own.
     */
    @Test
    public void aKeysOwnRecordExactlyIdleLinesLaterJoinsItsSession() {
        SessionAssembler idle = new SessionAssembler(null, 1, 3);
        List<Sequence> out = new ArrayList<>();
        for (int line = 1; line <= 9; line++) {
            idle.add(step(line, "k" + (line - 1) % 3, 0), out::add);   // k0, k1, k2, k0, ...: each every 3 lines
        }
        assertEquals("no session is idle for 3 lines", 0, out.size());
        idle.finish(out::add);
        assertEquals(3, out.size());
        assertArrayEquals(new long[]{1, 4, 7}, out.get(0).lineNumbers);
        assertEquals(0, idle.closedEarly());

        SessionAssembler one = new SessionAssembler(null, 1, 1);
        List<Sequence> consecutive = new ArrayList<>();
        one.add(step(1, "a", 0), consecutive::add);
        one.add(step(2, "a", 0), consecutive::add);
        one.add(step(4, "a", 0), consecutive::add);   // line 3 (blank) had no record for it: a new session
        one.finish(consecutive::add);
        assertEquals(2, consecutive.size());
        assertArrayEquals(new long[]{1, 2}, consecutive.get(0).lineNumbers);
        assertArrayEquals(new long[]{4}, consecutive.get(1).lineNumbers);
    }

    /** As Python's Sessions: a session of 2.5 x max_length is 3 consecutive parts covering every line in time order. */
    @Test
    public void longSessionsAreSplitIntoPartsThatCoverEveryLine() {
        SessionAssembler s = new SessionAssembler(4, 1, 0);
        List<Sequence> out = new ArrayList<>();
        String[] keys = {"a", "b", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "a"};
        double[] times = {5, 0, 4, 6, 1, 7, 8, 9, 2, 10, 11, 12, 13};
        for (int i = 0; i < keys.length; i++) {
            long line = i + 1;
            s.add(new Step(new float[]{line}, (int) line, line == 13 ? 1 : 0, line, keys[i], times[i]), out::add);
        }
        assertEquals(0, out.size());
        s.finish(out::add);
        assertEquals(Arrays.<Object>asList("a", "a", "a", "b"), keys(out));
        assertArrayEquals(new long[]{3, 1, 4, 6}, out.get(0).lineNumbers);
        assertArrayEquals(new long[]{7, 8, 10, 11}, out.get(1).lineNumbers);
        assertArrayEquals(new long[]{12, 13}, out.get(2).lineNumbers);
        assertArrayEquals(new long[]{2, 5, 9}, out.get(3).lineNumbers);
        int[] parts = new int[4];
        int[] labels = new int[4];
        int[] lengths = new int[4];
        for (int i = 0; i < 4; i++) {
            parts[i] = out.get(i).part;
            labels[i] = out.get(i).label;
            lengths[i] = out.get(i).length;
        }
        assertArrayEquals(new int[]{0, 1, 2, -1}, parts);
        assertArrayEquals("a part's label: any anomalous step of the part", new int[]{0, 0, 1, 0}, labels);
        assertArrayEquals(new int[]{4, 4, 2, 3}, lengths);
        assertEquals(2, out.get(2).time);
        assertEquals(13f, out.get(2).x[1], 0f);
        assertEquals(1, s.splitSessions());
        assertEquals(2, s.extraParts());
        // each part but the last: the next part's first step is its next event (Python's next_ids, next_lines)
        long[] nextLines = new long[4];
        int[] nextIds = new int[4];
        for (int i = 0; i < 4; i++) {
            nextLines[i] = out.get(i).nextLine;
            nextIds[i] = out.get(i).nextId;
        }
        assertArrayEquals(new long[]{7, 12, -1, -1}, nextLines);
        assertArrayEquals("template id = line here", new int[]{7, 12, -1, -1}, nextIds);

        SessionAssembler exact = new SessionAssembler(3, 1, 0);   // within max_length: one sequence, no part
        List<Sequence> whole = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            exact.add(step(i, "k", i), whole::add);
        }
        exact.finish(whole::add);
        assertEquals(1, whole.size());
        assertEquals(-1, whole.get(0).part);
        assertEquals(0, exact.splitSessions());
        assertEquals(0, exact.extraParts());
    }

    /** Overflow "truncate" (specs saved before overflow): the first max_length steps in time order, the rest counted. */
    @Test
    public void truncateKeepsTheFirstStepsAndCountsWhatIsCut() {
        SessionAssembler s = new SessionAssembler(4, SessionAssembler.TRUNCATE, 1, 0);
        assertEquals("truncate", s.overflow());
        List<Sequence> out = new ArrayList<>();
        String[] keys = {"a", "b", "a", "a", "b", "a", "a", "a", "b", "a", "a", "a", "a", "c", "c", "c", "c", "c"};
        for (int i = 0; i < keys.length; i++) {
            long line = i + 1;
            s.add(new Step(new float[]{line}, (int) line, line == 13 ? 1 : 0, line, keys[i], line == 1 ? 50 : line),
                    out::add);
        }
        s.finish(out::add);
        assertEquals(Arrays.<Object>asList("a", "b", "c"), keys(out));
        assertArrayEquals("time order: line 1 (time 50) is a's last step, cut", new long[]{3, 4, 6, 7},
                out.get(0).lineNumbers);
        assertArrayEquals(new long[]{2, 5, 9}, out.get(1).lineNumbers);
        assertArrayEquals(new long[]{14, 15, 16, 17}, out.get(2).lineNumbers);
        for (Sequence q : out) {
            assertEquals(-1, q.part);
            assertEquals("a truncated session has no event after it", -1, q.nextId);
            assertEquals(-1L, q.nextLine);
        }
        assertEquals("the anomalous line 13 is cut: a's label is 0", 0, out.get(0).label);
        assertEquals(2, s.truncatedSessions());
        assertEquals("a: 10 steps, 6 cut; c: 5 steps, 1 cut", 7, s.truncatedRecords());
        assertEquals(0, s.splitSessions());
        assertEquals(0, s.extraParts());
        assertEquals("split", new SessionAssembler(4, 1, 0).overflow());
    }

    @Test(expected = SpecException.class)
    public void maxLengthBelowOneIsASpecError() {
        new SessionAssembler(0, 1, 0);   // a SpecException: exit 3 from the launcher, not 4 "unexpected"
    }

    @Test
    public void anUnknownOverflowIsASpecErrorNamingTheKey() {
        try {
            new SessionAssembler(4, "drop", 1, 0);
            fail("overflow 'drop' accepted");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("overflow") && e.getMessage().contains("'drop'"));
        }
    }
}
