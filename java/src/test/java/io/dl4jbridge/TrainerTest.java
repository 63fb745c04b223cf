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
        INDArray mask = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 128, 10);
        mask.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 64), org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 10))
                .assign(0);
        INDArray maskBefore = mask.dup();
        INDArray idsBefore = data.ids.dup();
        Trainer.fit(NetworkFactory.build(TestData.SPEC), data.x, data.ids, mask, null, null, null, 1, 16, 3, 0, null, 1000);
        assertEquals(before, data.x);
        assertEquals(maskBefore, mask);
        assertEquals(idsBefore, data.ids);
        // with a normalizer the features the loop shuffles are its own normalised copy; the caller's stay as given
        Trainer.fit(NetworkFactory.build(TestData.SPEC), Normalizers.fitStandardize(data.x, mask), data.x, data.ids, mask,
                null, null, null, null, null, 1, 16, 3, 0, null, 1000);
        assertEquals(before, data.x);
        assertEquals(maskBefore, mask);
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
    public void aFitEndedByAnExceptionLeavesNoMaskOnTheLayers() {
        // Python's Ctrl-C arrives as an exception out of the progress callback, mid-minibatch: DL4J's fit never
        // cleared that minibatch's mask, and every later unmasked output of its size was masked by it.
        INDArray mask = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 128, 10);
        mask.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 10))
                .assign(0);
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        ProgressCallback interrupted = (epoch, iteration, score, epochEnd, val) -> {
            throw new IllegalStateException("KeyboardInterrupt");
        };
        try {
            Trainer.fit(net, data.x, data.ids, mask, null, null, null, 2, 16, -1, 0, interrupted, 0);
            throw new AssertionError("the callback's exception was swallowed");
        } catch (IllegalStateException expected) {
            assertEquals("KeyboardInterrupt", expected.getMessage());
        }
        INDArray x16 = data.x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 16),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        INDArray after = Predictor.predict(net, x16, null, 1000);
        net.clearLayerMaskArrays();
        assertEquals(net.output(x16, false), after);
        assertTrue(after.sum(1).sub(1.0).amaxNumber().doubleValue() < 1e-5);   // a distribution at every step
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
