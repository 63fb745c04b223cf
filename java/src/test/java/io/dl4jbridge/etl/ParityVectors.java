package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The parity vectors written by python/tools/write_parity_vectors.py (committed test resources). */
public final class ParityVectors {
    private ParityVectors() {}

    public static Path dir() {
        String override = System.getProperty("dl4jbridge.parityDir");
        return override != null ? Paths.get(override) : Paths.get("java", "src", "test", "resources", "parity");
    }

    /** Every vector file whose name starts with {@code prefix}, sorted; fails when there is none. */
    public static List<File> files(String prefix) {
        File[] found = dir().toFile().listFiles((d, name) -> name.startsWith(prefix) && name.endsWith(".json"));
        if (found == null || found.length == 0) {
            throw new AssertionError("no parity vectors " + prefix + "*.json in " + dir().toAbsolutePath()
                    + " (run: python python/tools/write_parity_vectors.py)");
        }
        List<File> out = new ArrayList<>(Arrays.asList(found));
        out.sort(null);
        return out;
    }

    public static JsonNode read(File file) throws IOException {
        return JsonValues.MAPPER.readTree(new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8));
    }

    public static List<String> lines(JsonNode vector) {
        List<String> out = new ArrayList<>();
        for (JsonNode line : vector.get("lines")) {
            out.add(line.asText());
        }
        return out;
    }
}
