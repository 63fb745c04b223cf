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

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Runs the launcher's score, returning its exit code and what it wrote on stderr. */
    private static Object[] scoreCapturingStderr(String... args) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            int code = Main.run(args);
            return new Object[]{code, new String(captured.toByteArray(), StandardCharsets.UTF_8)};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    public void aGzFileIsReadMemberByMemberAndDataAfterItsGzipStreamIsRefusedAsPythonRefusesIt() throws Exception {
        File zip = io.dl4jbridge.scorer.TestDetectorsAccess.nextEventZip(tmp.getRoot());
        List<String> lines = ParityVectors.lines(ParityVectors.read(new File(ParityVectors.dir().toFile(), "etl_text_windows.json")));
        byte[] text = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        File plain = tmp.newFile("app.log");
        Files.write(plain.toPath(), text);
        File plainOut = new File(tmp.getRoot(), "plain.jsonl");
        assertEquals(1, Main.run(new String[]{"score", "--model", zip.getPath(), "--input", plain.getPath(),
            "--output", plainOut.getPath(), "--threshold", "-1"}));

        // cat a.gz b.gz: valid gzip, every member read (zero padding after a member too, as Python's gzip reads it)
        int half = text.length / 2;
        File members = tmp.newFile("members.log.gz");
        Files.write(members.toPath(), concat(gzip(java.util.Arrays.copyOf(text, half)), gzip(new byte[0]),
            gzip(java.util.Arrays.copyOfRange(text, half, text.length)), new byte[4]));
        File membersOut = new File(tmp.getRoot(), "members.jsonl");
        assertEquals(1, Main.run(new String[]{"score", "--model", zip.getPath(), "--input", members.getPath(),
            "--output", membersOut.getPath(), "--threshold", "-1"}));
        assertEquals(Files.readAllLines(plainOut.toPath()), Files.readAllLines(membersOut.toPath()));

        // cat a.gz; printf junk: refused (GZIPInputStream ignored the junk without a word), exit 3, naming the file
        File junk = tmp.newFile("junk.log.gz");
        Files.write(junk.toPath(), concat(gzip(text), "junk\n".getBytes(StandardCharsets.US_ASCII)));
        Object[] run = scoreCapturingStderr("score", "--model", zip.getPath(), "--input", junk.getPath(), "--output",
            new File(tmp.getRoot(), "junk.jsonl").getPath(), "--threshold", "-1");
        String err = (String) run[1];
        assertEquals(err, 3, run[0]);
        assertTrue(err, err.contains("dl4j-bridge: " + junk.getPath() + ": cannot read past line " + lines.size()
            + ": the data after the gzip stream is not gzip (something was appended to the compressed file, or it is "
            + "a broken copy), so it cannot be read as log lines: decompress the gzip part with 'zcat FILE > FILE.txt'"));
        assertTrue("the summary of what was read comes first: " + err, err.contains("\"lines\":" + lines.size() + ","));

        // scoreFile, the Java API, refuses it in the same words
        io.dl4jbridge.scorer.LogAnomalyScorer scorer = io.dl4jbridge.scorer.LogAnomalyScorer.load(zip.toPath());
        try {
            scorer.scoreFile(junk.toPath());
            org.junit.Assert.fail("scoreFile must refuse data after the gzip stream");
        } catch (java.io.IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(junk.getPath() + ": cannot read past line "
                + lines.size() + ": the data after the gzip stream is not gzip"));
        }
        assertEquals(Files.readAllLines(plainOut.toPath()).size(), scorer.withThreshold(-1).scoreFile(members.toPath()).size());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
