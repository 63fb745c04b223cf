package io.dl4jbridge.scorer;

import io.dl4jbridge.DetectorScores;
import io.dl4jbridge.DetectorScoring;
import io.dl4jbridge.etl.AbsentFieldException;
import io.dl4jbridge.etl.ParityVectors;
import io.dl4jbridge.etl.SpecException;
import io.dl4jbridge.etl.Sequence;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

public class LogAnomalyScorerTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void withoutASummaryConsumerTheWarningsAreLoggedNotDropped() throws Exception {
        // an embedding service calling score(lines) lost the lenient spec's bad lines without a trace
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
        try {
            scorer.score(ParityVectors.lines(d.vector));   // lenient, with 2 bad lines
        } finally {
            System.setErr(original);
        }
        String logged = captured.toString("UTF-8");
        assertTrue(logged, logged.contains("WARN") && logged.contains("<lines>: 2 bad lines {"));
        List<ScoreSummary> given = new ArrayList<>();
        captured.reset();
        System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
        try {
            scorer.score(ParityVectors.lines(d.vector), given::add);   // the caller takes them: not logged too
        } finally {
            System.setErr(original);
        }
        assertEquals(1, given.size());
        assertTrue(given.get(0).warnings.get(0), given.get(0).warnings.get(0).startsWith("<lines>: 2 bad lines {"));
        assertTrue(captured.toString("UTF-8"), !captured.toString("UTF-8").contains("bad lines"));
    }

    @Test
    public void nextEventScoresAreDetectorScoringOnTheEtlArrays() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<ScoredSequence> results = scorer.score(ParityVectors.lines(d.vector));
        assertEquals(d.sequences.size(), results.size());
        INDArray[] a = ScoringStream.arrays(d.sequences, d.spec.nFeatures());
        DetectorScores direct = DetectorScoring.score(scorer.detectorFile().network, scorer.detectorFile().normalizer,
                a[0], a[1], a[2], a[3], TestDetectors.NEXT_EVENT_SCORING, false);
        for (int b = 0; b < results.size(); b++) {
            ScoredSequence r = results.get(b);
            Sequence s = d.sequences.get(b);
            assertEquals("window key = first line", s.lineNumbers[0], ((Number) r.key).longValue());
            assertEquals(direct.scores[b], r.score, 1e-9);
            assertEquals(r.score > 0.3, r.anomaly);
            assertEquals(10, r.lines.length);
            assertEquals(3, r.expected.length);
            assertTrue(r.step >= 0 && r.step < 10);
            long want = r.step + 1 < 10 ? r.lines[r.step + 1] : s.nextLine;
            assertEquals("the line of the (un)expected event", want, r.eventLine);
            assertTrue("actual_line is that line, also for the last step (the record after the window): " + r.toJson(),
                    r.toJson().contains("\"actual_line\": " + want + ","));
            assertEquals(d.spec.templateText(r.actual), r.actualTemplate);
            // every unexpected step: the line of the event that came there, as for the deciding step
            int from = direct.unexpectedFrom[b];
            assertEquals(Math.min(r.unexpectedSteps, DetectorScores.MAX_LISTED_UNEXPECTED), r.unexpectedLines.length);
            for (int k = 0; k < r.unexpectedLines.length; k++) {
                int t = direct.unexpectedStep[from + k];
                assertEquals(t + 1 < 10 ? r.lines[t + 1] : s.nextLine, r.unexpectedLines[k]);
                assertEquals(direct.unexpectedActual[from + k], r.unexpectedEvents[k]);
            }
            if (r.unexpectedSteps > 0) {
                assertEquals(want, r.unexpectedLines[0]);
                assertTrue(r.toJson(), r.toJson().contains("\"unexpected_lines\": [{\"line\": " + want + ", \"event\": "
                        + r.actual + ", \"probability\": "));
            } else {
                assertTrue(r.toJson(), !r.toJson().contains("unexpected_lines"));
            }
            assertTrue(r.toJson(), r.toJson().startsWith("{\"index\": " + b + ", \"key\": " + r.key + ", \"score\": "));
        }
        double[] sorted = direct.scores.clone();
        java.util.Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        int flagged = 0;
        for (ScoredSequence r : scorer.withThreshold(median).score(ParityVectors.lines(d.vector))) {
            assertEquals(r.score > median, r.anomaly);
            flagged += r.anomaly ? 1 : 0;
        }
        assertTrue("some windows flagged, some not: " + flagged, flagged > 0 && flagged < results.size());
    }

    /** The last step of a window decides: actual_line is the record after the window (steps "last": every row). */
    @Test
    public void withStepsLastEveryRowNamesTheLineOfTheRecordAfterTheWindow() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", -1, 1,
                TestDetectors.NEXT_EVENT_SCORING.replace("\"all\"", "\"last\""));
        List<ScoredSequence> results = LogAnomalyScorer.load(d.zip.toPath()).score(ParityVectors.lines(d.vector));
        assertEquals(d.sequences.size(), results.size());
        int gaps = 0;
        for (int b = 0; b < results.size(); b++) {
            ScoredSequence r = results.get(b);
            long next = d.sequences.get(b).nextLine;
            assertEquals(9, r.step);
            assertTrue(next > r.lines[9]);
            gaps += next > r.lines[9] + 1 ? 1 : 0;   // bad, blank or continuation lines in between
            assertTrue(r.toJson(), r.toJson().contains("\"actual_line\": " + next + ","));
        }
        assertTrue("the vector has windows followed by a line that is no record", gaps > 0);
    }

    /**
     * A session split at max_length: each part but the last has the next part's first event as its next event, so
     * the first event of every later part is judged (by the part before it) and no later part counts as unjudged.
     */
    @Test
    public void thePartsOfASplitSessionJudgeTheFirstEventOfTheNextPart() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions.json", "next_event", -1, 1,
                TestDetectors.NEXT_EVENT_SCORING.replace("\"all\"", "\"last\""));
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringStream stream = scorer.open("<lines>");
        List<ScoredSequence> results = new ArrayList<>();
        for (String line : ParityVectors.lines(d.vector)) {
            stream.accept(line, results::add);
        }
        stream.finish(results::add);
        int followed = 0;
        for (int b = 0; b < results.size(); b++) {
            ScoredSequence r = results.get(b);
            if (r.part >= 0 && b + 1 < results.size() && results.get(b + 1).part == r.part + 1) {
                followed++;
                ScoredSequence next = results.get(b + 1);
                assertEquals("the last step predicts the next part's first event", r.lines.length - 1, r.step);
                assertEquals(next.lines[0], r.eventLine);
                assertTrue(r.toJson(), r.toJson().contains("\"actual_line\": " + next.lines[0] + ","));
            }
        }
        assertEquals("db and web are split in two parts each", 2, followed);
        assertEquals(0, stream.unjudged());
    }

    @Test
    public void theApiHandsOverTheLaunchersSummaryAndWarnings() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<String> lines = ParityVectors.lines(d.vector);
        ScoreSummary[] got = new ScoreSummary[1];
        List<ScoredSequence> results = scorer.score(lines, s -> got[0] = s);
        long bad = d.vector.get("report").get("bad_lines").asLong();
        assertTrue(bad > 0);
        assertEquals(bad, ((Number) got[0].counts.get("bad_lines")).longValue());
        assertEquals((long) results.size(), ((Number) got[0].counts.get("sequences")).longValue());
        assertEquals(d.vector.get("report").get("records").asLong(), ((Number) got[0].counts.get("records")).longValue());
        assertTrue(got[0].warnings.toString(), got[0].warnings.get(0).startsWith("<lines>: " + bad + " bad lines {'"));
        assertTrue(!got[0].everyLineBad());
        // the same counts from a file, under the launcher's keys
        java.nio.file.Path file = tmp.newFile("lines.log").toPath();
        java.nio.file.Files.write(file, lines, java.nio.charset.StandardCharsets.UTF_8);
        ScoreSummary[] fromFile = new ScoreSummary[1];
        scorer.scoreFileWithSummary(file, s -> fromFile[0] = s);
        assertEquals(got[0].counts.keySet(), fromFile[0].counts.keySet());
        assertEquals(got[0].counts.get("bad_by_reason"), fromFile[0].counts.get("bad_by_reason"));
        // nothing but bad lines: the wrong model for this log
        scorer.score(java.util.Arrays.asList("{\"not\": \"syslog\"}", "{}"), s -> got[0] = s);
        assertTrue(got[0].everyLineBad());
        assertEquals("<lines>: 2 bad lines {'no format match': 2}, first at line 1; to see where the log format stops "
                + "matching each 'no format match' line, read with a quarantine file (--quarantine FILE, run.toml "
                + "[reader] quarantine)", got[0].warnings.get(0));   // a text model

        // sessions cut by an old spec's overflow "truncate": counted and said, not only printed by the launcher
        TestDetectors t = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions_truncate.json", "next_event", 0.3, 1);
        LogAnomalyScorer.load(t.zip.toPath()).score(ParityVectors.lines(t.vector), s -> got[0] = s);
        assertTrue(got[0].counts.toString(), ((Number) got[0].counts.get("truncated_records")).longValue() > 0);
        assertTrue(got[0].warnings.stream().anyMatch(w -> w.contains("were truncated to their first 40 steps")));
        assertTrue(got[0].counts.containsKey("records_without_key"));
    }

    @Test
    public void loadWarningsNameCutSessionsAndTheOldUrlRule() throws Exception {
        TestDetectors cut = TestDetectors.write(tmp.newFolder(), "etl_csv_sessions_truncate.json", "next_event", 0.3, 1);
        List<String> warnings = LogAnomalyScorer.load(cut.zip.toPath()).loadWarnings(true);
        assertEquals(warnings.toString(), 1, warnings.size());
        assertTrue(warnings.get(0), warnings.get(0).contains("cuts sessions longer than max_length=40")
                && warnings.get(0).contains("X-Truncated-Records"));
        assertTrue(LogAnomalyScorer.load(cut.zip.toPath()).loadWarnings(false).isEmpty());
        TestDetectors split = TestDetectors.write(tmp.newFolder(), "etl_csv_sessions.json", "next_event", 0.3, 1);
        assertTrue(LogAnomalyScorer.load(split.zip.toPath()).loadWarnings(true).isEmpty());
        // verified against its manifest, unless read as trusted (serve's /health model_verified)
        assertTrue(LogAnomalyScorer.load(split.zip.toPath()).detectorFile().verified);
        assertTrue(!LogAnomalyScorer.load(split.zip.toPath(), true).detectorFile().verified);
        // the pattern Python saved as its default url rule before 2026-12-02, byte for byte
        assertEquals("[A-Za-z][A-Za-z0-9+.\\-]*://[^ \\t\\r\\n\\\"'<>]+", LogAnomalyScorer.OLD_URL_PATTERN);
    }

    @Test
    public void apiMisuseIsRefusedSayingWhatToGive() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        for (double bad : new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
            try {
                scorer.withThreshold(bad);
                fail("threshold " + bad);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("finite number"));
            }
        }
        try {
            scorer.open("s", "lenient", null, -5, 16);
            fail("negative idleLines");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("idleLines must be >= 0"));
        }
        try {
            scorer.open("s").accept(null, r -> { });
            fail("null line");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("as a String"));
        }
    }

    /** {@code zip} without {@code dropped} and without its manifest (which would name the missing entries). */
    private java.io.File without(java.io.File zip, String name, String... dropped) throws Exception {
        java.util.Set<String> drop = new java.util.HashSet<>(java.util.Arrays.asList(dropped));
        drop.add("dl4j_bridge.manifest.json");
        java.io.File out = new java.io.File(tmp.getRoot(), name);
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(zip);
             java.util.zip.ZipOutputStream o = new java.util.zip.ZipOutputStream(new java.io.FileOutputStream(out))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                if (!drop.contains(e.getName())) {
                    o.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                    o.write(in.getInputStream(e).readAllBytes());
                    o.closeEntry();
                }
            }
        }
        return out;
    }

    private static String loadError(java.nio.file.Path zip, boolean trusted) throws Exception {
        try {
            LogAnomalyScorer.load(zip, trusted);
        } catch (SpecException | java.io.FileNotFoundException e) {
            return e.getMessage();
        }
        throw new AssertionError("loaded " + zip);
    }

    @Test
    public void aZipThatIsNoDetectorForRawLogsIsRefusedInPythonsWordsSayingWhatToDo() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        // detector.save(path) of a detector fitted without a pipeline: Python's score says the same
        java.io.File noSpec = without(d.zip, "no_spec.zip", "dl4j_bridge.etl_spec.json");
        assertEquals(noSpec + " holds no ETL spec (dl4j_bridge.etl_spec.json); save the detector with its pipeline "
                + "(detector.save(path, pipeline=...)) to score raw logs", loadError(noSpec.toPath(), false));
        // Network.save: a network, not a detector (Python's load_detector)
        java.io.File network = without(d.zip, "network.zip", "dl4j_bridge.etl_spec.json", "dl4j_bridge.detector.json");
        assertEquals(network + " holds no dl4j_bridge.detector.json: it is a network, not a detector (load it with "
                + "dl4j_bridge.Network.load)", loadError(network.toPath(), false));
        // a zip of another tool is not called a network
        java.io.File foreign = new java.io.File(tmp.getRoot(), "foreign.zip");
        try (java.util.zip.ZipOutputStream o = new java.util.zip.ZipOutputStream(new java.io.FileOutputStream(foreign))) {
            o.putNextEntry(new java.util.zip.ZipEntry("model.pkl"));
            o.write("not ours".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            o.closeEntry();
        }
        assertEquals(foreign + " holds no dl4j_bridge.detector.json and is not a Deeplearning4j network either: is "
                + "this a detector saved by dl4j_bridge (detector.save or dl4j-bridge train)?",
                loadError(foreign.toPath(), true));
    }

    @Test
    public void aDirectoryOrAMissingPathIsRefusedInTheLaunchersWords() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        java.nio.file.Path dir = tmp.newFolder("logs").toPath();
        java.nio.file.Path missing = dir.resolve("missing.zip");
        assertEquals(dir + " is a directory, not a model file: give the .zip a detector or network was saved to",
                loadError(dir, false));
        assertEquals("no model file at " + missing, loadError(missing, false));
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        for (java.nio.file.Path input : new java.nio.file.Path[]{dir, dir.resolve("missing.log")}) {
            try {
                scorer.scoreFile(input);
                fail("scored " + input);
            } catch (java.io.FileNotFoundException e) {   // not a bare NoSuchFileException or "Is a directory"
                assertEquals(input == dir ? dir + " is a directory: give a log file, or - for standard input"
                        : "no input file at " + input + " (give a log file, or - for standard input)", e.getMessage());
            }
        }
    }

    private static List<String> rows(List<ScoredSequence> scored) {
        List<String> out = new ArrayList<>();
        for (ScoredSequence s : scored) {
            out.add(s.toJson());
        }
        return out;
    }

    /** README: split lines for {@code score(lines)} with LineSplitter, not readLine, which also ends a line at a lone CR. */
    @Test
    public void linesSplitByLineSplitterScoreAsTheFileDoesAndReadLinesDoNot() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<String> lines = new ArrayList<>(ParityVectors.lines(d.vector));
        lines.set(2, lines.get(2) + "\r" + lines.get(3));   // a lone CR inside a line, as Python reads it: one line
        java.nio.file.Path log = tmp.newFile("cr.log").toPath();
        java.nio.file.Files.write(log, String.join("\n", lines).getBytes(scorer.etlSpec().charset()));
        List<String> file = rows(scorer.scoreFile(log, report -> { }));
        List<String> split = new ArrayList<>();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(log, scorer.etlSpec().charset())) {
            LineSplitter.split(in, split::add, null);
        }
        assertEquals(file, rows(scorer.score(split, summary -> { })));
        List<String> readLines = java.nio.file.Files.readAllLines(log, scorer.etlSpec().charset());
        assertEquals(split.size() + 1, readLines.size());
        assertTrue(!file.equals(rows(scorer.score(readLines, summary -> { }))));
    }

    /** Python's in-memory sources take an item's one trailing LF, then one CR, off: "1: a\n" is a line, not a bad
     *  line holding a line feed (review11: the JVM refused such items). */
    @Test
    public void inMemoryItemsEndingInALineEndingScoreAsTheLinesWithoutIt() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<String> lines = ParityVectors.lines(d.vector);
        List<String> ended = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            ended.add(lines.get(i) + (i % 3 == 0 ? "\n" : i % 3 == 1 ? "\r\n" : "\r"));
        }
        ScoreSummary[] plain = new ScoreSummary[1];
        ScoreSummary[] withEndings = new ScoreSummary[1];
        List<String> expected = rows(scorer.score(lines, s -> plain[0] = s));
        assertEquals(expected, rows(scorer.score(ended, s -> withEndings[0] = s)));
        assertEquals(plain[0].counts, withEndings[0].counts);
        assertEquals("a\r", LogAnomalyScorer.withoutLineEnding("a\r\r\n"));   // one of each, as Python
    }

    @Test
    public void aFinishedStreamRefusesMoreLines() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringStream stream = LogAnomalyScorer.load(d.zip.toPath()).open("s");
        List<ScoredSequence> out = new ArrayList<>();
        for (String line : ParityVectors.lines(d.vector)) {
            stream.accept(line, out::add);
        }
        stream.finish(out::add);
        assertEquals(d.sequences.size(), out.size());
        try {
            stream.accept("one more", out::add);
            fail("a finished stream took another line");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("accept after finish") && e.getMessage().contains("open"));
        }
    }

    @Test
    public void damagedNetworkBytesInAFileWithoutManifestAreASpecErrorNamingTheFile() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        for (String entry : new String[]{"coefficients.bin", "normalizer.bin"}) {
            java.io.File damaged = new java.io.File(tmp.getRoot(), "damaged-" + entry + ".zip");
            try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(d.zip);
                 java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(new java.io.FileOutputStream(damaged))) {
                for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                    if (e.getName().equals("dl4j_bridge.manifest.json")) {
                        continue;   // a file from before manifests: nothing else notices the damage
                    }
                    byte[] data = in.getInputStream(e).readAllBytes();
                    if (e.getName().equals(entry)) {
                        data = java.util.Arrays.copyOf(data, data.length / 2);
                    }
                    out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                    out.write(data);
                    out.closeEntry();
                }
            }
            try {
                LogAnomalyScorer.load(damaged.toPath());
                fail("loaded a damaged " + entry);
            } catch (io.dl4jbridge.ModelCheck.ModelIntegrityException e) {
                // cut short, its array declares more values than it holds: refused before DL4J allocates them
                assertTrue(e.getMessage(), e.getMessage().startsWith(damaged.toString() + ": entry '" + entry
                        + "' is not a readable ND4J array: ") && e.getMessage().contains("restore a backup"));
            }
        }
    }

    @Test
    public void batchingDoesNotChangeScores() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions.json", "sequence_classifier", 0.5, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<ScoredSequence> whole = scorer.score(ParityVectors.lines(d.vector));
        List<ScoredSequence> small = new ArrayList<>();
        ScoringStream stream = scorer.open("<lines>", "lenient", null, 0, 2);
        for (String line : ParityVectors.lines(d.vector)) {
            stream.accept(line, small::add);
        }
        stream.finish(small::add);
        assertEquals(d.sequences.size(), whole.size());
        assertEquals(whole.size(), small.size());
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(whole.get(i).key, small.get(i).key);
            assertEquals(whole.get(i).score, small.get(i).score, 1e-6);
            assertArrayEquals(whole.get(i).lines, small.get(i).lines);
            assertEquals(0, whole.get(i).expected.length);
        }
    }

    @Test
    public void longSequencesAreScoredInSmallerBatchesWithTheSameScores() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions.json", "sequence_classifier", 0.5, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<ScoredSequence> whole = scorer.score(ParityVectors.lines(d.vector));
        int longest = 0;
        for (io.dl4jbridge.etl.Sequence s : d.sequences) {
            longest = Math.max(longest, s.time);
        }
        long width = Math.max(d.spec.nFeatures(), scorer.nClasses());
        // room for two of the longest sessions per batch: many batches instead of one
        ScoringStream stream = scorer.open("<lines>", "lenient", 4096, 2L * longest * width);
        List<ScoredSequence> small = new ArrayList<>();
        for (String line : ParityVectors.lines(d.vector)) {
            stream.accept(line, small::add);
        }
        stream.finish(small::add);
        assertTrue("fewer than three sequences: the test shows nothing", d.sequences.size() > 2);
        assertEquals(whole.size(), small.size());
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(whole.get(i).key, small.get(i).key);
            assertEquals(whole.get(i).score, small.get(i).score, 1e-6);
        }
        // a budget below one sequence still scores each one, alone
        ScoringStream tiny = scorer.open("<lines>", "lenient", 4096, 1);
        List<ScoredSequence> alone = new ArrayList<>();
        for (String line : ParityVectors.lines(d.vector)) {
            tiny.accept(line, alone::add);
        }
        tiny.finish(alone::add);
        assertEquals(whole.size(), alone.size());
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(whole.get(i).key, alone.get(i).key);
            assertEquals(whole.get(i).score, alone.get(i).score, 1e-6);
        }
    }

    @Test
    public void thresholdOverrideChangesFlagsOnly() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<ScoredSequence> none = scorer.withThreshold(2.0).score(ParityVectors.lines(d.vector));
        List<ScoredSequence> all = scorer.withThreshold(-1.0).score(ParityVectors.lines(d.vector));
        for (int i = 0; i < none.size(); i++) {
            assertEquals(none.get(i).score, all.get(i).score, 0.0);
            assertTrue(!none.get(i).anomaly && all.get(i).anomaly);
        }
    }

    @Test
    public void unknownDetectorVersionIsRefusedClearly() throws Exception {
        for (int version : new int[]{1, 2}) {   // 1: saved before never_expected; 2: today's
            LogAnomalyScorer.load(TestDetectors.write(tmp.newFolder(), "etl_text_windows.json", "next_event", 0.3,
                    version).zip.toPath());
        }
        for (int version : new int[]{3, 0}) {
            TestDetectors d = TestDetectors.write(tmp.newFolder(), "etl_text_windows.json", "next_event", 0.3, version);
            try {
                LogAnomalyScorer.load(d.zip.toPath());
                fail("version " + version + " accepted");
            } catch (SpecException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("version " + version + " is not supported; this "
                        + "code reads versions 1 to 2 (upgrade dl4j-bridge"));
            }
        }
    }

    @Test
    public void aScoringSpecThatCannotWorkIsRefusedWhenTheFileLoads() throws Exception {
        String[][] cases = {
            {"next_event", "{\"kind\": \"next_event\", \"top_g\": 9, \"never_expected\": [999]}", "never_expected id 999"},
            {"next_event", "{\"kind\": \"next_event\", \"top_g\": 0}", "top_g must be >= 1"},
            {"next_event", "{\"kind\": \"sequence_classifier\", \"positive_classes\": [1]}", "its scoring is for"},
            {"sequence_classifier", "{\"kind\": \"sequence_classifier\", \"positive_classes\": [5]}", "positive class 5"}};
        int i = 0;
        for (String[] c : cases) {
            java.io.File dir = tmp.newFolder("bad" + i++);
            TestDetectors d = TestDetectors.write(dir, "etl_text_windows.json", c[0], 0.3, 1, c[1]);
            try {
                LogAnomalyScorer.load(d.zip.toPath());
                fail("loaded " + c[1]);
            } catch (SpecException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(c[2]));
            }
        }
    }

    @Test
    public void inputWithoutAMappedFieldIsRefusedNotScoredWithTheFieldMissing() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions.json", "sequence_classifier", 0.5, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        assertEquals(d.sequences.size(), scorer.score(ParityVectors.lines(d.vector)).size());
        List<String> lines = new ArrayList<>(ParityVectors.lines(d.vector));
        assertEquals("timestamp,host,service,message,bytes,label", lines.get(0));
        lines.set(0, "timestamp,host,service,Message,bytes,label");  // the field the spec maps is 'message'
        try {
            scorer.score(lines);
            fail("scored input whose header has no 'message'");
        } catch (AbsentFieldException e) {
            assertEquals("message", e.field());
            assertTrue(e.getMessage(), e.getMessage().startsWith("<lines>:1: the CSV header has no column 'message' "
                    + "for field 'message'; its columns are ['timestamp', 'host', 'service', 'Message', 'bytes', 'label']"));
        }
        // logs to score have no label column: scored as the labelled ones (the label is no feature)
        List<String> unlabelled = new ArrayList<>();
        for (String line : ParityVectors.lines(d.vector)) {
            unlabelled.add(line.indexOf(',') < 0 ? line : line.substring(0, line.lastIndexOf(',')));
        }
        assertEquals(scorer.score(ParityVectors.lines(d.vector)).size(), scorer.score(unlabelled).size());
        for (int i = 0; i < d.sequences.size(); i++) {
            assertEquals(scorer.score(ParityVectors.lines(d.vector)).get(i).score, scorer.score(unlabelled).get(i).score, 0.0);
        }
    }
}
