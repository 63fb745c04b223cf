package io.dl4jbridge;

import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonToken;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The checks a model zip passes before DL4J reads it, on the JVM: the same rules as Python's
 * {@code dl4j_bridge.modelfile}, read from the same file ({@code model_policy.json}, packed into the jar as
 * {@code io/dl4jbridge/model_policy.json}).
 *
 * <p>{@link #read(Path, boolean)} reads every entry once through the zip's central directory, checks names,
 * counts, sizes and compression ratios, the normalizer header, the class names of {@code configuration.json}
 * and the manifest, and returns a {@link CheckedModel}: DL4J then reads only those bytes (re-zipped in
 * memory), never the file, so an entry the central directory hides from this check cannot reach DL4J's
 * {@code ZipInputStream}, and the file is never rewritten.
 */
public final class ModelCheck {
    /** What to do about a damaged file (Python's modelfile says the same). */
    public static final String DAMAGE_HINT = "restore a backup, or save the model again from where it was trained (loading "
            + "this file with trusted=True and saving it would keep the damage)";

    public static final String POLICY_RESOURCE = "/io/dl4jbridge/model_policy.json";
    public static final String MANIFEST_ENTRY = "dl4j_bridge.manifest.json";
    public static final String MANIFEST_FORMAT = "dl4j_bridge.manifest";
    public static final int MANIFEST_VERSION = 1;
    public static final String ETL_ENTRY = "dl4j_bridge.etl_spec.json";
    static final String CONFIGURATION_ENTRY = "configuration.json";
    static final String NORMALIZER_ENTRY = "normalizer.bin";
    private static final String TRUST_HINT = "if you trust this file (you made it, or know who did), load it with"
            + " --trusted (Java: trusted=true)";
    private static final Pattern CLASS_NAME = Pattern.compile("^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+$");
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

    /** Loaded from {@link #POLICY_RESOURCE}. */
    public static final Policy POLICY = Policy.load();

    static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private ModelCheck() {}

    /** The file refused for what it holds; {@code trusted} loads it. */
    public static class UntrustedModelException extends IOException {
        public UntrustedModelException(String message) {
            super(message);
        }
    }

    /** The file is damaged or changed after it was saved (an entry differs from the manifest). */
    public static class ModelIntegrityException extends IOException {
        public ModelIntegrityException(String message) {
            super(message);
        }
    }

    /** The file was written by a newer dl4j-bridge (its manifest version is above {@link #MANIFEST_VERSION}): upgrade. */
    public static class NewerModelException extends IOException {
        public NewerModelException(String message) {
            super(message);
        }
    }

    /** The rules of model_policy.json. */
    public static final class Policy {
        public final Set<String> allowedEntries;
        public final Map<String, String> refusedEntries;
        public final Set<String> classNameKeys;
        public final List<String> allowedClassPrefixes;
        public final Set<String> normalizerTypes;
        public final Map<Integer, String> compressionMethods;
        public final int maxEntries;
        public final long maxTotalUncompressedBytes;
        public final double maxEntryRatio;
        public final long ratioGraceBytes;
        public final int maxJsonDepth;
        /** Uncompressed size limit of each entry that is read whole (JSON, normalizer.bin). */
        public final Map<String, Long> maxEntryBytes;
        /** ND4J's allocation modes and the bytes of the length that follows each. */
        public final Map<String, Integer> nd4jAllocationModes;
        /** Bytes per value of the ND4J data types DL4J's arrays are written in. */
        public final Map<String, Integer> nd4jElementBytes;
        public final int nd4jMaxRank;
        public final String serialFilter;

        private Policy(JsonNode p) {
            allowedEntries = Collections.unmodifiableSet(names(p.get("allowed_entries").fieldNames()));
            Map<String, String> refused = new LinkedHashMap<>();
            p.get("refused_entries").fields().forEachRemaining(e -> refused.put(e.getKey(), e.getValue().asText()));
            refusedEntries = Collections.unmodifiableMap(refused);
            classNameKeys = Collections.unmodifiableSet(texts(p.get("class_name_keys")));
            allowedClassPrefixes = Collections.unmodifiableList(new ArrayList<>(texts(p.get("allowed_class_prefixes"))));
            normalizerTypes = Collections.unmodifiableSet(texts(p.get("normalizer_types")));
            Map<Integer, String> methods = new LinkedHashMap<>();
            p.get("compression_methods").fields().forEachRemaining(e -> methods.put(Integer.parseInt(e.getKey()),
                    e.getValue().asText()));
            compressionMethods = Collections.unmodifiableMap(methods);
            maxEntries = p.get("max_entries").asInt();
            maxTotalUncompressedBytes = p.get("max_total_uncompressed_bytes").asLong();
            maxEntryRatio = p.get("max_entry_ratio").asDouble();
            ratioGraceBytes = p.get("ratio_grace_bytes").asLong();
            maxJsonDepth = p.get("max_json_depth").asInt();
            Map<String, Long> limits = new LinkedHashMap<>();
            p.get("max_entry_bytes").fields().forEachRemaining(e -> limits.put(e.getKey(), e.getValue().asLong()));
            maxEntryBytes = Collections.unmodifiableMap(limits);
            nd4jAllocationModes = Collections.unmodifiableMap(ints(p.get("nd4j_allocation_modes")));
            nd4jElementBytes = Collections.unmodifiableMap(ints(p.get("nd4j_element_bytes")));
            nd4jMaxRank = p.get("nd4j_max_rank").asInt();
            serialFilter = p.get("serial_filter").asText();
        }

        static Policy load() {
            try (InputStream in = ModelCheck.class.getResourceAsStream(POLICY_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(POLICY_RESOURCE + " is missing from the jar; rebuild with gradle installDist");
                }
                return new Policy(new ObjectMapper().readTree(in));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + POLICY_RESOURCE + ": " + e.getMessage(), e);
            }
        }

        private static Map<String, Integer> ints(JsonNode object) {
            Map<String, Integer> out = new LinkedHashMap<>();
            object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
            return out;
        }

        private static Set<String> names(Iterator<String> it) {
            Set<String> out = new java.util.LinkedHashSet<>();
            it.forEachRemaining(out::add);
            return out;
        }

        private static Set<String> texts(JsonNode array) {
            Set<String> out = new java.util.LinkedHashSet<>();
            array.forEach(n -> out.add(n.asText()));
            return out;
        }
    }

    /**
     * Reads a model zip; unless {@code trusted}, checks it first.
     *
     * @throws FileNotFoundException    no file at {@code zip}
     * @throws UntrustedModelException  it holds something DL4J would run code for, or breaks a zip-bomb limit
     * @throws ModelIntegrityException  it is not a readable zip, or an entry differs from its manifest
     * @throws IOException              its manifest is of a newer format (the message says to upgrade)
     */
    public static CheckedModel read(Path zip, boolean trusted) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new FileNotFoundException("no model file at " + zip.toAbsolutePath());
        }
        String file = zip.toString();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ZipFile zf;
        try {
            zf = new ZipFile(zip.toFile());
        } catch (IOException e) {
            if (!Files.isReadable(zip)) {   // not a damaged file: this user may not read it
                throw new IOException(file + ": permission denied: the model file cannot be read by this user ("
                        + e.getMessage() + "); make it readable (chmod a+r " + file + ") or run as a user who can read it", e);
            }
            throw new ModelIntegrityException(file + " is not a readable zip file (" + e.getMessage() + "); a model file"
                    + " is the zip that Network.save or detector.save writes; if this is one, it is truncated or damaged: "
                    + DAMAGE_HINT);
        }
        try {
            List<ZipEntry> list = new ArrayList<>();
            try {
                for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
                    list.add(en.nextElement());
                    if (!trusted && list.size() > POLICY.maxEntries) {
                        throw new UntrustedModelException(file + " has more than " + POLICY.maxEntries + " entries, the"
                                + " limit (a model zip has at most " + POLICY.allowedEntries.size() + "); " + TRUST_HINT);
                    }
                }
            } catch (IllegalArgumentException e) {  // a name that is not UTF-8
                throw new UntrustedModelException(file + ": an entry name cannot be decoded (" + e.getMessage() + "); "
                        + TRUST_HINT);
            }
            if (!trusted) {
                checkDirectory(file, list);
            }
            long inflated = 0;
            for (ZipEntry entry : list) {
                byte[] data;
                try (InputStream in = zf.getInputStream(entry)) {
                    data = readCapped(in, trusted ? Long.MAX_VALUE : entry.getSize(),
                            trusted ? Long.MAX_VALUE : POLICY.maxTotalUncompressedBytes - inflated,
                            trusted ? Long.MAX_VALUE : POLICY.maxEntryBytes.getOrDefault(entry.getName(), Long.MAX_VALUE),
                            file, entry.getName());
                } catch (UntrustedModelException | ModelIntegrityException e) {
                    throw e;
                } catch (IOException e) {
                    throw new ModelIntegrityException(file + ": entry '" + entry.getName() + "' cannot be read ("
                            + e.getMessage() + "); the file is damaged: " + DAMAGE_HINT);
                }
                inflated += data.length;
                entries.put(entry.getName(), data);
            }
        } finally {
            zf.close();
        }
        JsonNode manifest = null;
        if (!trusted) {
            checkNormalizer(file, entries.get(NORMALIZER_ENTRY));
            if (entries.containsKey(CONFIGURATION_ENTRY)) {
                checkClasses(utf8(file, CONFIGURATION_ENTRY, entries.get(CONFIGURATION_ENTRY)), file + ": "
                        + CONFIGURATION_ENTRY);
            }
            manifest = verifyManifest(file, entries);
        }
        // DL4J allocates what an array header declares before reading it: never past the entry, trusted or not
        Nd4jArrays.check(file, entries);
        return new CheckedModel(zip, entries, manifest);
    }

    private static void checkDirectory(String file, List<ZipEntry> list) throws UntrustedModelException {
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (ZipEntry e : list) {
            String name = e.getName();
            String reason = entryRefusal(name);
            if (reason == null && !seen.add(name)) {
                reason = "it appears twice (readers disagree on which copy counts)";
            }
            if (reason == null && !POLICY.compressionMethods.containsKey(e.getMethod())) {
                reason = "it uses compression method " + e.getMethod() + "; model zips use "
                        + String.join(" or ", POLICY.compressionMethods.values());
            }
            long size = e.getSize();
            long compressed = e.getCompressedSize();
            if (reason == null && (size < 0 || compressed < 0)) {
                reason = "its size is not declared";
            }
            Long limit = POLICY.maxEntryBytes.get(name);
            if (reason == null && limit != null && size > limit) {
                reason = "it declares " + size + " bytes uncompressed, more than its limit of " + limit
                        + " (a real one holds a few KB; a zip bomb?)";
            }
            if (reason == null && size > POLICY.ratioGraceBytes && size > POLICY.maxEntryRatio * Math.max(compressed, 1)) {
                reason = "it inflates " + compressed + " bytes to " + size + " (more than " + fmt(POLICY.maxEntryRatio)
                        + ":1 beyond " + POLICY.ratioGraceBytes + " bytes: a zip bomb?)";
            }
            if (reason != null) {
                throw new UntrustedModelException(file + ": refused entry '" + name + "': " + reason + "; " + TRUST_HINT);
            }
            total += size;
            if (total > POLICY.maxTotalUncompressedBytes) {
                throw new UntrustedModelException(file + ": the entries declare more than "
                        + POLICY.maxTotalUncompressedBytes + " bytes uncompressed (the limit; a zip bomb?); " + TRUST_HINT);
            }
        }
    }

    /** Why an entry name is refused, or null when it is an allowed entry. */
    public static String entryRefusal(String name) {
        if (POLICY.allowedEntries.contains(name)) {
            return null;
        }
        for (Map.Entry<String, String> r : POLICY.refusedEntries.entrySet()) {
            String refused = r.getKey();
            if (name.equals(refused) || (refused.endsWith("/") && name.startsWith(refused))) {
                return r.getValue();
            }
        }
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.endsWith("/") || name.indexOf('\0') >= 0
                || java.util.Arrays.asList(name.split("/", -1)).contains("..") || DRIVE.matcher(name).matches()) {
            return "an absolute, parent-relative, backslash or directory name (path traversal)";
        }
        return "it is not an entry DL4J or dl4j_bridge writes (expected only: "
                + String.join(", ", new java.util.TreeSet<>(POLICY.allowedEntries)) + ")";
    }

    private static byte[] readCapped(InputStream in, long declared, long budget, long limit, String file, String name)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 && declared < (1 << 24) ? (int) declared : 8192);
        byte[] buf = new byte[1 << 16];
        long size = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            size += n;
            if (size > budget) {
                throw new UntrustedModelException(file + ": entry '" + name + "' inflates beyond the limit of "
                        + POLICY.maxTotalUncompressedBytes + " bytes (a zip bomb?); " + TRUST_HINT);
            }
            if (size > declared) {   // damage (a changed byte of compressed data) or a lie: not a file to trust
                throw new ModelIntegrityException(file + ": entry '" + name + "' inflates beyond its declared size of "
                        + declared + " bytes; the file is damaged (or was altered): " + DAMAGE_HINT);
            }
            if (size > limit) {
                throw new UntrustedModelException(file + ": entry '" + name + "' inflates beyond its limit of " + limit
                        + " bytes (a real one holds a few KB; a zip bomb?); " + TRUST_HINT);
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static void checkNormalizer(String file, byte[] data) throws UntrustedModelException {
        if (data == null) {
            return;
        }
        String header = null;
        String type = null;
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            header = in.readUTF();
            in.readInt();
            type = in.readUTF();
        } catch (IOException e) {
            // reported below
        }
        if (!"NORMALIZER".equals(header)) {
            throw new UntrustedModelException(file + ": refused entry 'normalizer.bin': it lacks DL4J's NORMALIZER header"
                    + " (an old Java-serialised normalizer, which DL4J would deserialise and rewrite the file with); "
                    + TRUST_HINT);
        }
        if (!POLICY.normalizerTypes.contains(type)) {
            throw new UntrustedModelException(file + ": refused entry 'normalizer.bin': normalizer type '" + type
                    + "' is not one of DL4J's standard ones (" + String.join(", ", new java.util.TreeSet<>(POLICY.normalizerTypes))
                    + "); restoring a CUSTOM normalizer instantiates the class the file names; " + TRUST_HINT);
        }
    }

    /**
     * Refuses a class name outside the allowed prefixes wherever Jackson would load one by name: the values of
     * the class-name keys ({@code @class}, {@code type}), object keys shaped like class names, and the
     * {@code [class, value]} array form. Duplicate keys and deep nesting are refused.
     */
    public static void checkClasses(String json, String where) throws UntrustedModelException {
        JsonNode root;
        try {
            checkDepth(json, where);
            root = STRICT.readTree(json);
        } catch (UntrustedModelException e) {
            throw e;
        } catch (IOException e) {
            throw new UntrustedModelException(where + " is not valid JSON, or repeats a key in one object ("
                    + e.getMessage().split("\n")[0] + "); " + TRUST_HINT);
        }
        walk(root, where);
    }

    private static void checkDepth(String json, String where) throws IOException {
        try (JsonParser p = STRICT.getFactory().createParser(json)) {
            int depth = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    if (++depth > POLICY.maxJsonDepth + 1) {
                        throw new UntrustedModelException(where + " nests deeper than " + POLICY.maxJsonDepth
                                + " levels; " + TRUST_HINT);
                    }
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
        }
    }

    private static void walk(JsonNode node, String where) throws UntrustedModelException {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (POLICY.classNameKeys.contains(e.getKey()) && e.getValue().isTextual()) {
                    allowClass(e.getValue().asText(), where, "'" + e.getKey() + "'");
                } else if (CLASS_NAME.matcher(e.getKey()).matches()) {
                    allowClass(e.getKey(), where, "an object key");
                }
                walk(e.getValue(), where);
            }
        } else if (node.isArray()) {
            if (node.size() == 2 && node.get(0).isTextual() && node.get(1).isContainerNode()) {
                allowClass(node.get(0).asText(), where, "a [class, value] array");
            }
            for (JsonNode child : node) {
                walk(child, where);
            }
        }
    }

    private static void allowClass(String name, String where, String what) throws UntrustedModelException {
        for (String prefix : POLICY.allowedClassPrefixes) {
            if (name.startsWith(prefix)) {
                return;
            }
        }
        throw new UntrustedModelException(where + ": refused class '" + name + "' (in " + what + "): only classes under "
                + String.join(" or ", POLICY.allowedClassPrefixes) + " are loaded from an untrusted file, since DL4J"
                + " instantiates the classes its configuration names; " + TRUST_HINT);
    }

    /** Reads a zip (without the policy checks) and compares its entries with its manifest, which it must have. */
    static void verifyManifest(Path zip) throws IOException {
        CheckedModel model = read(zip, true);
        if (model.text(MANIFEST_ENTRY) == null) {
            throw new ModelIntegrityException(zip + " has no " + MANIFEST_ENTRY);
        }
        verifyManifest(zip.toString(), model.entries());
    }

    /** Checks every entry against the manifest; null (and an slf4j warning) for a file saved before manifests. */
    static JsonNode verifyManifest(String file, Map<String, byte[]> entries) throws IOException {
        byte[] text = entries.get(MANIFEST_ENTRY);
        if (text == null) {
            // through slf4j, not System.err: a service that embeds the scorer routes it with its own logging
            org.slf4j.LoggerFactory.getLogger(ModelCheck.class).warn("{} has no {}: it was saved before dl4j_bridge"
                    + " wrote manifests, or its manifest was removed, so its entries cannot be verified (a changed"
                    + " threshold or network would go unnoticed); if you made it, load it in Python and save it again"
                    + " (Network.save / detector.save) to add one", file, MANIFEST_ENTRY);
            return null;
        }
        JsonNode manifest;
        try {
            manifest = STRICT.readTree(text);
        } catch (IOException e) {
            throw new ModelIntegrityException(file + ": " + MANIFEST_ENTRY + " is not valid JSON (" + e.getMessage().split("\n")[0]
                    + "); the file is damaged: " + DAMAGE_HINT);
        }
        if (manifest == null || !MANIFEST_FORMAT.equals(manifest.path("format").asText())) {
            throw new ModelIntegrityException(file + ": " + MANIFEST_ENTRY + " is not a dl4j_bridge manifest");
        }
        JsonNode version = manifest.get("version");
        if (version == null || !version.isInt() || version.asInt() < 1) {
            throw new ModelIntegrityException(file + ": " + MANIFEST_ENTRY + " has no valid version (" + version + ")");
        }
        if (version.asInt() > MANIFEST_VERSION) {
            throw new NewerModelException(file + " was written by a newer dl4j_bridge (manifest version " + version.asInt()
                    + "; this one reads up to " + MANIFEST_VERSION + "): upgrade dl4j-bridge (pull and rebuild with"
                    + " gradle installDist) to load it");
        }
        JsonNode listed = manifest.get("entries");
        if (listed == null || !listed.isObject()) {
            throw new ModelIntegrityException(file + ": " + MANIFEST_ENTRY + " lists no entries");
        }
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (MANIFEST_ENTRY.equals(e.getKey())) {
                continue;
            }
            JsonNode expected = listed.get(e.getKey());
            if (expected == null) {
                throw new ModelIntegrityException(file + ": entry '" + e.getKey() + "' is not in the manifest: it was added"
                        + " after the file was saved; re-save the model from its source, or remove the entry");
            }
            String sha = sha256Hex(e.getValue());
            if (expected.path("size").asLong(-1) != e.getValue().length || !sha.equals(expected.path("sha256").asText())) {
                throw new ModelIntegrityException(file + ": entry '" + e.getKey() + "' differs from the manifest (size "
                        + e.getValue().length + ", expected " + expected.path("size") + "; SHA-256 " + sha.substring(0, 16)
                        + "...): the file was changed or damaged after it was saved; " + DAMAGE_HINT);
            }
        }
        for (Iterator<String> it = listed.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!entries.containsKey(name)) {
                throw new ModelIntegrityException(file + ": entry '" + name + "' is in the manifest but not in the file:"
                        + " it was lost after the file was saved; " + DAMAGE_HINT);
            }
        }
        return manifest;
    }

    static String utf8(String file, String name, byte[] data) throws UntrustedModelException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new UntrustedModelException(file + ": entry '" + name + "' is not UTF-8 text; " + TRUST_HINT);
        }
    }

    public static String sha256Hex(byte[] data) {
        MessageDigest digest = sha256();
        digest.update(data);
        return hex(digest.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
