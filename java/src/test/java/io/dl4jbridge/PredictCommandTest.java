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
    public void outputDashIsRefusedAsAUsageErrorNotWrittenAsAFileNamedDash() throws Exception {
        // score's --output - is standard output; predict silently wrote a .npy file named '-' (exit 0)
        File model = model(null);
        File x = npy("x.npy", new TestData(2, 5, 3).x);
        File dash = new File("-").getAbsoluteFile();
        boolean existed = dash.exists();
        Run run = run("predict", "--model", model.getPath(), "--input", x.getPath(), "--output", "-");
        assertEquals(run.err, 2, run.code);
        assertTrue(run.err, run.err.contains("predict --output - : predict writes a .npy file, not rows")
                && run.err.contains("--output y.npy"));
        assertEquals(existed, dash.exists());
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

    @Test
    public void aMaskThatDoesNotFitXIsRefusedNamingItsFileAndTheExpectedShape() throws Exception {
        File model = model(null);
        File x = npy("x.npy", new TestData(2, 7, 3).x);
        INDArray front = Nd4j.ones(DataType.FLOAT, 2, 7);
        front.putScalar(0, 0, 0.0);
        Object[][] cases = {
            {Nd4j.ones(DataType.FLOAT, 2, 5), "got [2, 5]"},
            {Nd4j.ones(DataType.FLOAT, 3, 7), "got [3, 7]"},
            {Nd4j.ones(DataType.FLOAT, 2, 7, 1), "got [2, 7, 1]"},
            {Nd4j.ones(DataType.FLOAT, 2, 7).muli(5.0), "got 5.0 at [batch 0, step 0]"},
            {front, "padding before a real step"},
        };
        for (Object[] c : cases) {
            File mask = npy("m.npy", (INDArray) c[0]);
            Run run = predict(model, x, mask);
            assertEquals(c[1] + ": " + run.err, 3, run.code);
            assertTrue(run.err, run.err.contains(mask.getPath() + ": mask "));
            assertTrue(run.err, run.err.contains((String) c[1]));
            if (!"padding before a real step".equals(c[1])) {
                assertTrue(run.err, run.err.contains("mask must be [batch, time] = [2, 7] of 0/1"));
            }
        }
    }

    @Test
    public void xOfTheWrongLayoutOrNotNpyIsRefusedNamingItsFileAndTheExpectedLayout() throws Exception {
        File model = model(null);
        INDArray good = new TestData(2, 54, 3).x;   // [2, 3, 54]
        Run run = predict(model, npy("python.npy", good.permute(0, 2, 1).dup('c')), null);   // [2, 54, 3]
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("python.npy: x must be [batch, features, time] = [batch, 3, time]"));
        assertTrue(run.err, run.err.contains("got [2, 54, 3]") && run.err.contains("transpose"));

        run = predict(model, npy("wide.npy", Nd4j.ones(DataType.FLOAT, 2, 7, 54)), null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("wide.npy: x must be [batch, features, time] = [batch, 3, time]"));
        assertTrue(run.err, run.err.contains("got [2, 7, 54]") && run.err.contains("takes 3 features"));

        run = predict(model, npy("flat.npy", Nd4j.ones(DataType.FLOAT, 54, 3)), null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("flat.npy: x must be [batch, features, time]")
                && run.err.contains("got [54, 3] (rank 2)"));

        File log = new File(tmp.getRoot(), "app.jsonl");
        Files.write(log.toPath(), "{\"msg\": \"login failed\"}\n".getBytes(StandardCharsets.UTF_8));
        run = predict(model, log, null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains(log.getPath() + " is not a .npy file ("));
        run = predict(model, npy("x.npy", good), log);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains(log.getPath() + " is not a .npy file ("));
        for (Run r : new Run[]{run}) {
            assertTrue(r.err, !r.err.contains("Exception"));
        }
    }

    @Test
    public void xHoldingNanAnInfinityOrAFloat64BeyondFloat32IsRefusedAsPythonRefusesIt() throws Exception {
        // the network wrote NaN rows and predict exited 0 (Python's predict_proba refuses such x)
        File model = model(null);
        INDArray nan = new TestData(2, 5, 3).x.dup('c');
        nan.putScalar(new long[]{1, 2, 4}, Float.NaN);
        Run run = predict(model, npy("nan.npy", nan), null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("nan.npy: x holds NaN at [batch 1, feature 2, step 4]"));
        INDArray big = new TestData(2, 5, 3).x.castTo(DataType.DOUBLE).dup('c');
        big.putScalar(new long[]{0, 1, 0}, 1e300);
        run = predict(model, npy("big.npy", big), null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("big.npy: x holds 1.0E300 (beyond float32's range")
                && run.err.contains("[batch 0, feature 1, step 0]"));
        assertEquals(0, predict(model, npy("ok.npy", new TestData(2, 5, 3).x), null).code);
    }

    /** A version 1.0 .npy file of {@code header} and {@code data}, as numpy writes one. */
    private File rawNpy(String name, String header, java.nio.ByteBuffer data) throws Exception {
        StringBuilder text = new StringBuilder(header);
        while ((10 + text.length() + 1) % 64 != 0) {
            text.append(' ');
        }
        text.append('\n');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length(), 0});
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(data.array());
        File file = new File(tmp.getRoot(), name);
        Files.write(file.toPath(), out.toByteArray());
        return file;
    }

    @Test
    public void aNpyFileNd4jWouldMisreadOrAbortOnIsRefused() throws Exception {
        File model = model(null);
        float[] values = new TestData(1, 4, 5).x.data().asFloat();   // [1, 3, 4]
        java.nio.ByteBuffer little = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer big = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.BIG_ENDIAN);
        for (float v : values) {
            little.putFloat(v);
            big.putFloat(v);
        }
        Run run = predict(model, rawNpy("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 4), }",
                little), null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("fortran.npy holds a Fortran-ordered array"));
        run = predict(model, rawNpy("big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3, 4), }", big),
                null);   // ND4J's reader aborts the JVM on it
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("big.npy holds dtype '>f4': save a little-endian float32 array"));
        run = predict(model, rawNpy("c.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4), }", little),
                null);
        assertEquals(run.err, 0, run.code);
        File tiny = new File(tmp.getRoot(), "tiny.npy");
        Files.write(tiny.toPath(), new byte[]{(byte) 0x93, 'N'});
        run = predict(model, tiny, null);
        assertEquals(run.err, 3, run.code);
        assertTrue(run.err, run.err.contains("tiny.npy is not a .npy file ("));
    }
}
