package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code dl4j_bridge.manifest.json}: format and version, the versions that wrote the file (dl4j_bridge, DL4J,
 * Java, and Python / numpy when Python saved it), the feature schema, the SHA-256 of the ETL spec, the
 * detector's threshold and method, and the size and SHA-256 of every other entry. Written by
 * {@link ModelIO#save} last; checked by {@link ModelCheck} and Python's {@code dl4j_bridge.modelfile}.
 */
final class Manifest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifest() {}

    /**
     * @param zip    the zip being written (every entry but the manifest is in it)
     * @param fields JSON object text of the caller's fields (may be null)
     */
    static String build(MultiLayerNetwork net, FileSystem zip, String fields) throws IOException {
        JsonNode given = fields == null ? JSON.createObjectNode() : JSON.readTree(fields);
        if (given == null || !given.isObject()) {
            throw new IllegalArgumentException("manifest fields must be a JSON object, got: " + fields);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("format", ModelCheck.MANIFEST_FORMAT);
        out.put("version", ModelCheck.MANIFEST_VERSION);
        ObjectNode versions = out.putObject("versions");
        if (given.has("versions")) {
            versions.setAll((ObjectNode) given.get("versions"));
        }
        if (!versions.has("dl4j_bridge")) {
            String own = Manifest.class.getPackage().getImplementationVersion();
            versions.put("dl4j_bridge", own == null ? "unknown (Java)" : own);
        }
        versions.put("dl4j", RuntimeInfo.dl4jVersion());
        versions.put("java", System.getProperty("java.version"));
        ObjectNode features = out.putObject("features");
        if (given.has("features")) {
            features.setAll((ObjectNode) given.get("features"));
        }
        features.put("n_in", net.layerInputSize(0));
        features.put("n_out", net.layerSize(net.getnLayers() - 1));
        Map<String, String[]> digests = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(zip.getPath("/"))) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!Files.isDirectory(entry) && !ModelCheck.MANIFEST_ENTRY.equals(name)) {
                    digests.put(name, digest(entry));
                }
            }
        }
        String[] etl = digests.get(ModelCheck.ETL_ENTRY);
        if (etl == null) {
            out.putNull("etl_spec_sha256");
        } else {
            out.put("etl_spec_sha256", etl[1]);
        }
        if (given.has("detector")) {
            out.set("detector", given.get("detector"));
        }
        ObjectNode listed = out.putObject("entries");
        for (Map.Entry<String, String[]> e : digests.entrySet()) {
            ObjectNode d = listed.putObject(e.getKey());
            d.put("size", Long.parseLong(e.getValue()[0]));
            d.put("sha256", e.getValue()[1]);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
    }

    /** {size, sha256 hex} of one entry's uncompressed bytes. */
    private static String[] digest(Path entry) throws IOException {
        MessageDigest sha = ModelCheck.sha256();
        long size = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(entry)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                size += n;
            }
        }
        return new String[]{String.valueOf(size), ModelCheck.hex(sha.digest())};
    }
}
