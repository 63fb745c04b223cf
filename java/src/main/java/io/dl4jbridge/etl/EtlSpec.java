package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved ETL spec ({@code dl4j_bridge.etl.Pipeline.save}, format {@code dl4j_bridge.etl.pipeline},
 * version 1) read on the JVM. {@link #open} starts a pass that turns raw lines into the same
 * windows or sessions, with the same float32 features, as {@code Pipeline.transform(lines)}.
 *
 * <pre>
 *   EtlSpec spec = EtlSpec.parse(json);
 *   EtlStream stream = spec.open("app.log");
 *   for (String line : lines) stream.accept(line, sequence -&gt; ...);
 *   stream.finish(sequence -&gt; ...);
 * </pre>
 */
public final class EtlSpec {
    public static final String FORMAT = "dl4j_bridge.etl.pipeline";
    /**
     * The newest version read (Python's {@code SPEC_VERSION}); every version from 1 is read. 2: sessions follow
     * {@code overflow} (a version 1 reader would cut long sessions silently); a version 1 spec's sessions are cut.
     * 3: a text reader has {@code line_rules} (a version 2 reader would read indented stack frames as records);
     * specs of versions 1 and 2 read text with line rules 1. 4: sessions have {@code gap} (a version 3 reader would
     * score a key's records as one session); specs of versions 1 to 3 have none.
     */
    public static final int VERSION = 4;
    /** Private networks of IP transforms saved before the spec listed them. */
    static final List<String> DEFAULT_PRIVATE_NETWORKS = Arrays.asList("10.0.0.0/8", "172.16.0.0/12",
            "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10");

    private final JsonNode spec;
    private final List<String> featureNames;
    private final String mode;
    private final String encoding;
    private final Charset charset;
    /** Python codec names (as {@code codecs.lookup(...).name} spells them) that Java knows by another name. */
    private EtlSpec(JsonNode spec) {
        this.spec = spec;
        JsonNode reader = required(spec, "reader");
        this.mode = reader.has("mode") ? reader.get("mode").asText() : "strict";
        this.encoding = reader.has("encoding") ? reader.get("encoding").asText() : "utf-8";
        this.charset = charsetOf(encoding);
        List<String> rebuilt = new ArrayList<>();
        for (Transform t : buildTransforms()) {
            rebuilt.addAll(t.featureNames());
        }
        List<String> saved = strings(required(spec, "feature_names"));
        if (!rebuilt.equals(saved)) {
            throw new SpecException("feature names rebuilt from the transforms differ from the saved ones");
        }
        this.featureNames = Collections.unmodifiableList(saved);
        buildReader();  // fail early on a reader the JVM cannot run
        sequenceNode();
    }

    public static EtlSpec parse(String json) {
        JsonNode node = readJson(json, "the ETL spec");
        if (node == null || !node.isObject() || !FORMAT.equals(text(node, "format"))) {
            throw new SpecException("not an ETL pipeline spec (format " + (node == null ? null : node.get("format")) + ")");
        }
        if (!node.has("version") || !node.get("version").isInt() || node.get("version").asInt() < 1
                || node.get("version").asInt() > VERSION) {
            throw new SpecException("unsupported ETL spec version " + node.get("version") + "; this dl4j-bridge reads "
                    + "versions 1 to " + VERSION + ": upgrade dl4j-bridge if a newer one wrote it");
        }
        return new EtlSpec(node);
    }

    public List<String> featureNames() {
        return featureNames;
    }

    public int nFeatures() {
        return featureNames.size();
    }

    /** "windows" or "sessions". */
    public String sequenceKind() {
        return sequenceNode().get("kind").asText();
    }

    /** The reader's saved bad-line mode ("strict" or "lenient"). */
    public String mode() {
        return mode;
    }

    /** Text encoding of the logs, as saved (a Python codec name). */
    public String encoding() {
        return encoding;
    }

    /** The Java charset of {@link #encoding()}, resolved (and refused when unknown) when the spec is read. */
    public Charset charset() {
        return charset;
    }

    /**
     * The Java charset of a Python codec name (or an alias Python resolves): only the codecs the JVM decodes
     * exactly as Python does ({@link PythonCodecs}); any other encoding is refused, naming the supported ones,
     * rather than read into different text than the model was trained on.
     */
    static Charset charsetOf(String name) {
        Charset charset = PythonCodecs.charset(name);
        if (charset != null) {
            return charset;
        }
        String known;
        try {
            known = java.nio.charset.Charset.isSupported(name.trim()) ? "; Java has a charset of that name, but it "
                    + "does not decode every byte as Python's codec does (other characters, or a different number "
                    + "of U+FFFD for invalid bytes), so the JVM's rows would differ from Python's" : "";
        } catch (IllegalArgumentException e) {
            known = "";
        }
        throw new SpecException("the logs' encoding '" + name + "' is not supported by the JVM scorer" + known
                + ". It reads these Python codecs exactly as Python does: " + String.join(", ", PythonCodecs.supported())
                + ". Convert the logs to UTF-8 (iconv -f " + name + " -t utf-8) and train on them, or score this "
                + "model with Python (python -m dl4j_bridge score)");
    }

    /** Text of a template id ({@code "<OOV>"} for 0, null without a Template transform or for an unknown id). */
    public String templateText(int id) {
        for (JsonNode t : required(spec, "transforms")) {
            if ("template".equals(text(t, "kind"))) {
                JsonNode templates = required(required(t, "miner"), "templates");
                if (id == TemplateMatcher.OOV_ID) {
                    return "<OOV>";
                }
                return id > 0 && id <= templates.size() ? templates.get(id - 1).asText() : null;
            }
        }
        return null;
    }

    /**
     * The class names of the step labels: the {@code classes} of the last label transform (each one overwrites the
     * step label, as in Python, whose {@code classifier.class_names} reads the same), or null (no label transform,
     * or a 0/1 label without {@code classes}).
     */
    public List<String> classNames() {
        JsonNode last = null;
        for (JsonNode t : required(spec, "transforms")) {
            if ("label".equals(text(t, "kind"))) {
                last = t;
            }
        }
        return last != null && last.hasNonNull("classes") ? strings(last.get("classes")) : null;
    }

    /** The raw spec. */
    public JsonNode json() {
        return spec;
    }

    /** A pass with the saved bad-line mode, no quarantine, sessions closed at the end of input. */
    public EtlStream open(String sourceName) {
        return open(sourceName, mode, null, 0);
    }

    /**
     * @param mode       "strict" or "lenient" (overrides the saved one)
     * @param quarantine lenient mode: receives rejected lines as JSON lines (may be null)
     * @param idleLines  sessions: close a session after this many lines without a record (0 = at the end)
     */
    public EtlStream open(String sourceName, String mode, Writer quarantine, long idleLines) {
        RecordReader reader = buildReader();
        List<Transform> transforms = buildTransforms();
        reader.allowAbsent(optionalFields(transforms));   // scoring, as Python's fitted pipeline reads
        List<String> labels = new ArrayList<>();
        for (Transform t : transforms) {
            if (t instanceof LabelTransform) {
                labels.addAll(t.inputColumns());
            }
        }
        reader.expectAbsent(labels);   // logs to score have no labels: listed in absent_fields, no warning
        for (Transform t : transforms) {   // a label value none of a label transform's classes is a bad value
            if (t instanceof LabelTransform && ((LabelTransform) t).classes() != null) {
                reader.checkValues(t.inputColumns().get(0), ((LabelTransform) t)::valueCheck);
            }
            if (t instanceof TemplateTransform) {   // a message a masking rule overflows the stack on: a bad line
                reader.checkValues(t.inputColumns().get(0), ((TemplateTransform) t)::valueCheck);
            }
        }
        ReadReport report = new ReadReport();
        report.source = sourceName;
        reader.start(report, new BadLinePolicy(sourceName, mode, report, quarantine));
        JsonNode seq = sequenceNode();
        SequenceAssembler assembler;
        String sessionKey = null;
        if ("windows".equals(seq.get("kind").asText())) {
            assembler = new WindowAssembler(intValue(seq, "length", "Windows length"),
                    intValue(seq, "stride", "Windows stride"),
                    bool(seq, "next_event", false), bool(seq, "pad_last", false), nFeatures());
        } else {
            sessionKey = seq.get("key").asText();
            assembler = new SessionAssembler(maxLength(seq), overflow(seq), gap(seq), nFeatures(), idleLines);
            for (Transform t : transforms) {   // sessions measure a delta by their key in time order
                if (t instanceof TimestampTransform) {
                    TimestampTransform timestamp = (TimestampTransform) t;
                    timestamp.orderDeltasInSessions(sessionKey.equals(timestamp.deltaBy()));
                }
            }
        }
        return new EtlStream(reader, transforms, assembler, sessionKey, nFeatures(), report);
    }

    private JsonNode sequenceNode() {
        JsonNode seq = spec.get("sequence");
        if (seq == null || seq.isNull()) {
            throw new SpecException("the ETL spec has no sequence (windows or sessions)");
        }
        String kind = text(seq, "kind");
        if (!"windows".equals(kind) && !"sessions".equals(kind)) {
            throw new SpecException("unknown sequence kind '" + kind + "'");
        }
        if ("sessions".equals(kind)) {   // refused when the spec is read, as Python's Sessions refuses them
            Double gap = gap(seq);
            new SessionAssembler(maxLength(seq), overflow(seq), gap, 0, 0);
            if (gap != null && !hasTimestamp()) {   // as Python's Pipeline refuses it
                throw new SpecException("Sessions gap=" + seq.get("gap") + " ends a session after that many seconds "
                        + "without a record, by the record times, but the pipeline has no timestamp transform: add "
                        + "one (run.toml: a [[transforms]] table with kind = \"timestamp\") or leave out gap "
                        + "([sequence] gap)");
            }
        } else {   // a length or stride beyond int: refused when the spec is read, not truncated when a stream opens
            intValue(seq, "length", "Windows length");
            intValue(seq, "stride", "Windows stride");
        }
        return seq;
    }

    private boolean hasTimestamp() {
        for (JsonNode t : required(spec, "transforms")) {
            if ("timestamp".equals(text(t, "kind"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sessions' {@code gap}: null (absent, as in every spec saved before it, or null: a key's records are one
     * session) or a JSON number of seconds; a boolean, a string or a number that is not finite and above 0 is a
     * {@link SpecException}, as Python's {@code Sessions} refuses it.
     */
    static Double gap(JsonNode seq) {
        if (!seq.hasNonNull("gap")) {
            return null;
        }
        JsonNode value = seq.get("gap");
        double seconds = value.isNumber() ? value.doubleValue() : Double.NaN;
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new SpecException("Sessions gap must be a number of seconds > 0 (or None: no gap ends a session; "
                    + "run.toml: [sequence] gap), got " + value);
        }
        return seconds;
    }

    /**
     * A whole number within int's range; anything else is a {@link SpecException} (asInt truncated 2^40 to 0 and
     * read a 5000-digit number as -1, refused under those values or, worse, accepted as them).
     */
    static int intValue(JsonNode node, String key, String what) {
        JsonNode value = node.get(key);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
            String text = value == null ? "nothing" : value.toString();
            throw new SpecException(what + " must be a whole number from " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE + ", got " + (text.length() <= 40 ? text : text.substring(0, 40) + "... ("
                    + text.length() + " characters)"));
        }
        return value.intValue();
    }

    /**
     * Sessions' {@code max_length}: null (absent or null: no limit) or a JSON integer, as Python's
     * {@code Sessions} takes it: 2.5, 2.0, "2" or true are a {@link SpecException}, not rounded. A value beyond
     * int's range limits nothing a session can reach, and is read as {@link Integer#MAX_VALUE}.
     */
    static Integer maxLength(JsonNode seq) {
        if (!seq.hasNonNull("max_length")) {
            return null;
        }
        JsonNode value = seq.get("max_length");
        if (!value.isIntegralNumber()) {
            throw new SpecException("Sessions max_length must be a whole number >= 1 (or None: no limit), got "
                    + value);
        }
        if (value.canConvertToInt()) {
            return value.intValue();
        }
        return value.bigIntegerValue().signum() > 0 ? Integer.MAX_VALUE : Integer.MIN_VALUE;  // MIN: refused as < 1
    }

    /**
     * Sessions' {@code overflow}: "split" or "truncate" (checked by {@link SessionAssembler}); a spec saved without
     * it (before overflow existed, when long sessions were truncated) reads as "truncate", as in Python.
     */
    static String overflow(JsonNode seq) {
        if (!seq.has("overflow")) {
            return SessionAssembler.TRUNCATE;
        }
        JsonNode value = seq.get("overflow");
        return value.isTextual() ? value.asText() : value.isNull() ? null : value.toString();
    }

    private RecordReader buildReader() {
        return reader(spec.get("reader"));
    }

    /** {@code json} read as a tree, or a {@link SpecException} saying {@code what} is not valid JSON. */
    private static JsonNode readJson(String json, String what) {
        try {
            return JsonValues.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new SpecException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Builds the parts of a spec that need no fitting exactly as {@link #parse} does, so that what the JVM would
     * refuse at load time is known before training: {@code {"reader": {...}, "transforms": [...]}} (both
     * optional; the transforms given in their saved form, e.g. the timestamp and extract ones). Python's
     * {@code dl4j_bridge.jvmcheck} calls it before training and {@link #parse} on the whole spec before saving.
     *
     * @throws SpecException naming what the JVM cannot run
     */
    public static void checkParts(String json) {
        JsonNode node = readJson(json, "the ETL spec parts");
        if (node == null || !node.isObject()) {
            throw new SpecException("the ETL spec parts must be a JSON object");
        }
        if (node.hasNonNull("reader")) {
            reader(node.get("reader"));
        }
        if (node.hasNonNull("transforms")) {
            for (JsonNode t : node.get("transforms")) {
                transform(t);
            }
        }
    }

    /** {@code reader.line_rules}; a spec saved before them (version 1 or 2) reads text with rules 1. */
    private static int lineRules(JsonNode r) {
        if (!r.has("line_rules")) {
            return 1;
        }
        if (!r.get("line_rules").isInt()) {
            throw new SpecException("text reader: line_rules " + r.get("line_rules") + " is not an integer");
        }
        return r.get("line_rules").asInt();
    }

    private static RecordReader reader(JsonNode r) {
        if (r.hasNonNull("encoding")) {
            charsetOf(r.get("encoding").asText());   // checkParts too: refused before training, not at deploy time
        }
        String kind = text(r, "kind");
        Map<String, String> types = new LinkedHashMap<>();
        if (r.hasNonNull("types")) {
            Iterator<Map.Entry<String, JsonNode>> it = r.get("types").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                types.put(e.getKey(), e.getValue().asText());
            }
        }
        if ("text".equals(kind)) {
            return new TextRecordReader(required(r, "regex").asText(), strings(required(r, "fields")),
                    r.hasNonNull("continuation") ? r.get("continuation").asText() : null, types,
                    r.hasNonNull("log_format") ? r.get("log_format").asText() : null,
                    lineRules(r));
        }
        if ("jsonl".equals(kind)) {
            return new JsonLinesRecordReader(aliases(r.get("fields")), types);
        }
        if ("csv".equals(kind)) {
            return new CsvRecordReader(aliases(r.get("fields")),
                    r.hasNonNull("delimiter") ? r.get("delimiter").asText() : ",", types);
        }
        throw new SpecException("unknown reader kind '" + kind + "'");
    }

    /**
     * What logs to score may lack, missing on every row (Python's {@code Pipeline.optional_fields}): the label
     * transforms' columns, and the schema's nullable columns (missing on some training records).
     */
    private List<String> optionalFields(List<Transform> transforms) {
        List<String> out = new ArrayList<>();
        for (Transform t : transforms) {
            if (t instanceof LabelTransform) {
                out.addAll(t.inputColumns());
            }
        }
        if (spec.hasNonNull("schema")) {
            for (JsonNode column : spec.get("schema")) {
                if (!column.has("nullable") || column.get("nullable").asBoolean()) {
                    out.add(column.get("name").asText());
                }
            }
        }
        return out;
    }

    private List<Transform> buildTransforms() {
        List<Transform> out = new ArrayList<>();
        for (JsonNode t : required(spec, "transforms")) {
            out.add(transform(t));
        }
        return out;
    }

    private static Transform transform(JsonNode t) {
        String kind = text(t, "kind");
        if (kind == null) {
            throw new SpecException("a transform has no kind: " + t);
        }
        switch (kind) {
            case "extract":
                return new ExtractTransform(text(t, "column"), text(t, "pattern"), text(t, "into"));
            case "categorical":
                return new CategoricalTransform(text(t, "column"), text(t, "encoding"),
                        t.has("missing") ? text(t, "missing") : "unknown", strings(required(t, "categories")));
            case "numeric":
                return new NumericTransform(text(t, "column"), text(t, "scaling"), bool(t, "log1p", false),
                        t.has("missing") ? text(t, "missing") : "mean", bool(t, "indicator", false),
                        required(t, "mean").asDouble(), required(t, "std").asDouble(),
                        required(t, "min").asDouble(), required(t, "max").asDouble());
            case "timestamp": {
                JsonNode column = required(t, "column");
                List<String> columns = column.isArray() ? strings(column) : Collections.singletonList(column.asText());
                return new TimestampTransform(columns, t.hasNonNull("format") ? text(t, "format") : null,
                        t.hasNonNull("year") ? intValue(t, "year", "TimestampTransform year") : null,
                        t.hasNonNull("delta_by") ? text(t, "delta_by") : null,
                        t.has("missing") ? text(t, "missing") : "previous",
                        t.hasNonNull("name") ? text(t, "name") : null);
            }
            case "template":
                return new TemplateTransform(text(t, "column"), new TemplateMatcher(required(t, "miner")),
                        bool(t, "onehot", true), t.has("missing") ? text(t, "missing") : "empty",
                        t.has("message_lines") ? text(t, "message_lines") : "all");   // "all": saved before the key
            case "ip":
                return new IpTransform(text(t, "column"), intValue(t, "prefix", "IpTransform prefix"),
                        t.has("missing") ? text(t, "missing") : "unknown", strings(required(t, "categories")),
                        t.hasNonNull("private_networks") ? strings(t.get("private_networks")) : DEFAULT_PRIVATE_NETWORKS);
            case "port":
                return new PortTransform(text(t, "column"), t.has("missing") ? text(t, "missing") : "unknown",
                        strings(required(t, "categories")));
            case "label":
                return new LabelTransform(text(t, "column"),
                        t.hasNonNull("positive") ? strings(t.get("positive")) : null,
                        t.hasNonNull("negative") ? strings(t.get("negative")) : null,
                        t.hasNonNull("classes") ? strings(t.get("classes")) : null);
            default:
                throw new SpecException("unknown transform kind '" + kind + "'");
        }
    }

    private static Map<String, List<String>> aliases(JsonNode fields) {
        if (fields == null || fields.isNull()) {
            return null;
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (fields.isArray()) {
            for (JsonNode name : fields) {
                out.put(name.asText(), Collections.singletonList(name.asText()));
            }
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().isArray() ? strings(e.getValue())
                    : Collections.singletonList(e.getValue().asText()));
        }
        return out;
    }

    static JsonNode required(JsonNode node, String key) {
        if (node == null || !node.hasNonNull(key)) {
            throw new SpecException("the spec lacks '" + key + "' in " + (node == null ? "null" : abbreviate(node)));
        }
        return node.get(key);
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    static String text(JsonNode node, String key) {
        return node != null && node.hasNonNull(key) ? node.get(key).asText() : null;
    }

    static boolean bool(JsonNode node, String key, boolean fallback) {
        return node.hasNonNull(key) ? node.get(key).asBoolean() : fallback;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }
}
