package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's random generator state as part of a network's training state.
 *
 * <p>DL4J seeds ND4J's generator ({@link Nd4j#getRandom()}, one per thread) from the configuration's seed when a
 * network is initialised, and dropout draws its masks from that generator during training; nothing reseeds it
 * afterwards. So a network's training would depend on whatever else drew from the generator between its
 * initialisation and its fit, and on the thread that fits it. The project therefore keeps the generator's
 * state with every network ({@code Network._random_state} in Python): captured right after the network is
 * built, restored at the start of every {@link Trainer#fit} in the thread that runs it, and captured again at
 * its end. A fit right after a build draws exactly what it drew before this was done.
 *
 * <p>A state is ND4J's {@code {rootState(), nodeState()}} pair ({@link Random#setStates(long, long)}); the
 * native generator keeps no other state (its Java-side position only counts draws for {@code getPosition()}).
 */
public final class RandomStates {
    private RandomStates() {}

    /** This thread's generator state, {@code {root, node}}. */
    public static long[] current() {
        Random random = Nd4j.getRandom();
        return new long[] {random.rootState(), random.nodeState()};
    }

    /** Sets this thread's generator to {@code state} ({@code {root, node}}). */
    public static void set(long[] state) {
        if (state == null || state.length != 2) {
            throw new IllegalArgumentException("a random state is {root, node}");
        }
        Nd4j.getRandom().setStates(state[0], state[1]);
    }

    /** Builds and initialises a network from the spec JSON ({@link NetworkFactory#build}); {@code stateOut}
     *  receives the generator state right after its initialisation. */
    public static MultiLayerNetwork build(String specJson, long[] stateOut) {
        MultiLayerNetwork net = NetworkFactory.build(specJson);
        capture(stateOut);
        return net;
    }

    /**
     * The state a network of {@code net}'s configuration holds right after {@link MultiLayerNetwork#init()}
     * (DL4J seeds the generator from the configuration's seed, then draws the initial weights): the state of
     * a network restored from a file, which does not carry one. This thread's generator is left as it was.
     * Initialises a throw-away network of the same configuration, so it costs one more set of parameters.
     */
    public static long[] afterInit(MultiLayerNetwork net) {
        long[] saved = current();
        try {
            new MultiLayerNetwork(net.getLayerWiseConfigurations().clone()).init();
            return current();
        } finally {
            set(saved);
        }
    }

    static void capture(long[] stateOut) {
        if (stateOut != null) {
            long[] now = current();
            stateOut[0] = now[0];
            stateOut[1] = now[1];
        }
    }
}
