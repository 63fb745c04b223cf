package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Sessions' {@code gap}: a silence longer than it ends a key's session (Python's {@code Sessions(gap=...)}). */
public class SessionGapTest {
    private static Step step(long line, Object key, double time) {
        return new Step(new float[]{line}, (int) line % 7, 0, line, key, time);
    }

    private static Step untimed(long line, Object key, double takenTime) {
        return new Step(new float[]{line}, (int) line % 7, 0, line, key, takenTime, false);
    }

    private static List<Sequence> run(SessionAssembler a, Step... steps) {
        List<Sequence> out = new ArrayList<>();
        for (Step s : steps) {
            a.add(s, out::add);
        }
        a.finish(out::add);
        return out;
    }

    private static String shape(List<Sequence> out) {
        StringBuilder b = new StringBuilder();
        for (Sequence s : out) {
            b.append(s.key).append('/').append(s.session).append('/').append(s.part)
                    .append(Arrays.toString(Arrays.copyOf(s.lineNumbers, s.length))).append(' ');
        }
        return b.toString().trim();
    }

    @Test
    public void aSilenceLongerThanTheGapStartsANewSessionOfTheKey() {
        SessionAssembler a = new SessionAssembler(null, "split", 60.0, 1, 0);
        List<Sequence> out = run(a, step(1, "a", 0), step(2, "b", 5), step(3, "a", 60), step(4, "a", 121),
                step(5, "b", 30), step(6, "a", 130));
        // 60 s after the previous record is not more than the gap; 61 s is
        assertEquals("a/0/-1[1, 3] a/1/-1[4, 6] b/-1/-1[2, 5]", shape(out));
        assertEquals(1, a.gapSessions());
        assertEquals("a new session, not a part: nothing carries its first event", -1, out.get(0).nextId);
        assertEquals(-1L, out.get(0).nextLine);
    }

    @Test
    public void eachSessionIsSplitAtMaxLengthApart() {
        SessionAssembler a = new SessionAssembler(2, "split", 10.0, 1, 0);
        List<Sequence> out = run(a, step(1, "k", 0), step(2, "k", 1), step(3, "k", 2), step(4, "k", 100));
        assertEquals("k/0/0[1, 2] k/0/1[3] k/1/-1[4]", shape(out));
        assertEquals("the parts of one session carry the next part's first event", 3L, out.get(0).nextLine);
        assertEquals("the last part of a session carries nothing into the next session", -1L, out.get(1).nextLine);
        assertEquals(1, a.splitSessions());
        assertEquals(1, a.extraParts());
        SessionAssembler cut = new SessionAssembler(2, "truncate", 10.0, 1, 0);
        assertEquals("k/0/-1[1, 2] k/1/-1[4]", shape(run(cut, step(1, "k", 0), step(2, "k", 1), step(3, "k", 2),
                step(4, "k", 100))));
        assertEquals(1, cut.truncatedRecords());
    }

    @Test
    public void aRecordWithoutItsOwnTimeStartsNoSessionAndTheGapIsMeasuredAcrossIt() {
        SessionAssembler a = new SessionAssembler(null, "split", 60.0, 1, 0);
        // line 2's time is missing: it took 500 (another key's), sorts between, and stays in the first session;
        // line 3 at 100 is 100 s after line 1, the last record with a time of its own
        List<Sequence> out = run(a, step(1, "a", 0), untimed(2, "a", 50), step(3, "a", 100));
        assertEquals("a/0/-1[1, 2] a/1/-1[3]", shape(out));
        // untimed records before any timed one stay in the first session
        assertEquals("a/-1/-1[1, 2, 3]", shape(run(new SessionAssembler(null, "split", 60.0, 1, 0),
                untimed(1, "a", 0), untimed(2, "a", 0), step(3, "a", 1000))));
    }

    @Test
    public void withoutAGapAKeyIsOneSession() {
        SessionAssembler a = new SessionAssembler(null, "split", null, 1, 0);
        assertEquals("a/-1/-1[1, 2]", shape(run(a, step(1, "a", 0), step(2, "a", 1e9))));
        assertEquals(0, a.gapSessions());
        assertNull(a.gap());
    }

    @Test
    public void aGapThatIsNoPositiveFiniteNumberIsRefusedWhenTheSpecIsRead() throws Exception {
        JsonNode vector = ParityVectors.read(ParityVectors.dir().resolve("etl_csv_sessions_gap.json").toFile());
        ObjectNode spec = (ObjectNode) vector.get("spec");
        ObjectNode seq = (ObjectNode) spec.get("sequence");
        assertEquals(600.0, EtlSpec.gap(seq), 0.0);
        for (String bad : new String[]{"0", "-5", "true", "\"600\"", "1e400"}) {
            ObjectNode edited = (ObjectNode) io.dl4jbridge.etl.JsonValues.MAPPER.readTree(spec.toString());
            ((ObjectNode) edited.get("sequence")).set("gap", io.dl4jbridge.etl.JsonValues.MAPPER.readTree(bad));
            try {
                EtlSpec.parse(edited.toString());
                fail("gap " + bad + " was read");
            } catch (SpecException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("Sessions gap must be a number of seconds > 0"));
            }
        }
        // a spec saved before gap existed (no key) reads as no gap
        seq.remove("gap");
        EtlSpec old = EtlSpec.parse(spec.toString());
        assertNull(((SessionAssembler) old.open("<lines>").assembler()).gap());
        // gap without a timestamp transform: refused, naming the setting
        ObjectNode noTime = (ObjectNode) io.dl4jbridge.etl.JsonValues.MAPPER.readTree(spec.toString());
        ((ObjectNode) noTime.get("sequence")).put("gap", 600.0);
        org.nd4j.shade.jackson.databind.node.ArrayNode kept = noTime.putArray("transforms");
        for (JsonNode t : spec.get("transforms")) {
            if (!"timestamp".equals(t.get("kind").asText())) {
                kept.add(t);
            }
        }
        org.nd4j.shade.jackson.databind.node.ArrayNode names = noTime.putArray("feature_names");
        for (JsonNode name : spec.get("feature_names")) {
            if (!name.asText().startsWith("time_")) {
                names.add(name);
            }
        }
        try {
            EtlSpec.parse(noTime.toString());
            fail("gap without a timestamp transform was read");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no timestamp transform")
                    && e.getMessage().contains("[sequence] gap"));
        }
    }

    @Test
    public void aMissingOrUnparsableTimeMarksItsStepUntimed() throws Exception {
        JsonNode vector = ParityVectors.read(ParityVectors.dir().resolve("etl_csv_sessions_gap.json").toFile());
        EtlSpec spec = EtlSpec.parse(vector.get("spec").toString());
        EtlStream stream = spec.open("<lines>");
        List<Sequence> out = new ArrayList<>();
        for (String line : new String[]{"timestamp,host,service,message,bytes,label",
                "05/03/2024 01:00:00,web-01,sshd,first,1,0", ",web-01,sshd,no time,1,0",
                "soon,web-01,sshd,bad time,1,0", "05/03/2024 01:20:00,web-01,sshd,later,1,0"}) {
            stream.accept(line, out::add);
        }
        stream.finish(out::add);
        assertEquals("web/0/-1[2, 3, 4] web/1/-1[5]", shape(out));
        assertArrayEquals(new long[]{1}, new long[]{((SessionAssembler) stream.assembler()).gapSessions()});
    }
}
