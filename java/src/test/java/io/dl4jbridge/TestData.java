package io.dl4jbridge;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** Small seeded sequences in NCW layout: the label at a step is 1 when feature 0 was positive one step earlier. */
final class TestData {
    static final String SPEC = "{\"n_in\": 3, \"n_out\": 2, \"hidden_sizes\": [8], \"learning_rate\": 0.05}";

    final INDArray x;
    final INDArray ids;

    TestData(int batch, int time, long seed) {
        Random rnd = new Random(seed);
        float[] xs = new float[batch * 3 * time];
        float[] ys = new float[batch * time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                for (int f = 0; f < 3; f++) {
                    xs[(b * 3 + f) * time + t] = (float) rnd.nextGaussian();
                }
                ys[b * time + t] = t > 0 && xs[(b * 3) * time + t - 1] > 0 ? 1f : 0f;
            }
        }
        x = Nd4j.create(xs, new long[]{batch, 3, time}, 'c');
        ids = Nd4j.create(ys, new long[]{batch, time}, 'c');
    }
}
