package io.dl4jbridge.bench;

import io.dl4jbridge.NetworkFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Pure-Java inference baseline: {@code net.output} on the same windows a Python {@code Network.predict_proba}
 * scores, with the same network (built from the same spec and seed, so the same weights).
 *
 * <pre>java -cp 'lib/*' io.dl4jbridge.bench.InferBench SPEC.json X.npy BATCHES REPEATS LATENCY_CALLS</pre>
 * X is [n, features, time] (NCW); BATCHES is a comma-separated list of batch sizes (each at most n).
 * Prints one JSON line: per batch size the median seconds of REPEATS forward passes (after three warm-up
 * passes of every batch size, then one more of the size measured), the p50 / p99 milliseconds of LATENCY_CALLS single-window calls (after as many warm-up calls),
 * and the L2 norm of the largest batch's outputs (to check both sides compute the same).
 */
public final class InferBench {
    private InferBench() {}

    public static void main(String[] args) throws Exception {
        io.dl4jbridge.CpuBuild.select();
        String spec = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        INDArray x = Nd4j.createFromNpyFile(new File(args[1]));
        int[] batches = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int repeats = Integer.parseInt(args[3]);
        int latencyCalls = Integer.parseInt(args[4]);
        MultiLayerNetwork net = NetworkFactory.build(spec);

        for (int b : batches) {  // warm-up of every shape first, as the Python side does
            INDArray xb = rows(x, b);
            for (int r = 0; r < 3; r++) {
                net.output(xb, false, null, null);
            }
        }
        StringBuilder json = new StringBuilder("{\"median_seconds\": {");
        double checksum = 0;
        for (int i = 0; i < batches.length; i++) {
            INDArray xb = rows(x, batches[i]);
            INDArray out = net.output(xb, false, null, null);  // warm-up
            double[] times = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                out = net.output(xb, false, null, null);
                times[r] = (System.nanoTime() - start) / 1e9;
            }
            checksum = out.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).norm2Number().doubleValue();
            json.append(i == 0 ? "" : ", ").append('"').append(batches[i]).append("\": ").append(median(times));
        }
        INDArray one = rows(x, 1);
        double[] millis = new double[latencyCalls];
        for (int r = 0; r < latencyCalls; r++) {
            net.output(one, false, null, null);
        }
        for (int r = 0; r < latencyCalls; r++) {
            long start = System.nanoTime();
            net.output(one, false, null, null);
            millis[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        json.append("}, \"latency_p50_ms\": ").append(quantile(millis, 0.50))
                .append(", \"latency_p99_ms\": ").append(quantile(millis, 0.99))
                .append(", \"checksum\": ").append(checksum)
                .append(", \"native_library\": \"").append(TrainBench.nativeLibrary()).append("\"}");
        System.out.println(json);
    }

    private static INDArray rows(INDArray x, int n) {
        if (n > x.size(0)) {
            throw new IllegalArgumentException("batch " + n + " is larger than the " + x.size(0) + " windows given");
        }
        return x.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return quantile(v, 0.5);
    }

    /** Linear-interpolation quantile of sorted values (numpy's default). */
    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
