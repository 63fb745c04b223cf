package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Long inference calls ask their caller before each chunk whether to stop (Python's Ctrl-C, a notebook's interrupt). */
public class InterruptionTest {
    private static final String SPEC = "{\"n_in\": 3, \"n_out\": 3, \"hidden_sizes\": [4], \"seed\": 7}";
    private static final String CLASSIFIER = "{\"kind\": \"sequence_classifier\", \"positive_classes\": [1], \"aggregation\": \"max\"}";

    private static BooleanSupplier stopAtCall(int call, AtomicInteger calls) {
        return () -> calls.incrementAndGet() >= call;
    }

    @Test
    public void scoringStopsBeforeTheNextChunkWhenAskedAndOtherwiseScoresAsWithoutACheck() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC);
        int batch = DetectorScoring.CHUNK + 5;   // two chunks
        INDArray x = Nd4j.rand(new int[]{batch, 3, 4});
        AtomicInteger calls = new AtomicInteger();
        try {
            DetectorScoring.score(net, null, x, null, null, null, CLASSIFIER, false, stopAtCall(2, calls));
            fail("not stopped");
        } catch (CancellationException e) {
            assertEquals(2, calls.get());
            assertTrue(e.getMessage(), e.getMessage().contains("scoring stopped by the caller after "
                    + DetectorScoring.CHUNK + " of " + batch + " sequences"));
        }
        AtomicInteger never = new AtomicInteger();
        double[] checked = DetectorScoring.score(net, null, x, null, null, null, CLASSIFIER, false, () -> {
            never.incrementAndGet();
            return false;
        }).scores;
        assertEquals(2, never.get());   // asked once per chunk
        assertArrayEquals(DetectorScoring.score(net, null, x, null, null, null, CLASSIFIER, false).scores, checked, 0);
    }

    @Test
    public void predictionStopsBeforeTheNextChunkWhenAsked() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC);
        INDArray x = Nd4j.rand(new int[]{7, 3, 4});
        AtomicInteger calls = new AtomicInteger();
        try {
            Predictor.classify(net, null, x, null, 2, stopAtCall(3, calls));
            fail("not stopped");
        } catch (CancellationException e) {
            assertEquals(3, calls.get());
            assertTrue(e.getMessage(), e.getMessage().contains("prediction stopped by the caller after 4 of 7"));
        }
        try {   // one chunk: asked once, before it
            Predictor.predict(net, null, x, null, 4096, () -> true);
            fail("not stopped");
        } catch (CancellationException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("after 0 of 7"));
        }
        INDArray plain = Predictor.predict(net, null, x, null, 2);
        assertEquals(plain, Predictor.predict(net, null, x, null, 2, () -> false));
    }
}
