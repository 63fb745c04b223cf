package io.dl4jbridge.etl;

import org.junit.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * A timestamp whose {@code delta_by} is the session key: a session's steps are in time order, and each step's delta is
 * measured from the step before it in that order (Python's {@code sequences.session_order_deltas}), not from the key's
 * previous record in read order; windows keep read order.
 */
public class SessionDeltaOrderTest {
    private static String spec(String sequence) {
        return "{\"format\": \"dl4j_bridge.etl.pipeline\", \"version\": 4, \"reader\": {\"kind\": \"csv\", \"types\": {},"
                + " \"mode\": \"strict\", \"chunk_lines\": 100000, \"encoding\": \"utf-8\", \"fields\": {\"node\": "
                + "[\"node\"], \"time\": [\"time\"]}, \"delimiter\": \",\"}, \"transforms\": [{\"kind\": \"timestamp\", "
                + "\"column\": [\"time\"], \"format\": \"%s\", \"year\": null, \"delta_by\": \"node\", \"missing\": "
                + "\"previous\", \"name\": \"time\"}], \"sequence\": " + sequence + ", \"split\": null, \"schema\": "
                + "[{\"name\": \"node\", \"type\": \"categorical\", \"nullable\": false}, {\"name\": \"time\", \"type\": "
                + "\"integer\", \"nullable\": false}], \"feature_names\": [\"time_delta_log\", \"time_hour_sin\", "
                + "\"time_hour_cos\", \"time_dow_sin\", \"time_dow_cos\"], \"n_fit_records\": 3}";
    }

    private static final String SESSIONS = "{\"kind\": \"sessions\", \"key\": \"node\", \"max_length\": null, "
            + "\"overflow\": \"split\", \"gap\": null}";

    private static List<Sequence> run(EtlStream stream, String... lines) {
        List<Sequence> out = new ArrayList<>();
        for (String line : lines) {
            stream.accept(line, out::add);
        }
        stream.finish(out::add);
        return out;
    }

    /** The real steps' gaps in seconds (expm1 of time_delta_log), rounded. */
    private static double[] gaps(Sequence s) {
        double[] g = new double[s.length];
        for (int t = 0; t < s.length; t++) {
            g[t] = Math.round(Math.expm1(s.x[t * s.features]));
        }
        return g;
    }

    @Test
    public void aSessionsGapsAreMeasuredInItsTimeOrderNotInReadOrder() {
        EtlStream stream = EtlSpec.parse(spec(SESSIONS)).open("<lines>", "strict", null, 0);
        // node-1 at 1000, 3000, 2000 (lines 2, 3, 4); node-2's records interleave, in order
        List<Sequence> out = run(stream, "node,time", "n1,1000", "n2,1500", "n1,3000", "n1,2000", "n2,1600");
        assertEquals(2, out.size());
        assertArrayEquals(new long[]{2, 5, 4}, Arrays.copyOf(out.get(0).lineNumbers, 3));
        // in read order they were 0, 2000 and a "backward" 0
        assertArrayEquals(new double[]{0, 1000, 1000}, gaps(out.get(0)), 0.0);
        assertArrayEquals(new double[]{0, 100}, gaps(out.get(1)), 0.0);
        TimestampTransform t = (TimestampTransform) stream.transforms().get(0);
        assertEquals("nothing is backward in the order the session uses", 0, t.backwardTimes());
    }

    @Test
    public void aKeysSessionTheIdleRuleOpensAgainMeasuresFromTheClosedOnesLastRecordRead() {
        // idle closing (endless input): node-1's first session closes after 2 lines without it; its next record
        // measures from its time before, as when read in order
        EtlStream stream = EtlSpec.parse(spec(SESSIONS)).open("<lines>", "strict", null, 2);
        List<Sequence> out = run(stream, "node,time", "n1,1000", "n1,1200", "n2,1300", "n2,1400", "n1,1700",
                "n1,1600");
        Sequence again = out.get(out.size() - 1);
        assertEquals("n1", again.key);
        assertArrayEquals(new long[]{7, 6}, Arrays.copyOf(again.lineNumbers, 2));
        assertArrayEquals(new double[]{400, 100}, gaps(again), 0.0);
    }

    @Test
    public void windowsKeepTheReadOrderAndCountTheTimesThatGoBack() {
        EtlStream stream = EtlSpec.parse(spec("{\"kind\": \"windows\", \"length\": 3, \"stride\": 1}"))
                .open("<lines>", "strict", null, 0);
        List<Sequence> out = run(stream, "node,time", "n1,1000", "n1,3000", "n1,2000");
        assertEquals(1, out.size());
        assertArrayEquals(new double[]{0, 2000, 0}, gaps(out.get(0)), 0.0);
        TimestampTransform t = (TimestampTransform) stream.transforms().get(0);
        assertEquals(1, t.backwardTimes());
        assertTrue(t.backwardWarning("x").contains("(first: line 4, '2000')"));
    }
}
