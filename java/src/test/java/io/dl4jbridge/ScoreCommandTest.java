package io.dl4jbridge;

import io.dl4jbridge.etl.ParityVectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** {@code dl4j-bridge score}: JSON lines out and the documented exit codes. */
public class ScoreCommandTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void scoreWritesOneJsonLinePerWindowAndExitCodesSayWhatHappened() throws Exception {
        File zip = io.dl4jbridge.scorer.TestDetectorsAccess.nextEventZip(tmp.getRoot());
        List<String> lines = ParityVectors.lines(ParityVectors.read(new File(ParityVectors.dir().toFile(), "etl_text_windows.json")));
        File log = tmp.newFile("app.log");
        Files.write(log.toPath(), lines, StandardCharsets.UTF_8);
        File out = new File(tmp.getRoot(), "out.jsonl");

        assertEquals("flagged -> 1", 1, Main.run(new String[]{"score", "--model", zip.getPath(), "--input", log.getPath(),
            "--output", out.getPath(), "--threshold", "-1"}));
        List<String> results = Files.readAllLines(out.toPath(), StandardCharsets.UTF_8);
        assertEquals(157, results.size());
        assertTrue(results.get(0), results.get(0).startsWith("{\"index\": 0, \"key\": 1, \"score\": "));
        assertTrue(results.get(0).contains("\"flagged\": true"));

        assertEquals("nothing flagged -> 0", 0, Main.run(new String[]{"score", "--model", zip.getPath(), "--input",
            log.getPath(), "--output", out.getPath(), "--threshold", "1e9"}));
        assertEquals("only flagged sequences by default", 0, Files.readAllLines(out.toPath(), StandardCharsets.UTF_8).size());
        assertEquals(0, Main.run(new String[]{"score", "--model", zip.getPath(), "--input",
            log.getPath(), "--output", out.getPath(), "--threshold", "1e9", "--all"}));
        assertEquals(157, Files.readAllLines(out.toPath(), StandardCharsets.UTF_8).size());

        assertEquals("strict mode stops at the bad line -> 3", 3, Main.run(new String[]{"score", "--model", zip.getPath(),
            "--input", log.getPath(), "--output", out.getPath(), "--strict"}));
        assertEquals("missing model -> 3", 3, Main.run(new String[]{"score", "--model", "/no/such.zip", "--input", log.getPath()}));
        assertEquals("missing input -> 3", 3, Main.run(new String[]{"score", "--model", zip.getPath(), "--input", "/no/such.log"}));
        assertEquals("no --input -> 2", 2, Main.run(new String[]{"score", "--model", zip.getPath()}));
        assertEquals("bad threshold -> 2", 2, Main.run(new String[]{"score", "--model", zip.getPath(), "--input",
            log.getPath(), "--threshold", "high"}));
        for (String threshold : new String[]{"NaN", "Infinity", "-Infinity", "1e400"}) {
            assertEquals(threshold + " threshold -> 2", 2, Main.run(new String[]{"score", "--model", zip.getPath(),
                "--input", log.getPath(), "--threshold", threshold}));
        }
        long before = Files.size(out.toPath());
        assertEquals("--batch 0 -> 2", 2, Main.run(new String[]{"score", "--model", zip.getPath(), "--input",
            log.getPath(), "--output", out.getPath(), "--batch", "0"}));
        assertEquals("negative --session-idle-lines -> 2", 2, Main.run(new String[]{"score", "--model", zip.getPath(),
            "--input", log.getPath(), "--output", out.getPath(), "--session-idle-lines", "-1"}));
        assertEquals("a refused option leaves --output untouched", before, Files.size(out.toPath()));
        assertEquals("serve needs a port -> 2", 2, Main.run(new String[]{"serve", "--model", zip.getPath()}));
    }
}
