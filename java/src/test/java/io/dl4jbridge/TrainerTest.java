package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

public class TrainerTest {
    private final TestData data = new TestData(128, 10, 42);

    @Test
    public void trainingLowersTheScoreAndRecordsEveryIteration() {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        FitResult r = Trainer.fit(net, data.x, data.ids, null, null, null, null, 6, 16, -1, 0, null, 1000);
        assertEquals(6, r.epochsCompleted);
        assertEquals(6 * 8, r.iterationScores.length);
        assertTrue(r.epochScores[5] < 0.8 * r.epochScores[0]);
        assertFalse(r.cancelled);
    }

    @Test
    public void aDivergingFitStopsWithAnErrorThatSaysWhatToChange() {
        // no clipping and an absurd learning rate: the parameters overflow float32 within a few minibatches
        MultiLayerNetwork net = NetworkFactory.build("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], "
                + "\"learning_rate\": 1e38, \"updater\": \"sgd\", \"gradient_normalization\": \"None\"}");
        try {
            Trainer.fit(net, data.x, data.ids, null, null, null, null, 5, 16, -1, 0, null, 1000);
            throw new AssertionError("a diverged fit returned normally");
        } catch (TrainingDivergedException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("lower the learning rate"));
        }
        assertEquals(0, net.getListeners().size());   // our listener is removed again
    }

    @Test
    public void sameSeedSameResult() {
        MultiLayerNetwork a = NetworkFactory.build(TestData.SPEC);
        MultiLayerNetwork b = NetworkFactory.build(TestData.SPEC);
        FitResult ra = Trainer.fit(a, data.x, data.ids, null, null, null, null, 2, 16, 7, 0, null, 1000);
        FitResult rb = Trainer.fit(b, data.x, data.ids, null, null, null, null, 2, 16, 7, 0, null, 1000);
        assertArrayEquals(ra.iterationScores, rb.iterationScores, 0);
        assertEquals(a.params(), b.params());
    }

    @Test
    public void shufflingLeavesTheCallersArraysAlone() {
        INDArray before = data.x.dup();
        Trainer.fit(NetworkFactory.build(TestData.SPEC), data.x, data.ids, null, null, null, null, 1, 16, 3, 0, null, 1000);
        assertEquals(before, data.x);
    }

    @Test
    public void callbackCancelsBetweenMinibatches() {
        AtomicInteger calls = new AtomicInteger();
        ProgressCallback stopAtThird = (epoch, iteration, score, epochEnd, val) -> calls.incrementAndGet() < 3;
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        FitResult r = Trainer.fit(net, data.x, data.ids, null, null, null, null, 5, 16, -1, 0, stopAtThird, 0);
        assertTrue(r.cancelled);
        assertEquals(3, r.iterationScores.length);
        assertEquals(0, r.epochsCompleted);
        assertEquals(0, net.getListeners().size());   // our listener is removed again
    }

    @Test
    public void validationScoresArePerEpoch() {
        TestData val = new TestData(32, 10, 7);
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        FitResult r = Trainer.fit(net, data.x, data.ids, null, val.x, val.ids, null, 3, 16, -1, 0, null, 1000);
        assertEquals(3, r.validationScores.length);
        assertTrue(r.validationScores[2] < r.validationScores[0]);
    }

    @Test
    public void predictionsAreChunkedWithoutChangingThem() {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        INDArray whole = Predictor.predict(net, data.x, null, 1000);
        INDArray chunked = Predictor.predict(net, data.x, null, 7);
        assertArrayEquals(new long[]{128, 2, 10}, chunked.shape());
        assertTrue(whole.equalsWithEps(chunked, 1e-6));
    }
}
