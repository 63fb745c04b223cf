package io.dl4jbridge;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.learning.config.Nesterovs;

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
    public void badSpecsAreClearErrors() {
        expectMessage("{\"n_in\": 3}", "n_out");
        expectMessage("not json", "not valid JSON");
        expectMessage("{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [4], \"updater\": \"lion\"}", "unknown updater");
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
