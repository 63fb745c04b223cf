package io.dl4jbridge;

import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Builds the reference GravesLSTM network through DL4J's builder API from a small, language-neutral
 * JSON spec (the one Python's {@code LSTMConfig.to_json()} writes; the pure-Java benchmark uses it too).
 *
 * <p>Every builder sets {@code InputType.recurrent(nIn, NCW)} and the NCW data format on each layer:
 * without it an RnnOutputLayer can compare layer sizes instead of sequence lengths (deeplearning4j#10022).
 */
public final class NetworkFactory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NetworkFactory() {}

    /** Builds and initialises a network from the spec JSON. */
    public static MultiLayerNetwork build(String specJson) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(specJson));
        net.init();
        return net;
    }

    /** The DL4J configuration for a spec, not yet initialised. */
    @SuppressWarnings("deprecation") // GravesLSTM is the reference design's layer, deprecated upstream in favour of LSTM
    public static MultiLayerConfiguration configuration(String specJson) {
        JsonNode spec;
        try {
            spec = JSON.readTree(specJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("network spec is not valid JSON: " + e.getMessage(), e);
        }
        int nIn = size("n_in", required(spec, "n_in"));
        int nOut = size("n_out", required(spec, "n_out"));
        JsonNode hidden = required(spec, "hidden_sizes");
        if (!hidden.isArray() || hidden.size() == 0) {
            throw new IllegalArgumentException("hidden_sizes must be a non-empty list of layer sizes, got " + hidden);
        }
        for (JsonNode h : hidden) {
            size("hidden_sizes", h);
        }
        double dropout = number(spec, "dropout", 0.0, 0.0, true);
        if (dropout >= 1) {
            throw new IllegalArgumentException("dropout (the probability of dropping an activation) must be in [0, 1), got "
                    + dropout);
        }
        double l2 = number(spec, "l2", 0.0, 0.0, true);

        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(spec.path("seed").asLong(123))
                .optimizationAlgo(choice(OptimizationAlgorithm.class, "optimization_algo",
                        spec.path("optimization_algo").asText("STOCHASTIC_GRADIENT_DESCENT")))
                .weightInit(choice(WeightInit.class, "weight_init", spec.path("weight_init").asText("XAVIER")))
                .updater(updater(spec))
                .gradientNormalization(choice(GradientNormalization.class, "gradient_normalization",
                        spec.path("gradient_normalization").asText("ClipElementWiseAbsoluteValue")))
                .gradientNormalizationThreshold(number(spec, "gradient_normalization_threshold", 0.5, 0.0, true));
        if (l2 > 0) {
            base.l2(l2);
        }

        NeuralNetConfiguration.ListBuilder list = base.list();
        Activation activation = activation("activation", spec.path("activation").asText("tanh"));
        int previous = nIn;
        String layerType = layerType(spec.path("layer_type").asText("GravesLSTM"));
        for (JsonNode h : hidden) {
            BaseRecurrentLayer.Builder<?> layer = "LSTM".equals(layerType) ? new LSTM.Builder() : new GravesLSTM.Builder();
            layer.nIn(previous).nOut(h.asInt())
                    .activation(activation)
                    .dataFormat(RNNFormat.NCW);
            if (dropout > 0) {
                layer.dropOut(1.0 - dropout);   // DL4J takes the probability of *retaining* an activation
            }
            list.layer(layer.build());
            previous = h.asInt();
        }
        list.layer(new RnnOutputLayer.Builder(loss(spec, nOut))
                .activation(activation("output_activation", spec.path("output_activation").asText("softmax")))
                .nIn(previous).nOut(nOut)
                .dataFormat(RNNFormat.NCW)
                .build());
        list.setInputType(InputType.recurrent(nIn, RNNFormat.NCW));

        JsonNode tbptt = spec.path("tbptt_length");
        if (!tbptt.isMissingNode() && !tbptt.isNull()) {
            int length = size("tbptt_length", tbptt);
            list.backpropType(BackpropType.TruncatedBPTT);
            list.tBPTTForwardLength(length).tBPTTBackwardLength(length);
        }
        return list.build();
    }

    /**
     * The output layer's loss. With {@code "class_weights": [w0, w1, ...]} (MCXENT only) it is
     * {@code new LossMCXENT(weights)}: DL4J's weighted MCXENT gradient, {@code p * sum(y) - y}, is also exact
     * for the per-step weights {@link Trainer} puts into the labels, which the unweighted one ({@code p - y}) is not.
     */
    private static ILossFunction loss(JsonNode spec, int nOut) {
        LossFunction name = choice(LossFunction.class, "loss", spec.path("loss").asText("MCXENT"));
        JsonNode weights = spec.path("class_weights");
        if (weights.isMissingNode() || weights.isNull()) {
            return name.getILossFunction();
        }
        if (name != LossFunction.MCXENT) {
            throw new IllegalArgumentException("class_weights need the MCXENT loss, not " + name);
        }
        if (!weights.isArray() || weights.size() != nOut) {
            throw new IllegalArgumentException("class_weights must be a list of n_out = " + nOut + " numbers");
        }
        double[] w = new double[nOut];
        for (int i = 0; i < nOut; i++) {
            w[i] = weights.get(i).asDouble();
            if (!(w[i] >= 0)) {
                throw new IllegalArgumentException("class_weights must be >= 0, got " + weights);
            }
        }
        return new LossMCXENT(Nd4j.create(w, new long[]{1, nOut}, DataType.FLOAT));
    }

    private static IUpdater updater(JsonNode spec) {
        String name = spec.path("updater").asText("nesterovs").toLowerCase();
        double lr = number(spec, "learning_rate", 0.005, 0.0, false);
        double momentum = number(spec, "momentum", 0.9, 0.0, true);
        ISchedule schedule = schedule(spec.path("lr_schedule"), lr);
        switch (name) {
            case "nesterovs":
                return schedule == null ? new Nesterovs(lr, momentum) : new Nesterovs(schedule, momentum);
            case "sgd":
                return schedule == null ? new Sgd(lr) : new Sgd(schedule);
            case "adam":
                return schedule == null ? new Adam(lr) : new Adam(schedule);
            default:
                throw new IllegalArgumentException("unknown updater '" + name + "' (nesterovs, sgd, adam)");
        }
    }

    /**
     * {"type": "step", "decay": 0.5, "step": 1000} or {"type": "exponential", "gamma": 0.99}, per iteration or epoch
     * ({@code "unit"}: "epoch", the default, or "iteration"). Keys another type takes, unknown keys and values out of
     * range are refused (a misspelt key would otherwise leave its default in force).
     */
    private static ISchedule schedule(JsonNode node, double lr) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("lr_schedule must be an object such as {\"type\": \"step\", \"decay\": 0.5, "
                    + "\"step\": 10}, got " + node);
        }
        String type = node.path("type").asText("").toLowerCase();
        List<String> keys;
        switch (type) {
            case "step":
                keys = Arrays.asList("type", "decay", "step", "unit");
                break;
            case "exponential":
                keys = Arrays.asList("type", "gamma", "unit");
                break;
            default:
                throw new IllegalArgumentException("unknown lr_schedule type '" + type + "' (step, exponential)");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!keys.contains(key)) {
                throw new IllegalArgumentException("lr_schedule of type '" + type + "' does not take '" + key
                        + "'; its keys are " + keys);
            }
        }
        ScheduleType unit = choice(ScheduleType.class, "lr_schedule unit", node.path("unit").asText("EPOCH"));
        if (type.equals("step")) {
            double step = number(node, "step", 1.0, 1.0, true);
            if (step != Math.rint(step)) {
                throw new IllegalArgumentException("lr_schedule 'step' must be an integer >= 1, got " + step);
            }
            return new StepSchedule(unit, lr, factor(node, "decay", 0.5), step);
        }
        return new ExponentialSchedule(unit, lr, factor(node, "gamma", 0.95));
    }

    /** A schedule's multiplier: in (0, 1]. */
    private static double factor(JsonNode node, String key, double fallback) {
        double value = number(node, key, fallback, 0.0, false);
        if (value > 1) {
            throw new IllegalArgumentException("lr_schedule '" + key + "' multiplies the learning rate and must be in (0, 1], got "
                    + value);
        }
        return value;
    }

    /**
     * A finite number {@code >= minimum} ({@code > minimum} unless {@code inclusive}); {@code fallback} when the field
     * is missing or null. (Jackson's {@code asDouble} would read a string or an object as the default without a word.)
     */
    private static double number(JsonNode spec, String field, double fallback, double minimum, boolean inclusive) {
        JsonNode node = spec.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        double value = node.asDouble();
        if (!node.isNumber() || !Double.isFinite(value) || value < minimum || (!inclusive && value == minimum)) {
            throw new IllegalArgumentException(field + " must be a finite number " + (inclusive ? ">= " : "> ") + minimum
                    + ", got " + node);
        }
        return value;
    }

    /**
     * The recurrent layer: {@code "GravesLSTM"} (the reference design; LSTM with peephole connections) or
     * {@code "LSTM"} (DL4J's LSTM without peepholes, the layer DL4J recommends and can run through cuDNN), in any case.
     */
    static String layerType(String name) {
        for (String known : new String[] {"GravesLSTM", "LSTM"}) {
            if (known.equalsIgnoreCase(name.trim())) {
                return known;
            }
        }
        throw new IllegalArgumentException("layer_type must be GravesLSTM or LSTM (any case), got '" + name + "'");
    }

    /** A layer size or length: a whole number >= 1 (3.0 is 3; 3.7 is refused instead of truncated). */
    private static int size(String field, JsonNode node) {
        double value = node.asDouble();
        if (!node.isNumber() || value != Math.rint(value) || value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " must be an integer >= 1, got " + node);
        }
        return (int) value;
    }

    private static Activation activation(String setting, String name) {
        return choice(Activation.class, setting, name.toUpperCase());
    }

    /**
     * {@code Enum.valueOf}, in any case ("xavier" is XAVIER, "none" is None), with an error that names the setting
     * and lists the values it takes (DL4J's own says only "No enum constant"). The original is kept as a suppressed
     * exception, not as the cause: Python shows the root cause's message.
     */
    static <E extends Enum<E>> E choice(Class<E> type, String setting, String name) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException unknown) {
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(name)) {
                    return constant;
                }
            }
            IllegalArgumentException error = new IllegalArgumentException(setting + " '" + name + "' is not a DL4J "
                    + type.getSimpleName() + "; use one of " + Arrays.toString(type.getEnumConstants()));
            error.addSuppressed(unknown);
            throw error;
        }
    }

    private static JsonNode required(JsonNode spec, String field) {
        JsonNode node = spec.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("network spec lacks required field '" + field + "'");
        }
        return node;
    }
}
