package io.dl4jbridge.scorer;

import io.dl4jbridge.CheckedModel;
import io.dl4jbridge.DetectorScoring;
import io.dl4jbridge.ModelCheck;
import io.dl4jbridge.etl.EtlSpec;
import io.dl4jbridge.etl.JsonValues;
import io.dl4jbridge.etl.SpecException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pieces of a detector zip (one ModelSerializer zip per detector): the network, DL4J's
 * {@code normalizer.bin}, {@code dl4j_bridge.etl_spec.json} and {@code dl4j_bridge.detector.json}
 * (format {@code dl4j_bridge.detector}, versions 1 and 2: kind, threshold, scoring parameters; 2 adds
 * {@code never_expected}, which a version 1 reader would ignore and score differently).
 */
public final class DetectorFile {
    /** The zip entry of the detector document (kind, threshold, scoring). */
    public static final String DETECTOR_ENTRY = "dl4j_bridge.detector.json";
    /** The zip entry of the ETL spec the detector was trained with. */
    public static final String ETL_ENTRY = "dl4j_bridge.etl_spec.json";
    /** The detector document's {@code format}. */
    public static final String FORMAT = "dl4j_bridge.detector";
    /** The newest version read (Python's {@code persistence.VERSION}); every version from 1 is read. */
    public static final int VERSION = 2;

    /** The file read. */
    public final Path path;
    /** The network; its {@code output} is synchronised by DL4J: scoring threads take turns. */
    public final MultiLayerNetwork network;
    /** null when the zip has no normalizer.bin. */
    public final DataNormalization normalizer;
    /** The ETL spec: raw lines to the network's arrays. */
    public final EtlSpec etl;
    /** The whole detector.json. */
    public final JsonNode detector;
    /** "next_event", "sequence_classifier" or "next_value". */
    public final String kind;
    /** The threshold saved with the detector. */
    public final double threshold;
    /** The {@code scoring} object, as JSON text for {@code DetectorScoring}. */
    public final String scoringJson;
    /**
     * Every entry was checked against the file's manifest: false for a file read as trusted, or without a
     * manifest (saved before manifests, or with its manifest removed: a changed threshold would go unnoticed).
     */
    public final boolean verified;

    private DetectorFile(Path path, MultiLayerNetwork network, DataNormalization normalizer, EtlSpec etl,
                         JsonNode detector, boolean verified) {
        this.path = path;
        this.verified = verified;
        this.network = network;
        this.normalizer = normalizer;
        this.etl = etl;
        this.detector = detector;
        this.kind = detector.get("kind").asText();
        this.threshold = detector.get("threshold").asDouble();
        this.scoringJson = detector.get("scoring").toString();
    }

    /**
     * @param trusted skip {@link ModelCheck}'s checks (entries, zip-bomb limits, class names, manifest) and allow
     *                a custom (Java-serialised) normalizer, whose restore runs code named by the file
     * @throws IOException   the file is missing or unreadable
     * @throws SpecException an entry is missing, malformed or of an unknown version
     */
    public static DetectorFile read(Path path, boolean trusted) throws IOException {
        requireModelFile(path);
        String file = path.toString();
        // checked (unless trusted) and read once; DL4J restores from these bytes, never from the file
        CheckedModel model = ModelCheck.read(path, trusted);
        if (model.text(DETECTOR_ENTRY) == null) {   // Python's words (detectors.persistence)
            boolean network = model.names().contains("configuration.json") && model.names().contains("coefficients.bin");
            throw new SpecException(network
                    ? file + " holds no " + DETECTOR_ENTRY + ": it is a network, not a detector (load it with "
                            + "dl4j_bridge.Network.load)"
                    : file + " holds no " + DETECTOR_ENTRY + " and is not a Deeplearning4j network either: is this a "
                            + "detector saved by dl4j_bridge (detector.save or dl4j-bridge train)?");
        }
        JsonNode detector = parseEntry(model, file, DETECTOR_ENTRY);
        if (!FORMAT.equals(detector.path("format").asText())) {
            throw new SpecException(file + ": " + DETECTOR_ENTRY + " is not a detector description (format "
                    + detector.get("format") + ")");
        }
        JsonNode version = detector.path("version");
        if (!version.isInt() || version.asInt() < 1 || version.asInt() > VERSION) {
            throw new SpecException(file + ": detector description version " + detector.get("version")
                    + " is not supported; this code reads versions 1 to " + VERSION + " (upgrade dl4j-bridge: a "
                    + "newer one wrote it)");
        }
        String kind = detector.path("kind").asText();
        if (!"next_event".equals(kind) && !"sequence_classifier".equals(kind) && !"next_value".equals(kind)) {
            throw new SpecException(file + ": unknown detector kind '" + kind + "'");
        }
        for (String key : new String[]{"threshold", "scoring"}) {
            if (!detector.hasNonNull(key)) {
                throw new SpecException(file + ": " + DETECTOR_ENTRY + " lacks '" + key + "'");
            }
        }
        String etlText = model.text(ETL_ENTRY);
        if (etlText == null) {   // Python's score says the same (cli._load)
            throw new SpecException(file + " holds no ETL spec (" + ETL_ENTRY + "); save the detector with its pipeline "
                    + "(detector.save(path, pipeline=...)) to score raw logs");
        }
        EtlSpec etl;
        try {
            etl = EtlSpec.parse(etlText);
        } catch (SpecException e) {
            throw new SpecException(file + ": " + ETL_ENTRY + ": " + e.getMessage(), e);
        }
        JsonNode threshold = detector.get("threshold");
        if (!threshold.isNumber() || !Double.isFinite(threshold.asDouble())) {
            throw new SpecException(file + ": " + DETECTOR_ENTRY + " threshold must be a finite number, got "
                    + (threshold.isNumber() ? String.valueOf(threshold.asDouble()) : threshold.toString()) + " ("
                    + ModelCheck.DAMAGE_HINT + ")");
        }
        MultiLayerNetwork network;
        DataNormalization normalizer;
        try {
            network = model.network(false);
        } catch (RuntimeException | IOException e) {   // DL4J's own errors on damaged bytes: without the file
            throw new SpecException(file + ": the network (configuration.json, coefficients.bin) cannot be restored: "
                    + e.getMessage() + " (" + ModelCheck.DAMAGE_HINT + ")", e);
        }
        try {
            normalizer = model.normalizer(trusted);
        } catch (RuntimeException e) {
            throw new SpecException(file + ": normalizer.bin cannot be restored: " + e.getMessage() + " ("
                    + ModelCheck.DAMAGE_HINT + ")", e);
        }
        JsonNode params = detector.path("params");
        if (normalizer == null && params.path("normalize").asBoolean(false)) {
            throw new SpecException(file + ": the detector was trained with normalize=True but the file holds no "
                    + "normalizer.bin, so its inputs would not be scaled as in training (" + ModelCheck.DAMAGE_HINT + ")");
        }
        checkScoringAgainstParams(file, detector.get("scoring"), params);
        long nIn = network.layerInputSize(0);
        if (nIn != etl.nFeatures()) {
            throw new SpecException(file + ": the network takes " + nIn + " features per step, the ETL spec makes "
                    + etl.nFeatures());
        }
        int nOut = (int) network.layerSize(network.getnLayers() - 1);
        String scoringKind;
        try {
            scoringKind = DetectorScoring.checkSpec(detector.get("scoring").toString(), (int) nIn, nOut);
        } catch (IllegalArgumentException e) {
            throw new SpecException(file + ": " + DETECTOR_ENTRY + " scoring: " + e.getMessage());
        }
        if (!scoringKind.equals(kind)) {
            throw new SpecException(file + ": the detector kind is '" + kind + "' but its scoring is for '"
                    + scoringKind + "'");
        }
        return new DetectorFile(path, network, normalizer, etl, detector, !trusted && model.manifest != null);
    }

    /**
     * Refuses what is not a model file in the words of Python's loaders ({@code dl4j_bridge.modelfile}), as the
     * launcher does.
     *
     * @param path the model file
     * @throws FileNotFoundException {@code path} is a directory or no file
     */
    public static void requireModelFile(Path path) throws FileNotFoundException {
        if (Files.isDirectory(path)) {
            throw new FileNotFoundException(path + " is a directory, not a model file: give the .zip a detector or "
                    + "network was saved to");
        }
        if (!Files.isRegularFile(path)) {
            throw new FileNotFoundException("no model file at " + path);
        }
    }

    /** Scoring settings that are also constructor parameters (Python's {@code scoring()} derives them). */
    private static final String[] SCORING_PARAMS = {"top_g", "score", "steps", "oov_id", "end_id",
        "end_min_probability", "positive_classes", "aggregation"};

    /**
     * Every scoring setting that is also a saved parameter must equal it, either way round (a setting absent on
     * one side equals null on the other), as Python's loader requires; files without saved params are not
     * checked.
     */
    private static void checkScoringAgainstParams(String file, JsonNode scoring, JsonNode params) throws SpecException {
        if (!params.isObject()) {
            return;
        }
        for (String name : SCORING_PARAMS) {
            JsonNode saved = scoring.get(name);
            JsonNode param = params.get(name);
            boolean savedNull = saved == null || saved.isNull();
            boolean paramNull = param == null || param.isNull();
            boolean same = savedNull || paramNull ? savedNull == paramNull
                    : saved.isNumber() && param.isNumber() ? saved.asDouble() == param.asDouble() : saved.equals(param);
            if (!same) {
                throw new SpecException(file + ": " + DETECTOR_ENTRY + " scoring " + name + " = " + saved
                        + " does not match the saved parameter " + name + " = " + param + " ("
                        + ModelCheck.DAMAGE_HINT + ")");
            }
        }
    }

    private static JsonNode parseEntry(CheckedModel model, String file, String entry) throws IOException {
        String text = model.text(entry);
        if (text == null) {
            throw new SpecException(file + ": no " + entry + " entry; is this a detector saved by dl4j_bridge?");
        }
        try {
            return JsonValues.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new SpecException(file + ": " + entry + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
