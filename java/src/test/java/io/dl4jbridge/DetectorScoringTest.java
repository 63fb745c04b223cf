package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Collections;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class DetectorScoringTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final String SPEC5 = "{\"n_in\": 5, \"n_out\": 5, \"hidden_sizes\": [6], \"seed\": 7}";

    /** One-hot events [batch, 5, time]. */
    private static INDArray oneHot(int[][] ids) {
        int time = ids[0].length;
        INDArray x = Nd4j.zeros(ids.length, 5, time);
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < time; t++) {
                if (ids[b][t] >= 0) {
                    x.putScalar(new int[]{b, ids[b][t], t}, 1.0);
                }
            }
        }
        return x;
    }

    @Test
    public void targetsAreTheNextRealStepThenTheNextIdAndNegativeIdsHaveNone() {
        float[] mask = {1, 1, 1, 0, /* */ 1, 1, 1, 1};
        float[] ids = {2, 3, 4, 0, /* */ -1, -1, 1, 2};
        float[] next = {-1, 3};
        float[] t = DetectorScoring.targets(mask, ids, next, 2, 4);
        assertArrayEquals(new float[]{3, 4, -1, -1, /* */ -1, 1, 2, 3}, t, 0f);
    }

    @Test
    public void nextEventScoresFollowTheTopGRuleOnTheNetworksOwnOutputs() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        int[][] ids = {{1, 2, 3, 4}, {2, 2, 0, 1}, {4, 3, 2, 1}};
        INDArray x = oneHot(ids);
        INDArray stepIds = Nd4j.create(new float[]{1, 2, 3, 4, 2, 2, 0, 1, 4, 3, 2, 1}, new long[]{3, 4}, 'c');
        INDArray nextIds = Nd4j.create(new float[]{2, 3, -1}, new long[]{3}, 'c');
        INDArray out = net.output(x);
        for (int g = 1; g <= 5; g++) {
            String spec = "{\"kind\": \"next_event\", \"top_g\": " + g + ", \"score\": \"count\", \"oov_id\": 0}";
            DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, nextIds, spec, true);
            for (int b = 0; b < 3; b++) {
                int expectedCount = 0;
                int steps = 0;
                for (int t = 0; t < 4; t++) {
                    int actual = t < 3 ? ids[b][t + 1] : (b == 0 ? 2 : b == 1 ? 3 : -1);
                    if (actual < 0) {
                        continue;
                    }
                    steps++;
                    double p = out.getDouble(b, actual, t);
                    int above = 0;
                    for (int k = 0; k < 5; k++) {
                        if (out.getDouble(b, k, t) > p) {
                            above++;
                        }
                    }
                    boolean bad = actual == 0 || above >= g;
                    expectedCount += bad ? 1 : 0;
                    assertEquals(-Math.log(p), s.stepScores[b * 4 + t], 1e-4);
                    assertEquals(bad ? 1 : 0, s.stepFlags[b * 4 + t]);
                    // the rank decides the flag for every g at once: OOV counts as ranked below all 5 classes
                    assertEquals(actual == 0 ? 5 : above, s.stepRanks[b * 4 + t]);
                }
                assertEquals("sequence " + b + " top-" + g, expectedCount, (int) s.scores[b]);
                assertEquals(steps, s.scoredSteps[b]);
            }
            if (g == 5) {
                // everything is in the top 5 of 5 classes except the out-of-vocabulary event 0 (sequence 1, step 1)
                assertEquals(1, s.unexpectedSteps[1]);
                assertEquals(1, s.detailStep[1]);
                assertEquals(0, s.detailActual[1]);
                assertEquals(5, s.expectedOf(1).length);
                assertEquals(0, s.unexpectedSteps[0]);
            }
        }
        String last = "{\"kind\": \"next_event\", \"top_g\": 9, \"score\": \"share\", \"steps\": \"last\"}";
        DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, nextIds, last, false);
        assertArrayEquals(new int[]{1, 1, 1}, s.scoredSteps);
        assertEquals(3, s.detailStep[0]);   // only the step predicting nextIds counts
        assertEquals(2, s.detailStep[2]);   // no next id: the last step with a target
    }

    @Test
    public void anEndSymbolIsJudgedByItsProbabilityFloorInsteadOfItsRank() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        int[][] ids = {{1, 2, 3, 4}, {2, 2, 3, 1}};
        INDArray x = oneHot(ids);
        INDArray stepIds = Nd4j.create(new float[]{1, 2, 3, 4, 2, 2, 3, 1}, new long[]{2, 4}, 'c');
        INDArray nextIds = Nd4j.create(new float[]{4, 4}, new long[]{2}, 'c');   // 4 = the end symbol
        INDArray out = net.output(x);
        double p0 = out.getDouble(0, 4, 3);
        double p1 = out.getDouble(1, 4, 3);
        double floor = (p0 + p1) / 2;   // between the two sequences' end probabilities
        String spec = "{\"kind\": \"next_event\", \"top_g\": 5, \"score\": \"count\", \"steps\": \"last\", "
                + "\"end_id\": 4, \"end_min_probability\": " + floor + "}";
        DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, nextIds, spec, false);
        // top_g 5 of 5 classes expects every event: only the floor can flag the end
        assertEquals(p0 < floor ? 1 : 0, (int) s.scores[0]);
        assertEquals(p1 < floor ? 1 : 0, (int) s.scores[1]);
        assertEquals(1, (int) (s.scores[0] + s.scores[1]));
        String noFloor = "{\"kind\": \"next_event\", \"top_g\": 5, \"steps\": \"last\", \"end_id\": 4}";
        assertArrayEquals(new double[]{0, 0}, DetectorScoring.score(net, null, x, null, stepIds, nextIds, noFloor, false).scores, 0);
        for (String bad : new String[]{"{\"kind\": \"next_event\", \"end_min_probability\": 0.1}",
                "{\"kind\": \"next_event\", \"end_id\": 4, \"end_min_probability\": 1.5}"}) {
            try {
                DetectorScoring.score(net, null, x, null, stepIds, nextIds, bad, false);
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("end_min_probability"));
            }
        }
    }

    @Test
    public void neverExpectedIdsTakeNoTopGPlaceAndAreNeverListedAsExpected() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        int[][] ids = {{1, 2, 3, 4}, {4, 3, 2, 1}, {2, 1, 3, 3}};
        INDArray x = oneHot(ids);
        INDArray stepIds = Nd4j.create(new float[]{1, 2, 3, 4, 4, 3, 2, 1, 2, 1, 3, 3}, new long[]{3, 4}, 'c');
        INDArray out = net.output(x);
        int[] never = {0, 3};
        for (int g = 1; g <= 4; g++) {
            String spec = "{\"kind\": \"next_event\", \"top_g\": " + g + ", \"oov_id\": 0, \"never_expected\": [0, 3]}";
            DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, null, spec, true);
            for (int b = 0; b < 3; b++) {
                for (int t = 0; t < 3; t++) {
                    int actual = ids[b][t + 1];
                    double p = out.getDouble(b, actual, t);
                    int above = 0;
                    for (int k = 0; k < 5; k++) {
                        if (k != never[0] && k != never[1] && out.getDouble(b, k, t) > p) {
                            above++;
                        }
                    }
                    boolean comesAnyway = actual == never[0] || actual == never[1];   // unexpected whatever g is
                    assertEquals("sequence " + b + " step " + t + " top-" + g, comesAnyway || above >= g ? 1 : 0,
                            s.stepFlags[b * 4 + t]);
                }
                for (int e : s.expectedOf(b)) {
                    assertTrue("listed a never-expected id: " + e, e != 0 && e != 3);
                }
            }
            if (g == 4) {
                // only three candidates (1, 2, 4) are left, each within the top 4: only event 3 is unexpected
                int[] threes = {1, 1, 2};
                for (int b = 0; b < 3; b++) {
                    assertEquals(threes[b], (int) s.scores[b]);
                    int[] expected = s.expectedOf(b);
                    assertEquals(3, expected.length);   // the fourth place stays empty
                    int[] sorted = expected.clone();
                    java.util.Arrays.sort(sorted);
                    assertArrayEquals(new int[]{1, 2, 4}, sorted);
                }
            }
        }
        try {
            DetectorScoring.score(net, null, x, null, stepIds, null,
                    "{\"kind\": \"next_event\", \"never_expected\": [7]}", false);
            throw new AssertionError("accepted an id outside the network's classes");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("never_expected"));
        }
    }

    @Test
    public void anEventGivenProbabilityZeroIsUnexpectedWhateverGIsAndNeverListed() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        // Saturate the output layer: logits (0, 200, 200, -200, -200) whatever the input, so the float32
        // softmax gives events 1 and 2 one half each and the others exactly 0.
        org.deeplearning4j.nn.api.Layer output = net.getLayer(net.getnLayers() - 1);
        output.setParam("W", Nd4j.zeros(output.getParam("W").shape()));
        output.setParam("b", Nd4j.create(new float[]{0, 200, 200, -200, -200}, new long[]{1, 5}, 'c'));
        int[][] ids = {{1, 2, 3, 1}};
        INDArray x = oneHot(ids);
        INDArray out = net.output(x);
        assertEquals(0.0, out.getDouble(0, 3, 1), 0.0);   // the premise: an exact zero
        INDArray stepIds = Nd4j.create(new float[]{1, 2, 3, 1}, new long[]{1, 4}, 'c');
        for (int g = 1; g <= 5; g++) {
            String spec = "{\"kind\": \"next_event\", \"top_g\": " + g + ", \"score\": \"count\", \"oov_id\": -1}";
            DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, null, spec, true);
            // step 0 -> 2 (p 0.5) and step 2 -> 1 (p 0.5) are expected from g = 1 (ties at 0.5 rank 0);
            // step 1 -> 3 (p 0) ties with three other zero classes but is unexpected even at g = 5
            assertArrayEquals("top-" + g, new byte[]{0, 1, 0, 0}, s.stepFlags);
            assertEquals(5, s.stepRanks[1]);
            assertEquals(1.0, s.scores[0], 0.0);
            assertEquals(1, s.detailStep[0]);
            int[] expected = s.expectedOf(0);
            int[] sorted = expected.clone();
            java.util.Arrays.sort(sorted);
            assertArrayEquals("top-" + g, g == 1 ? new int[]{expected[0]} : new int[]{1, 2}, sorted);
        }
    }

    @Test
    public void classifierScoresAggregatePositiveClassProbabilitiesOverRealSteps() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        INDArray x = oneHot(new int[][]{{1, 2, 3}, {4, 4, 4}});
        INDArray mask = Nd4j.create(new float[]{1, 1, 0, 1, 1, 1}, new long[]{2, 3}, 'c');
        INDArray out = net.output(x, false, mask, null);
        String spec = "{\"kind\": \"sequence_classifier\", \"positive_classes\": [1, 3], \"aggregation\": \"max\"}";
        DetectorScores s = DetectorScoring.score(net, null, x, mask, null, null, spec, true);
        double max0 = Math.max(out.getDouble(0, 1, 0) + out.getDouble(0, 3, 0), out.getDouble(0, 1, 1) + out.getDouble(0, 3, 1));
        assertEquals(max0, s.scores[0], 1e-6);
        assertEquals(2, s.scoredSteps[0]);
        assertTrue(Float.isNaN(s.stepScores[2]));
        String mean = spec.replace("max", "mean");
        double mean1 = 0;
        for (int t = 0; t < 3; t++) {
            mean1 += (out.getDouble(1, 1, t) + out.getDouble(1, 3, t)) / 3;
        }
        assertEquals(mean1, DetectorScoring.sequenceClassifierScores(net, null, x, mask, mean)[1], 1e-6);
    }

    @Test
    public void theNormalizerPassesIndicatorsThroughIsSavedInTheZipAndIsAppliedWhenScoring() throws Exception {
        // feature 0..3 one-hot, feature 4 numeric around 100
        INDArray x = oneHot(new int[][]{{1, 2, 3}, {2, 1, 3}});
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                x.putScalar(new int[]{b, 4, t}, 100 + b * 3 + t);
            }
        }
        NormalizerStandardize norm = Normalizers.fitStandardize(x, null);
        INDArray before = x.dup();
        INDArray z = Normalizers.apply(norm, x, null);
        assertTrue("the caller's array is not changed", before.equals(x));
        assertEquals(1.0, z.getDouble(0, 1, 0), 1e-6);            // indicator untouched
        assertEquals(0.0, z.getDouble(0, 4, 0) + z.getDouble(1, 4, 2), 1e-5);   // standardised: symmetric values
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        File file = new File(tmp.getRoot(), "d.zip");
        ModelIO.save(net, file.getPath(), false, Collections.singletonMap("dl4j_bridge.detector.json", "{}"), norm);
        assertEquals("STANDARDIZE", ModelIO.normalizerType(file.getPath()));
        DataNormalization plain = ModelSerializer.restoreNormalizerFromFile(file);
        assertNotNull(plain);
        DataNormalization ours = ModelIO.loadNormalizer(file.getPath(), false);
        assertTrue(Normalizers.apply(ours, x, null).equalsWithEps(z, 1e-6));
        String spec = "{\"kind\": \"sequence_classifier\"}";
        double[] direct = DetectorScoring.sequenceClassifierScores(net, null, z, null, spec);
        double[] viaNormalizer = DetectorScoring.sequenceClassifierScores(net, ours, x, null, spec);
        assertArrayEquals(direct, viaNormalizer, 1e-6);

        File bare = new File(tmp.getRoot(), "bare.zip");
        ModelIO.save(net, bare.getPath(), false);
        assertNull(ModelIO.loadNormalizer(bare.getPath(), false));
    }

    @Test
    public void stepWeightsScaleTheLoss() {
        TestData data = new TestData(16, 6, 1);
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        double plain = net.score(Trainer.dataSet(data.x, data.ids, null, 2, null), false);
        double ones = net.score(Trainer.dataSet(data.x, data.ids, null, 2, Nd4j.ones(data.ids.shape())), false);
        INDArray twice = Nd4j.ones(data.ids.shape()).muli(2.0);
        double doubled = net.score(Trainer.dataSet(data.x, data.ids, null, 2, twice), false);
        assertEquals(plain, ones, 1e-5 * plain);
        assertEquals(2 * plain, doubled, 1e-4 * plain);
        // a weight of 2 trains exactly like the example given twice
        INDArray w = Nd4j.ones(data.ids.shape());
        w.getRow(0).assign(2.0);
        INDArray xTwice = Nd4j.concat(0, data.x, data.x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        INDArray idsTwice = Nd4j.concat(0, data.ids, data.ids.getRow(0).reshape(1, data.ids.size(1)));
        String sgd = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], \"learning_rate\": 0.1, \"updater\": \"sgd\", \"class_weights\": [1, 1],"
                + " \"gradient_normalization\": \"None\"}";
        MultiLayerNetwork weighted = NetworkFactory.build(sgd);
        MultiLayerNetwork duplicated = NetworkFactory.build(sgd);
        INDArray start = weighted.params().dup();
        weighted.fit(Trainer.dataSet(data.x, data.ids, null, 2, w));
        duplicated.fit(Trainer.dataSet(xTwice, idsTwice, null, 2, null));
        // DL4J averages over the minibatch: 16 weighted examples vs 17 plain ones
        INDArray stepWeighted = start.sub(weighted.params()).muli(16.0);
        INDArray stepDuplicated = start.sub(duplicated.params()).muli(17.0);
        double diff = stepWeighted.sub(stepDuplicated).norm2Number().doubleValue();
        assertTrue(diff < 1e-3 * stepWeighted.norm2Number().doubleValue());
        assertTrue(stepWeighted.norm2Number().doubleValue() > 1e-3);
    }

    @Test
    public void stepWeightsWithoutClassWeightsAreRefused() {
        TestData data = new TestData(8, 4, 2);
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        try {
            Trainer.fit(net, null, data.x, data.ids, null, Nd4j.ones(data.ids.shape()), null, null, null, null,
                    1, 8, -1, 0, null, 1000);
            org.junit.Assert.fail("unweighted MCXENT must refuse step weights");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("class_weights"));
        }
    }

    /**
     * Every unexpected step is listed (up to MAX_LISTED_UNEXPECTED, in step order) with its actual event and the
     * probability given to it: the steps stepFlags marks, not only detailStep; the rest counted, not listed.
     */
    @Test
    public void everyUnexpectedStepIsListedInStepOrderUpToTheBound() {
        MultiLayerNetwork net = NetworkFactory.build(SPEC5);
        int time = 70;
        int[][] ids = new int[3][time];
        float[] flat = new float[3 * time];
        java.util.Random random = new java.util.Random(3);
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < time; t++) {
                // sequence 1: the OOV id everywhere (every step unexpected); the others random events
                ids[b][t] = b == 1 ? 0 : random.nextInt(5);
                flat[b * time + t] = ids[b][t];
            }
        }
        INDArray x = oneHot(ids);
        INDArray stepIds = Nd4j.create(flat, new long[]{3, time}, 'c');
        INDArray nextIds = Nd4j.create(new float[]{2, 0, -1}, new long[]{3}, 'c');
        for (String steps : new String[]{"all", "last"}) {
            String spec = "{\"kind\": \"next_event\", \"top_g\": 2, \"score\": \"count\", \"oov_id\": 0, "
                    + "\"steps\": \"" + steps + "\"}";
            DetectorScores s = DetectorScoring.score(net, null, x, null, stepIds, nextIds, spec, true);
            DetectorScores plain = DetectorScoring.score(net, null, x, null, stepIds, nextIds, spec, false);
            assertArrayEquals("the same list whether or not the step arrays are asked for", s.unexpectedStep,
                    plain.unexpectedStep);
            assertEquals(0, s.unexpectedFrom[0]);
            for (int b = 0; b < 3; b++) {
                java.util.List<Integer> flagged = new java.util.ArrayList<>();
                for (int t = 0; t < time; t++) {
                    if (s.stepFlags[b * time + t] == 1) {
                        flagged.add(t);
                    }
                }
                assertEquals(s.unexpectedSteps[b], flagged.size());
                int from = s.unexpectedFrom[b];
                int n = s.unexpectedFrom[b + 1] - from;
                assertEquals(Math.min(flagged.size(), DetectorScores.MAX_LISTED_UNEXPECTED), n);
                for (int k = 0; k < n; k++) {
                    int t = flagged.get(k);
                    assertEquals(t, s.unexpectedStep[from + k]);
                    int actual = t + 1 < time ? ids[b][t + 1] : (int) nextIds.getDouble(b);
                    assertEquals(actual, s.unexpectedActual[from + k]);
                    assertEquals(Math.exp(-s.stepScores[b * time + t]), s.unexpectedProbability[from + k], 1e-4);
                }
                if (n > 0) {   // the deciding step is the first unexpected one: the same entry
                    assertEquals(s.detailStep[b], s.unexpectedStep[from]);
                    assertEquals(s.detailProbability[b], s.unexpectedProbability[from], 0.0);
                }
                if ("last".equals(steps)) {
                    assertTrue("one judged step, at most one entry", n <= 1);
                }
            }
            if ("all".equals(steps)) {
                assertEquals("sequence 1: every one of its 70 judged steps unexpected (the next id too)", 70, s.unexpectedSteps[1]);
                assertEquals(DetectorScores.MAX_LISTED_UNEXPECTED, s.unexpectedFrom[2] - s.unexpectedFrom[1]);
            }
        }
        String classifier = "{\"kind\": \"sequence_classifier\", \"positive_classes\": [1]}";
        DetectorScores c = DetectorScoring.score(net, null, x, null, null, null, classifier, false);
        assertArrayEquals("the classifier lists nothing", new int[4], c.unexpectedFrom);
    }

    private static final String VALUE_SPEC = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [6], \"seed\": 5, "
            + "\"loss\": \"MSE\", \"output_activation\": \"identity\", \"updater\": \"adam\", \"learning_rate\": 0.01}";

    /** [batch, 3, time] features: 0 and 2 numeric, 1 an indicator. */
    private static INDArray values(int batch, int time, long seed) {
        java.util.Random random = new java.util.Random(seed);
        INDArray x = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, 3, time);
        for (int b = 0; b < batch; b++) {
            double phase = random.nextDouble() * 6;
            for (int t = 0; t < time; t++) {
                x.putScalar(new int[]{b, 0, t}, Math.sin(phase + 0.6 * t));
                x.putScalar(new int[]{b, 1, t}, random.nextBoolean() ? 1 : 0);
                x.putScalar(new int[]{b, 2, t}, 10 + Math.cos(phase + 0.6 * t));
            }
        }
        return x;
    }

    @Test
    public void nextValueLabelsAreTheNextRealStepsTargetFeatures() {
        INDArray x = values(2, 4, 1);
        INDArray mask = Nd4j.create(new float[]{1, 1, 1, 0, /* */ 1, 0, 1, 1}, new long[]{2, 4}, 'c');
        INDArray[] labels = DetectorScoring.nextValueLabels(x, mask, new int[]{2, 0});
        assertArrayEquals(new long[]{2, 2, 4}, labels[0].shape());
        assertArrayEquals(new float[]{1, 1, 0, 0, /* */ 1, 0, 1, 0}, labels[1].data().asFloat(), 0f);
        assertEquals(x.getDouble(0, 2, 1), labels[0].getDouble(0, 0, 0), 0);
        assertEquals(x.getDouble(0, 0, 2), labels[0].getDouble(0, 1, 1), 0);
        assertEquals(x.getDouble(1, 2, 2), labels[0].getDouble(1, 0, 0), 0);   // step 0's next real step is 2
        assertEquals(x.getDouble(1, 0, 3), labels[0].getDouble(1, 1, 2), 0);
        try {
            DetectorScoring.nextValueLabels(x, mask, new int[]{3});
            org.junit.Assert.fail("a target outside the features must be refused");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("target feature 3"));
        }
    }

    @Test
    public void nextValueScoresAreSquaredErrorsInResidualVariancesOfTheNetworksOwnOutputs() {
        INDArray x = values(8, 6, 2);
        MultiLayerNetwork net = NetworkFactory.build(VALUE_SPEC);
        NormalizerStandardize norm = Normalizers.fitStandardize(x, null);
        FitResult fit = Trainer.fitNextValues(net, norm, x, null, new int[]{0, 2}, null, null, 3, 4, 7, 0, null, 1000,
                null);
        assertEquals(3, fit.epochsCompleted);
        INDArray mask = Nd4j.ones(8, 6);
        mask.putScalar(new int[]{1, 5}, 0);
        mask.putScalar(new int[]{1, 4}, 0);
        double[] variances = DetectorScoring.nextValueResidualVariances(net, norm, x, mask, new int[]{0, 2});
        assertEquals(2, variances.length);
        INDArray z = Normalizers.apply(norm, x, mask);
        INDArray out = net.output(z, false, mask, null);
        double[] sums = new double[2];
        int count = 0;
        for (int b = 0; b < 8; b++) {
            for (int t = 0; t + 1 < 6; t++) {
                if (mask.getDouble(b, t + 1) == 0) {
                    continue;
                }
                count++;
                sums[0] += Math.pow(out.getDouble(b, 0, t) - z.getDouble(b, 0, t + 1), 2);
                sums[1] += Math.pow(out.getDouble(b, 1, t) - z.getDouble(b, 2, t + 1), 2);
            }
        }
        assertEquals(sums[0] / count, variances[0], 1e-6);
        assertEquals(sums[1] / count, variances[1], 1e-6);
        for (String aggregation : new String[]{"max", "mean", "last"}) {
            String spec = "{\"kind\": \"next_value\", \"targets\": [0, 2], \"target_names\": [\"a\", \"c\"], "
                    + "\"residual_variances\": [" + variances[0] + ", " + variances[1] + "], \"aggregation\": \""
                    + aggregation + "\"}";
            assertEquals("next_value", DetectorScoring.checkSpec(spec, 3, 2));
            DetectorScores s = DetectorScoring.score(net, norm, x, mask, null, null, spec, true);
            assertEquals("next_value", s.kind);
            for (int b = 0; b < 8; b++) {
                int real = b == 1 ? 4 : 6;
                double max = -1;
                double sum = 0;
                double last = 0;
                int worst = -1;
                int flagged = 0;
                for (int t = 0; t + 1 < real; t++) {
                    double e0 = out.getDouble(b, 0, t) - z.getDouble(b, 0, t + 1);
                    double e1 = out.getDouble(b, 1, t) - z.getDouble(b, 2, t + 1);
                    double step = (e0 * e0 / variances[0] + e1 * e1 / variances[1]) / 2;
                    assertEquals(step, s.stepScores[b * 6 + t], 1e-4 * Math.max(1, step));
                    flagged += step > DetectorScoring.NEXT_VALUE_UNEXPECTED ? 1 : 0;
                    sum += step;
                    last = step;
                    if (step > max) {
                        max = step;
                        worst = t;
                    }
                }
                assertTrue(Float.isNaN(s.stepScores[b * 6 + real - 1]));
                assertEquals(real - 1, s.scoredSteps[b]);
                assertEquals(flagged, s.unexpectedSteps[b]);
                double want = "max".equals(aggregation) ? max : "mean".equals(aggregation) ? sum / (real - 1) : last;
                assertEquals(want, s.scores[b], 1e-5 * Math.max(1, want));
                assertEquals(worst, s.detailStep[b]);
                int j = s.detailActual[b];
                double actual = z.getDouble(b, j == 0 ? 0 : 2, worst + 1);
                double predicted = out.getDouble(b, j, worst);
                assertEquals(actual, s.detailValue[b], 1e-6);
                assertEquals(predicted, s.detailPrediction[b], 1e-6);
                assertEquals((actual - predicted) / Math.sqrt(variances[j]), s.detailDeviation[b], 1e-5);
                double other = Math.pow(out.getDouble(b, 1 - j, worst) - z.getDouble(b, j == 0 ? 2 : 0, worst + 1), 2)
                        / variances[1 - j];
                assertTrue("the detail is the target furthest from its prediction",
                        Math.pow(actual - predicted, 2) / variances[j] >= other - 1e-9);
            }
        }
    }

    @Test
    public void aNextValueSpecIsCheckedAgainstTheNetwork() {
        String good = "{\"kind\": \"next_value\", \"targets\": [0, 2], \"residual_variances\": [1.0, 0.5]}";
        assertEquals("next_value", DetectorScoring.checkSpec(good, 3, 2));
        String[][] bad = {
            {good, "3", "1", "targets lists 2 features but the network predicts 1"},
            {good, "2", "2", "target feature 2 is not one of the network's 2 input features"},
            {"{\"kind\": \"next_value\", \"targets\": [0], \"residual_variances\": [0]}", "3", "1",
                "residual_variances must be finite numbers > 0"},
            {"{\"kind\": \"next_value\", \"targets\": [0, 1], \"residual_variances\": [1]}", "3", "2",
                "one number per target"},
            {"{\"kind\": \"next_value\", \"targets\": [], \"residual_variances\": []}", "3", "1",
                "non-empty list of feature indices"},
            {"{\"kind\": \"next_value\", \"targets\": [-1], \"residual_variances\": [1]}", "3", "1",
                "feature indices >= 0"},
            {"{\"kind\": \"next_value\", \"targets\": [0], \"residual_variances\": [1], \"aggregation\": \"sum\"}",
                "3", "1", "aggregation must be max, mean or last"},
        };
        for (String[] c : bad) {
            try {
                DetectorScoring.checkSpec(c[0], Integer.parseInt(c[1]), Integer.parseInt(c[2]));
                org.junit.Assert.fail("accepted " + c[0]);
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains(c[3]));
            }
        }
    }

    @Test
    public void fitNextValuesRefusesTargetsOtherThanTheNetworksOutputs() {
        MultiLayerNetwork net = NetworkFactory.build(VALUE_SPEC);
        try {
            Trainer.fitNextValues(net, null, values(4, 5, 3), null, new int[]{0}, null, null, 1, 4, -1, 0, null, 1000,
                    null);
            org.junit.Assert.fail("one target for two outputs must be refused");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("1 target features for a network of 2 outputs"));
        }
    }
}
