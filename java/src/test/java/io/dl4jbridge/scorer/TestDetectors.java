package io.dl4jbridge.scorer;

import io.dl4jbridge.ModelIO;
import io.dl4jbridge.NetworkFactory;
import io.dl4jbridge.Normalizers;
import io.dl4jbridge.etl.EtlSpec;
import io.dl4jbridge.etl.EtlStream;
import io.dl4jbridge.etl.ParityVectors;
import io.dl4jbridge.etl.Sequence;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Detector zips built in Java for the scorer tests: the ETL spec of a parity vector, an untrained
 * seeded network of the right shape, a normalizer fitted on the vector's sequences, and a
 * detector.json. (Python-trained detectors are checked by tests/test_jvm_scorer.py.)
 */
final class TestDetectors {
    static final String NEXT_EVENT_SCORING = "{\"kind\":\"next_event\",\"top_g\":3,\"score\":\"share\",\"steps\":\"all\",\"oov_id\":0}";
    static final String CLASSIFIER_SCORING = "{\"kind\":\"sequence_classifier\",\"positive_classes\":[1],\"aggregation\":\"max\"}";

    final File zip;
    final JsonNode vector;
    final EtlSpec spec;
    final List<Sequence> sequences = new ArrayList<>();

    private TestDetectors(File zip, JsonNode vector, EtlSpec spec) {
        this.zip = zip;
        this.vector = vector;
        this.spec = spec;
    }

    /** @param kind "next_event" or "sequence_classifier" */
    static TestDetectors write(File dir, String vectorName, String kind, double threshold, int version) throws Exception {
        return write(dir, vectorName, kind, threshold, version, null);
    }

    /** @param scoring the detector file's scoring JSON (null: the usual one of {@code kind}) */
    static TestDetectors write(File dir, String vectorName, String kind, double threshold, int version,
                               String scoring) throws Exception {
        JsonNode vector = ParityVectors.read(new File(ParityVectors.dir().toFile(), vectorName));
        EtlSpec spec = EtlSpec.parse(vector.get("spec").toString());
        TestDetectors out = new TestDetectors(new File(dir, vectorName.replace(".json", ".zip")), vector, spec);
        EtlStream stream = spec.open("<lines>", vector.get("mode").asText(), null, 0);
        for (String line : ParityVectors.lines(vector)) {
            stream.accept(line, out.sequences::add);
        }
        stream.finish(out.sequences::add);
        boolean nextEvent = "next_event".equals(kind);
        int nOut = nextEvent ? vocabulary(spec) : 2;
        MultiLayerNetwork net = NetworkFactory.build("{\"n_in\": " + spec.nFeatures() + ", \"n_out\": " + nOut
                + ", \"hidden_sizes\": [8], \"seed\": 5}");
        INDArray[] a = ScoringStream.arrays(out.sequences, spec.nFeatures());
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("dl4j_bridge.etl_spec.json", vector.get("spec").toString());
        extras.put("dl4j_bridge.detector.json", "{\"format\": \"dl4j_bridge.detector\", \"version\": " + version
                + ", \"kind\": \"" + kind + "\", \"threshold\": " + threshold
                + ", \"threshold_method\": {\"method\": \"fixed\"}, \"scoring\": "
                + (scoring != null ? scoring : nextEvent ? NEXT_EVENT_SCORING : CLASSIFIER_SCORING) + ", \"feature_names\": [], "
                + "\"created_by\": \"TestDetectors\"}");
        ModelIO.save(net, out.zip.getPath(), false, extras, Normalizers.fitStandardize(a[0], a[1]));
        return out;
    }

    private static int vocabulary(EtlSpec spec) {
        for (JsonNode t : spec.json().get("transforms")) {
            if ("template".equals(t.get("kind").asText())) {
                return t.get("miner").get("templates").size() + 1;
            }
        }
        throw new AssertionError("no template transform");
    }
}
