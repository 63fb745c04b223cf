package io.dl4jbridge.bench;

import io.dl4jbridge.FitResult;
import io.dl4jbridge.NetworkFactory;
import io.dl4jbridge.Trainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Pure-Java baseline: the same network, data and epochs as a Python {@code Network.fit}, without Python.
 *
 * <pre>java -cp 'lib/*' io.dl4jbridge.bench.TrainBench SPEC.json X.npy Y.npy EPOCHS BATCH [REPEATS]</pre>
 * X is [batch, features, time] (NCW), Y is [batch, time] class ids. Prints one line per repeat:
 * {@code train_seconds=S iterations=N}.
 */
public final class TrainBench {
    private TrainBench() {}

    public static void main(String[] args) throws Exception {
        String spec = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        INDArray x = Nd4j.createFromNpyFile(new File(args[1]));
        INDArray y = Nd4j.createFromNpyFile(new File(args[2]));
        int epochs = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int repeats = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        for (int r = 0; r < repeats; r++) {
            MultiLayerNetwork net = NetworkFactory.build(spec);
            long start = System.nanoTime();
            FitResult result = Trainer.fit(net, x, y, null, null, null, null, epochs, batch, -1, 0, null, 1000);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("train_seconds=%.4f iterations=%d final_score=%.6f%n",
                    seconds, result.iterationScores.length, result.epochScores[result.epochScores.length - 1]);
        }
    }
}
