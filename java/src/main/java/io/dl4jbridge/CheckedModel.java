package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The entries of a model zip read by {@link ModelCheck#read}: DL4J restores the network and normalizer from
 * these bytes (re-zipped in memory), never from the file.
 */
public final class CheckedModel {
    public final Path source;
    /** The verified manifest, or null (read as trusted, or saved before manifests existed). */
    public final JsonNode manifest;
    private final Map<String, byte[]> entries;

    CheckedModel(Path source, Map<String, byte[]> entries, JsonNode manifest) {
        this.source = source;
        this.entries = entries;
        this.manifest = manifest;
    }

    Map<String, byte[]> entries() {
        return entries;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** The UTF-8 text of an entry, or null when there is none. */
    public String text(String name) {
        byte[] data = entries.get(name);
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    /** The network, restored by DL4J's {@code ModelSerializer} from the checked bytes. */
    public MultiLayerNetwork network(boolean loadUpdater) throws IOException {
        return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zipBytes()), loadUpdater);
    }

    /** The normalizer ({@code normalizer.bin}) or null; see {@link ModelIO#restoreNormalizer}. */
    public DataNormalization normalizer(boolean trusted) throws IOException {
        return ModelIO.restoreNormalizer(entries.get(ModelCheck.NORMALIZER_ENTRY), source.toString(), trusted);
    }

    private byte[] zipBytes() throws IOException {
        long total = 0;
        for (byte[] data : entries.values()) {
            total += data.length;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, total + 4096));
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
