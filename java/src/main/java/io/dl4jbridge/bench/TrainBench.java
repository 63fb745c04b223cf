package io.dl4jbridge.bench;

import io.dl4jbridge.FitResult;
import io.dl4jbridge.NetworkFactory;
import io.dl4jbridge.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Pure-Java baseline: the same network, data and epochs as a Python {@code Network.fit}, without Python.
 *
 * <pre>java -cp 'lib/*' io.dl4jbridge.bench.TrainBench SPEC.json X.npy Y.npy EPOCHS BATCH [REPEATS [WARMUP_BATCHES]]</pre>
 * X is [batch, features, time] (NCW), Y is [batch, time] class ids. Prints one line per repeat:
 * {@code train_seconds=S iterations=N final_score=F}, then one JSON line with all of them
 * ({@code {"seconds": [...], "iterations": N, "final_score": F}}) for python/bench/training.py.
 * Each repeat trains a freshly built network. With WARMUP_BATCHES > 0 an untimed network is first trained
 * for one epoch on that many minibatches (JIT warm-up); otherwise the first repeat includes the warm-up.
 */
public final class TrainBench {
    private TrainBench() {}

    public static void main(String[] args) throws Exception {
        io.dl4jbridge.CpuBuild.select();
        String spec = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        INDArray x = Nd4j.createFromNpyFile(new File(args[1]));
        INDArray y = Nd4j.createFromNpyFile(new File(args[2]));
        int epochs = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int repeats = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        long warmupExamples = Math.min(x.size(0), (args.length > 6 ? Long.parseLong(args[6]) : 0) * batch);
        if (warmupExamples > 0) {
            INDArray wx = x.get(NDArrayIndex.interval(0, warmupExamples), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
            INDArray wy = y.get(NDArrayIndex.interval(0, warmupExamples), NDArrayIndex.all()).dup('c');
            Trainer.fit(NetworkFactory.build(spec), wx, wy, null, null, null, null, 1, batch, -1, 0, null, 1000);
        }
        StringBuilder allSeconds = new StringBuilder();
        int iterations = 0;
        double finalScore = Double.NaN;
        for (int r = 0; r < repeats; r++) {
            MultiLayerNetwork net = NetworkFactory.build(spec);
            long start = System.nanoTime();
            FitResult result = Trainer.fit(net, x, y, null, null, null, null, epochs, batch, -1, 0, null, 1000);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("train_seconds=%.4f iterations=%d final_score=%.6f%n",
                    seconds, result.iterationScores.length, result.epochScores[result.epochScores.length - 1]);
            allSeconds.append(r == 0 ? "" : ", ").append(seconds);
            iterations = result.iterationScores.length;
            finalScore = result.epochScores[result.epochScores.length - 1];
        }
        System.out.println("{\"seconds\": [" + allSeconds + "], \"iterations\": " + iterations
                + ", \"final_score\": " + finalScore + ", \"native_library\": \"" + nativeLibrary() + "\"}");
    }

    /** Path of the libnd4jcpu that JavaCPP loaded (its directory names the build). */
    static String nativeLibrary() {
        String path = org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu");
        return path == null ? "" : path.replace("\\", "/").replace("\"", "");
    }
}
