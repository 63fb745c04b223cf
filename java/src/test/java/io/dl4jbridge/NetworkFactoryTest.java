package io.dl4jbridge;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

@SuppressWarnings("deprecation")
public class NetworkFactoryTest {
    @Test
    public void defaultsAreTheReferenceDesign() {
        MultiLayerConfiguration conf = NetworkFactory.configuration("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [10]}");
        assertEquals(2, conf.getConfs().size());
        assertTrue(conf.getConf(0).getLayer() instanceof GravesLSTM);
        assertTrue(conf.getConf(1).getLayer() instanceof RnnOutputLayer);
        assertEquals(123L, conf.getConf(0).getSeed());
        for (int i = 0; i < 2; i++) {
            BaseLayer layer = (BaseLayer) conf.getConf(i).getLayer();
            Nesterovs updater = (Nesterovs) layer.getIUpdater();
            assertEquals(0.005, updater.getLearningRate(), 0);
            assertEquals(0.9, updater.getMomentum(), 0);
            assertEquals(GradientNormalization.ClipElementWiseAbsoluteValue, layer.getGradientNormalization());
            assertEquals(0.5, layer.getGradientNormalizationThreshold(), 0);
            assertTrue(layer.getWeightInitFn().getClass().getSimpleName().contains("Xavier"));
        }
        RnnOutputLayer out = (RnnOutputLayer) conf.getConf(1).getLayer();
        assertTrue(out.getLossFn().getClass().getSimpleName().equals("LossMCXENT"));
        assertTrue(out.getActivationFn().getClass().getSimpleName().equals("ActivationSoftmax"));
    }

    @Test
    public void stackedLayersChainTheirSizes() {
        MultiLayerNetwork net = NetworkFactory.build("{\"n_in\": 4, \"n_out\": 3, \"hidden_sizes\": [16, 8]}");
        assertEquals(3, net.getnLayers());
        assertEquals(16, net.layerSize(0));
        assertEquals(8, net.layerSize(1));
        assertEquals(3, net.layerSize(2));
        assertEquals(4, net.layerInputSize(0));
    }

    @Test
    public void layerTypeChoosesGravesLstmOrLstmInAnyCase() {
        String base = "{\"n_in\": 4, \"n_out\": 3, \"hidden_sizes\": [8, 6], \"dropout\": 0.2, \"layer_type\": ";
        MultiLayerConfiguration lstm = NetworkFactory.configuration(base + "\"lstm\"}");
        for (int i = 0; i < 2; i++) {
            assertTrue(lstm.getConf(i).getLayer().getClass().getName(), lstm.getConf(i).getLayer() instanceof LSTM);
            assertEquals(0.8, ((Dropout) lstm.getConf(i).getLayer().getIDropout()).getP(), 1e-12);   // retain 1 - 0.2
        }
        assertTrue(lstm.getConf(2).getLayer() instanceof RnnOutputLayer);
        MultiLayerConfiguration graves = NetworkFactory.configuration(base + "\"GRAVESLSTM\"}");
        assertTrue(graves.getConf(0).getLayer() instanceof GravesLSTM);
        // plain LSTM has no peephole weights: 4 gates x (nIn + nOut + 1) x nOut vs GravesLSTM's 3 more per unit
        MultiLayerNetwork net = NetworkFactory.build(base + "\"LSTM\"}");
        assertEquals(4L * 8 * (4 + 8 + 1), net.getLayer(0).numParams());
        assertEquals(4L * 8 * (4 + 8 + 1) + 3L * 8, NetworkFactory.build(base + "\"GravesLSTM\"}").getLayer(0).numParams());
        expectMessage(base + "\"GRU\"}", "layer_type must be GravesLSTM or LSTM (any case), got 'GRU'");
    }

    @Test
    public void badSpecsAreClearErrors() {
        expectMessage("{\"n_in\": 3}", "n_out");
        expectMessage("not json", "not valid JSON");
        expectMessage("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4], \"updater\": \"lion\"}", "unknown updater");
    }

    @Test
    public void settingNamesAreCaseInsensitive() {
        MultiLayerConfiguration conf = NetworkFactory.configuration("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4], "
                + "\"weight_init\": \"xavier\", \"loss\": \"mcxent\", \"gradient_normalization\": \"clipl2perlayer\", "
                + "\"activation\": \"Tanh\", \"optimization_algo\": \"stochastic_gradient_descent\", "
                + "\"lr_schedule\": {\"type\": \"Exponential\", \"gamma\": 0.9, \"unit\": \"iteration\"}}");
        BaseLayer lstm = (BaseLayer) conf.getConf(0).getLayer();
        assertTrue(lstm.getWeightInitFn().getClass().getSimpleName().contains("Xavier"));
        assertEquals(GradientNormalization.ClipL2PerLayer, lstm.getGradientNormalization());
        assertEquals("LossMCXENT", ((RnnOutputLayer) conf.getConf(1).getLayer()).getLossFn().getClass().getSimpleName());
        ExponentialSchedule schedule = (ExponentialSchedule) ((Nesterovs) lstm.getIUpdater()).getLearningRateSchedule();
        assertEquals(0.9, schedule.getGamma(), 0);
        assertEquals(ScheduleType.ITERATION, schedule.getScheduleType());
        // a name that is no constant in any case still says which values the setting takes
        expectMessage("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4], \"weight_init\": \"glorot\"}",
                "weight_init 'glorot' is not a DL4J WeightInit; use one of [");
    }

    @Test
    public void fractionalSizesAndNumbersOutOfRangeAreRefusedNotTruncated() {
        String base = "\"hidden_sizes\": [4], \"n_out\": 2";
        expectMessage("{\"n_in\": 3.7, " + base + "}", "n_in must be an integer >= 1, got 3.7");
        expectMessage("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4.5]}", "hidden_sizes must be an integer >= 1");
        expectMessage("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": 4}", "hidden_sizes must be a non-empty list");
        expectMessage("{\"n_in\": 3, " + base + ", \"tbptt_length\": 0}", "tbptt_length must be an integer >= 1");
        expectMessage("{\"n_in\": 3, " + base + ", \"learning_rate\": -0.1}", "learning_rate must be a finite number > 0.0");
        expectMessage("{\"n_in\": 3, " + base + ", \"learning_rate\": \"0.1\"}", "learning_rate must be a finite number");
        expectMessage("{\"n_in\": 3, " + base + ", \"momentum\": -0.5}", "momentum must be a finite number >= 0.0");
        expectMessage("{\"n_in\": 3, " + base + ", \"l2\": -1}", "l2 must be");
        expectMessage("{\"n_in\": 3, " + base + ", \"gradient_normalization_threshold\": -1}",
                "gradient_normalization_threshold must be");
        expectMessage("{\"n_in\": 3, " + base + ", \"dropout\": 1.0}", "dropout (the probability of dropping");
        assertEquals(3, NetworkFactory.build("{\"n_in\": 3.0, " + base + "}").layerInputSize(0));   // integral: fine
    }

    @Test
    public void lrScheduleKeysAndValuesAreChecked() {
        String base = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4], \"lr_schedule\": ";
        expectMessage(base + "{\"type\": \"step\", \"decay_rate\": 0.1, \"steps\": 10}}",
                "lr_schedule of type 'step' does not take 'decay_rate'; its keys are [type, decay, step, unit]");
        expectMessage(base + "0.9}", "lr_schedule must be an object");
        expectMessage(base + "{\"type\": \"exponential\", \"decay\": 0.5}}", "does not take 'decay'");
        expectMessage(base + "{\"type\": \"exponential\", \"gamma\": 1.5}}", "must be in (0, 1]");
        expectMessage(base + "{\"type\": \"step\", \"step\": 2.5}}", "'step' must be an integer >= 1");
        expectMessage(base + "{\"type\": \"step\", \"unit\": \"day\"}}", "lr_schedule unit 'day' is not a DL4J ScheduleType");
        expectMessage(base + "{\"decay\": 0.5}}", "unknown lr_schedule type '' (step, exponential)");
        MultiLayerConfiguration conf = NetworkFactory.configuration(base + "{\"type\": \"step\", \"decay\": 0.1, \"step\": 10}}");
        StepSchedule schedule = (StepSchedule) ((Nesterovs) ((BaseLayer) conf.getConf(0).getLayer()).getIUpdater())
                .getLearningRateSchedule();
        assertEquals(0.1, schedule.getDecayRate(), 0);
        assertEquals(10.0, schedule.getStep(), 0);
        assertEquals(ScheduleType.EPOCH, schedule.getScheduleType());
    }

    private static void expectMessage(String spec, String fragment) {
        try {
            NetworkFactory.build(spec);
            fail("expected an error for " + spec);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(fragment));
        }
    }
}
