package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashSet;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class PredictorTest {
    @Test
    public void forwardPassesRunAtFewBatchSizes() {
        // ND4J keeps native memory per array shape: a stream's parts of ever new sizes grew RSS without bound
        Set<Long> sizes = new HashSet<>();
        for (long n = 1; n <= 4096; n++) {
            long padded = Predictor.paddedSize(n, 4096);
            assertTrue(n + " -> " + padded, padded >= n && padded <= 4096);
            assertTrue(n + " -> " + padded, padded - n < Math.max(n, Predictor.PAD_STEP));   // at most doubles it
            sizes.add(padded);
        }
        assertEquals(24, sizes.size());   // 1, 2, 4, ..., 256, then 512, 768, ..., 4096
        assertEquals(1, Predictor.paddedSize(1, 4096));
        assertEquals(0, Predictor.paddedSize(0, 4096));
        assertEquals(8, Predictor.paddedSize(5, 4096));
        assertEquals(512, Predictor.paddedSize(257, 4096));
        assertEquals(1000, Predictor.paddedSize(999, 1000));   // never above the chunk
        assertEquals(5000, Predictor.paddedSize(5000, 4096));  // a whole chunk or more: as it is
        assertEquals(1, Predictor.paddedSteps(1));
        assertEquals(16, Predictor.paddedSteps(9));
        assertEquals(32, Predictor.paddedSteps(32));
        assertEquals(64, Predictor.paddedSteps(33));
        assertEquals(320, Predictor.paddedSteps(300));
    }

    @Test
    public void paddedPredictionsAreThoseOfTheExamplesAlone() {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        TestData data = new TestData(300, 10, 3);
        INDArray mask = Nd4j.ones(300, 10);
        for (int b = 0; b < 300; b++) {   // sessions of different lengths
            long length = 1 + b % 10;
            mask.get(NDArrayIndex.point(b), NDArrayIndex.interval(length, 10)).assign(0);
        }
        for (long n : new long[]{3, 5, 100, 257, 300}) {
            INDArray x = data.x.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
            INDArray m = mask.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup('c');
            INDArray padded = Predictor.predict(net, x, m, 4096);
            assertArrayEquals(new long[]{n, 2, 10}, padded.shape());
            INDArray alone = net.output(x, false, m, null);
            net.clearLayerMaskArrays();
            assertTrue(n + " examples", alone.equalsWithEps(padded, 1e-6));
            INDArray chunked = Predictor.predict(net, x, m, 7);   // chunks of 7 and a padded remainder
            assertTrue(n + " examples in chunks of 7", alone.equalsWithEps(chunked, 1e-6));
        }
    }

    @Test
    public void fullMasksAreNotPaddedInTime() {
        // windows: a mask of ones, the same length in every part; padding their steps only added work
        assertEquals(10, Predictor.stepsRun(Nd4j.ones(5, 10), 10));
        assertEquals(17, Predictor.stepsRun(Nd4j.ones(1, 17), 17));
        assertEquals(10, Predictor.stepsRun(null, 10));
        INDArray sessions = Nd4j.ones(5, 10);
        sessions.putScalar(3, 9, 0);   // a shorter session: the part's length is its longest's
        assertEquals(16, Predictor.stepsRun(sessions, 10));
    }

    @Test
    public void maskedSequencesArePaddedInTimeWithoutChangingTheirOutputs() {
        // sessions: each part's longest session sets its time length, a new shape each time
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        TestData data = new TestData(40, 300, 5);
        for (long time : new long[]{3, 5, 17, 257, 300}) {
            INDArray x = data.x.get(NDArrayIndex.interval(0, 9), NDArrayIndex.all(), NDArrayIndex.interval(0, time))
                    .dup('c');
            INDArray m = Nd4j.ones(9, time);
            m.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, time)).assign(0);   // a one-step session
            INDArray padded = Predictor.predict(net, x, m, 4096);   // 9 -> 16 examples, time -> 4, 8, 32, 288, 320
            assertArrayEquals(new long[]{9, 2, time}, padded.shape());
            INDArray alone = net.output(x, false, m, null);
            net.clearLayerMaskArrays();
            assertTrue(time + " steps", alone.equalsWithEps(padded, 1e-6));
        }
        INDArray x = data.x.get(NDArrayIndex.interval(0, 9), NDArrayIndex.all(), NDArrayIndex.interval(0, 5)).dup('c');
        assertArrayEquals(new long[]{9, 2, 5}, Predictor.predict(net, x, null, 4096).shape());   // no mask: as it is
    }
}
