package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** DL4J {@link Evaluation} of a network on labelled sequences, returned as one JSON document. */
public final class Evaluator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Evaluator() {}

    /**
     * @param x        [batch, nIn, time]
     * @param labelIds [batch, time]; negative ids are not evaluated
     * @param mask     [batch, time] or null
     * @return JSON: accuracy, precision, recall, f1 (DL4J's averages), per_class figures,
     *         confusion_matrix[actual][predicted], n_classes, n_evaluated
     */
    public static String evaluate(MultiLayerNetwork net, INDArray x, INDArray labelIds, INDArray mask, int chunk) {
        return evaluate(net, null, x, labelIds, mask, chunk);
    }

    /** As {@link #evaluate(MultiLayerNetwork, INDArray, INDArray, INDArray, int)}, on features normalised by {@code normalizer}. */
    public static String evaluate(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray labelIds,
                                  INDArray mask, int chunk) {
        return evaluate(net, normalizer, x, labelIds, mask, chunk, null);
    }

    /**
     * As {@link #evaluate(MultiLayerNetwork, DataNormalization, INDArray, INDArray, INDArray, int)}, asking {@code stop}
     * (may be null) before each chunk of the forward pass whether to stop ({@link Interruption}).
     */
    public static String evaluate(MultiLayerNetwork net, DataNormalization normalizer, INDArray x, INDArray labelIds,
                                  INDArray mask, int chunk, java.util.function.BooleanSupplier stop) {
        int nOut = net.layerSize(net.getnLayers() - 1);
        INDArray[] labels = ArrayBridge.oneHotLabels(labelIds, nOut, mask);
        INDArray output = Predictor.predict(net, normalizer, x, mask, chunk, stop);
        Evaluation eval = new Evaluation(nOut);
        eval.evalTimeSeries(labels[0], output, labels[1]);

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("n_classes", nOut);
        doc.put("n_evaluated", eval.getNumRowCounter());
        doc.put("accuracy", eval.accuracy());
        doc.put("precision", eval.precision());
        doc.put("recall", eval.recall());
        doc.put("f1", eval.f1());
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < nOut; c++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class", c);
            m.put("precision", eval.precision(c));
            m.put("recall", eval.recall(c));
            m.put("f1", eval.f1(c));
            m.put("support", eval.getConfusionMatrix().getActualTotal(c));
            perClass.add(m);
        }
        doc.put("per_class", perClass);
        ConfusionMatrix<Integer> cm = eval.getConfusionMatrix();
        int[][] matrix = new int[nOut][nOut];
        for (int a = 0; a < nOut; a++) {
            for (int p = 0; p < nOut; p++) {
                matrix[a][p] = cm.getCount(a, p);
            }
        }
        doc.put("confusion_matrix", matrix);
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
