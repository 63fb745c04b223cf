package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The launcher's {@code predict}: the saved normalizer applied, bad inputs refused (exit 3) with their file named. */
public class PredictCommandTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** What a run printed on stderr, and its exit code. */
    private static final class Run {
        final int code;
        final String err;

        Run(int code, String err) {
            this.code = code;
            this.err = err;
        }
    }

    private static Run run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            int code = Main.run(args);
            return new Run(code, new String(captured.toByteArray(), StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    /** A model of {@link TestData#SPEC} (nIn 3) with a normalizer fitted on features far from mean 0, std 1. */
    private File model(DataNormalization normalizer) throws Exception {
        MultiLayerNetwork net = NetworkFactory.build(TestData.SPEC);
        File file = tmp.newFile("m.zip");
        ModelIO.save(net, file.getPath(), false, Collections.<String, String>emptyMap(), normalizer);
        return file;
    }

    private static INDArray shifted(TestData data) {
        return data.x.mul(7.0).addi(3.0);
    }

    private File npy(String name, INDArray a) throws Exception {
        File file = new File(tmp.getRoot(), name);
        Nd4j.writeAsNumpy(a, file);
        return file;
    }

    private Run predict(File model, File x, File mask) {
        String y = new File(tmp.getRoot(), "y.npy").getPath();
        return mask == null ? run("predict", "--model", model.getPath(), "--input", x.getPath(), "--output", y)
                : run("predict", "--model", model.getPath(), "--input", x.getPath(), "--mask", mask.getPath(), "--output", y);
    }

    @Test
    public void theSavedNormalizerIsAppliedAsPythonsPredictProbaDoes() throws Exception {
        TestData data = new TestData(4, 6, 11);
        INDArray x = shifted(data);
        DataNormalization normalizer = Normalizers.fitStandardize(x, null);
        File model = model(normalizer);
        INDArray mask = Nd4j.ones(DataType.FLOAT, 4, 6);
        mask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1), org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 6)).assign(0);
        MultiLayerNetwork net = ModelCheck.read(model.toPath(), false).network(false);
        INDArray expected = Predictor.predict(net, normalizer, x, mask, 4096);   // what Network.predict_proba calls
        Run run = predict(model, npy("x.npy", x), npy("mask.npy", mask));
        assertEquals(run.err, 0, run.code);
        INDArray y = Nd4j.createFromNpyFile(new File(tmp.getRoot(), "y.npy"));
        assertTrue("max difference " + y.sub(expected).amaxNumber(), y.equalsWithEps(expected, 1e-6));
        // and float64 features are converted, as before
        run = predict(model, npy("x64.npy", x.castTo(DataType.DOUBLE)), npy("mask.npy", mask));
        assertEquals(run.err, 0, run.code);
        y = Nd4j.createFromNpyFile(new File(tmp.getRoot(), "y.npy"));
        assertTrue("float64 x: max difference " + y.sub(expected).amaxNumber(), y.equalsWithEps(expected, 1e-6));
    }
}
