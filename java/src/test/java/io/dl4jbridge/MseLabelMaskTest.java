package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * How DL4J 1.0.0-M2.1's MSE {@code RnnOutputLayer} takes a label mask other than 0/1, and the per-step weights of a
 * next-value fit built on it ({@link Trainer#weighNextValueLabels}).
 */
public class MseLabelMaskTest {
    private static final String SPEC = spec(1);

    private static String spec(int nOut) {
        return "{\"n_in\": 2, \"n_out\": " + nOut + ", \"hidden_sizes\": [4], \"seed\": 3, \"loss\": \"MSE\", "
                + "\"output_activation\": \"identity\", \"updater\": \"sgd\", \"learning_rate\": 0.1}";
    }

    /** The network's gradient (all parameters) then its score on {@code d}, without an update. */
    private static double[] gradientAndScore(MultiLayerNetwork net, DataSet d) {
        net.setInput(d.getFeatures());
        net.setLabels(d.getLabels());
        net.setLayerMaskArrays(d.getFeaturesMaskArray(), d.getLabelsMaskArray());
        net.computeGradientAndScore();
        double[] g = net.gradient().gradient().castTo(DataType.DOUBLE).dup().data().asDouble();
        double[] out = java.util.Arrays.copyOf(g, g.length + 1);
        out[g.length] = net.score();
        return out;
    }

    private static double maxDifference(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** Two copies of one sequence [2, 2 features, 4 steps]: feature 0 is the target. */
    private static INDArray twice() {
        INDArray one = Nd4j.create(new float[]{0.5f, -1f, 0.3f, 0.9f, /* */ 1f, 0.2f, -0.4f, 0.1f}, new long[]{1, 2, 4},
                'c');
        return Nd4j.concat(0, one, one);
    }

    @Test
    public void aLabelMaskOf2IsNotThatStepTwice() {
        // DL4J multiplies the output layer's pre-activations by the label mask too (BaseLayer.preOutput), not only
        // the MSE score array and gradient: a fractional mask is no per-step weight
        MultiLayerNetwork net = NetworkFactory.build(SPEC);
        INDArray x = twice();
        INDArray[] labels = DetectorScoring.nextValueLabels(x, null, new int[]{0});
        INDArray weighted = Nd4j.create(new float[]{1, 2, 1, 0, /* */ 0, 0, 0, 0}, new long[]{2, 4}, 'c');
        INDArray repeated = Nd4j.create(new float[]{1, 1, 1, 0, /* */ 0, 1, 0, 0}, new long[]{2, 4}, 'c');
        double[] a = gradientAndScore(net, new DataSet(x, labels[0], null, weighted));
        double[] b = gradientAndScore(net, new DataSet(x, labels[0], null, repeated));
        assertTrue("a label mask of 2 weighs the step as 2 copies: then weighNextValueLabels is not needed",
                Math.abs(a[a.length - 1] - b[b.length - 1]) > 1e-3 && maxDifference(a, b) > 1e-3);
    }

    @Test
    public void aWeightOf2IsThatStepTwice() {
        aWeightOf2IsThatStepTwice(new int[]{0});
        // two outputs: a [batch, time] mask is not per-output then, and DL4J masks the gradient once less
        aWeightOf2IsThatStepTwice(new int[]{1, 0});
    }

    private static void aWeightOf2IsThatStepTwice(int[] targets) {
        MultiLayerNetwork net = NetworkFactory.build(spec(targets.length));
        INDArray x = twice();
        INDArray weighted = Nd4j.create(new float[]{1, 2, 1, 1, /* */ 0, 0, 0, 0}, new long[]{2, 4}, 'c');
        INDArray repeated = Nd4j.create(new float[]{1, 1, 1, 1, /* */ 0, 1, 0, 0}, new long[]{2, 4}, 'c');
        double[] a = gradientAndScore(net, Trainer.nextValueDataSet(x, null, targets, weighted));
        double[] b = gradientAndScore(net, Trainer.nextValueDataSet(x, null, targets, repeated));
        assertEquals(b[b.length - 1], a[a.length - 1], 1e-6);
        assertTrue(targets.length + " output(s): gradients differ by " + maxDifference(a, b),
                maxDifference(a, b) < 1e-5);
        // a fractional weight is the same share of the step: 0.5 on every step is half the loss of weight 1
        INDArray half = Nd4j.valueArrayOf(new long[]{2, 4}, 0.5f, DataType.FLOAT);
        double[] h = gradientAndScore(net, Trainer.nextValueDataSet(x, null, targets, half));
        double[] u = gradientAndScore(net, Trainer.nextValueDataSet(x, null, targets, null));
        for (int i = 0; i < h.length; i++) {
            assertEquals(u[i] / 2, h[i], 1e-6);
        }
    }

    @Test
    public void weightsOf1LeaveTheLabelsAsTheyAre() {
        INDArray x = twice();
        DataSet plain = Trainer.nextValueDataSet(x, null, new int[]{0});
        DataSet ones = Trainer.nextValueDataSet(x, null, new int[]{0}, Nd4j.ones(DataType.FLOAT, 2, 4));
        assertArrayEquals(plain.getLabels().data().asFloat(), ones.getLabels().data().asFloat(), 0f);
        INDArray perOutput = ones.getLabelsMaskArray();
        assertArrayEquals(new long[]{2, 1, 4}, perOutput.shape());
        assertArrayEquals(plain.getLabelsMaskArray().data().asFloat(), perOutput.data().asFloat(), 0f);
    }

    @Test
    public void negativeOrWronglyShapedWeightsAreRefused() {
        INDArray x = twice();
        try {
            Trainer.nextValueDataSet(x, null, new int[]{0},
                    Nd4j.create(new float[]{1, 1, -1, 1, 1, 1, 1, 1}, new long[]{2, 4}, 'c'));
            fail("a negative weight must be refused");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("[batch 0, step 2]"));
        }
        try {
            Trainer.nextValueDataSet(x, null, new int[]{0}, Nd4j.ones(DataType.FLOAT, 2, 3));
            fail("weights of another shape must be refused");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("[2, 4]"));
        }
    }

    @Test
    public void weightedResidualVariancesAreThoseOfRepeatedSequences() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC);
        INDArray one = twice().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray other = one.mul(-0.5).add(0.2);
        INDArray pair = Nd4j.concat(0, one, other);
        INDArray three = Nd4j.concat(0, one, one, other);
        double[] weighted = DetectorScoring.nextValueResidualVariances(net, null, pair, null, new int[]{0},
                new double[]{2, 1});
        double[] repeated = DetectorScoring.nextValueResidualVariances(net, null, three, null, new int[]{0});
        assertEquals(repeated[0], weighted[0], 1e-9);
        double[] none = DetectorScoring.nextValueResidualVariances(net, null, pair, null, new int[]{0},
                new double[]{0, 0});
        assertTrue(Double.isNaN(none[0]));
    }
}
