package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

public class RandomStatesTest {
    private static final String DROPOUT = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], \"dropout\": 0.3, \"seed\": 5}";
    private final TestData data = new TestData(128, 10, 42);

    @Test
    public void aStateSetAgainDrawsTheSameNumbers() {
        long[] state = RandomStates.current();
        double first = Nd4j.rand(1, 50).sumNumber().doubleValue();
        assertNotEquals(state[1], RandomStates.current()[1]);
        RandomStates.set(state);
        assertEquals(first, Nd4j.rand(1, 50).sumNumber().doubleValue(), 0);
    }

    @Test
    public void theStateAfterInitIsTheBuildsAndLeavesThisThreadsGeneratorAlone() {
        long[] built = new long[2];
        MultiLayerNetwork net = RandomStates.build(DROPOUT, built);
        Nd4j.getRandom().setSeed(99);
        long[] now = RandomStates.current();
        assertArrayEquals(built, RandomStates.afterInit(net));
        assertArrayEquals(now, RandomStates.current());
    }

    @Test
    public void withItsStateADropoutFitDoesNotDependOnTheGeneratorsStateBefore() {
        long[] stateA = new long[2];
        long[] stateB = new long[2];
        MultiLayerNetwork a = RandomStates.build(DROPOUT, stateA);
        MultiLayerNetwork b = RandomStates.build(DROPOUT, stateB);
        assertArrayEquals(stateA, stateB);
        FitResult ra = fit(a, stateA);
        Nd4j.getRandom().setSeed(12345);   // what another network's build would do
        FitResult rb = fit(b, stateB);
        assertArrayEquals(ra.iterationScores, rb.iterationScores, 0);
        assertEquals(a.params(), b.params());
        assertArrayEquals(stateA, stateB);   // the end states, written back
        Nd4j.getRandom().setSeed(7);
        MultiLayerNetwork c = NetworkFactory.build(DROPOUT);
        Nd4j.getRandom().setSeed(7);
        FitResult rc = fit(c, null);         // no state: the generator as it is decides
        assertNotEquals(ra.iterationScores[3], rc.iterationScores[3], 0);
    }

    private FitResult fit(MultiLayerNetwork net, long[] state) {
        return Trainer.fit(net, null, data.x, data.ids, null, null, null, null, null, null, 2, 16, -1, 0, null, 1000,
                state);
    }
}
