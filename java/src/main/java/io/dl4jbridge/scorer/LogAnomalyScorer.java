package io.dl4jbridge.scorer;

import io.dl4jbridge.DetectorScores;
import io.dl4jbridge.DetectorScoring;
import io.dl4jbridge.etl.EtlSpec;
import io.dl4jbridge.etl.Sequence;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores raw log lines with a detector trained in Python, on the JVM alone.
 *
 * <pre>
 *   LogAnomalyScorer scorer = LogAnomalyScorer.load(Paths.get("detector.zip"));
 *   for (ScoredSequence s : scorer.score(lines)) {
 *       if (s.anomaly) System.out.println(s.toJson());
 *   }
 * </pre>
 *
 * The zip's ETL spec turns the lines into the very arrays Python made (same reader, templates,
 * transforms, windows or sessions); its normalizer and network run through
 * {@code io.dl4jbridge.DetectorScoring}, the code Python's detectors call, so scores and flags agree.
 * A window or session is flagged when its score is above the threshold saved with the detector
 * (or the one given to {@link #withThreshold}).
 *
 * <p>Thread safety: one scorer may be shared by the threads of a service. Every {@link #score},
 * {@link #scoreFile} and {@link #open} call gets ETL state of its own, and the network's forward passes run one
 * at a time (DL4J synchronises {@code output}), so concurrent calls give the results sequential ones do but
 * do not score in parallel. A {@link ScoringStream} belongs to one thread.</p>
 */
public final class LogAnomalyScorer {
    /**
     * Sequences per DetectorScoring call (one forward pass of DetectorScoring's chunk size): each call
     * has a fixed cost in DL4J, so small batches are slow (measured: 512 per call scores ~4x slower
     * than 4096 per call).
     */
    public static final int DEFAULT_BATCH = io.dl4jbridge.DetectorScoring.CHUNK;

    private final DetectorFile detector;
    private final double threshold;

    private LogAnomalyScorer(DetectorFile detector, double threshold) {
        this.detector = detector;
        this.threshold = threshold;
    }

    /**
     * Loads a detector zip written by {@code dl4j_bridge} ({@code detector.save(path)}), after the model file
     * checks. Nothing to close: the file is read whole. Calls {@link io.dl4jbridge.CpuBuild#select()} first, so the
     * first load picks the nd4j-native build this CPU runs when nothing in the JVM has used ND4J before.
     *
     * @throws io.dl4jbridge.ModelCheck.ModelIntegrityException the file is damaged or was changed after saving
     * @throws io.dl4jbridge.ModelCheck.UntrustedModelException the file holds what the checks refuse (code DL4J
     *         would run, a zip bomb)
     * @throws io.dl4jbridge.ModelCheck.NewerModelException its manifest is of a newer dl4j_bridge: upgrade the scorer
     * @throws java.io.FileNotFoundException no file at {@code zip}, or a directory
     * @throws IOException the file cannot be read
     * @throws io.dl4jbridge.etl.SpecException (unchecked) the zip is no detector (a network, a detector saved without
     *         its pipeline, another tool's zip: the message says which), or its detector document or ETL spec is of a
     *         newer version (a newer dl4j_bridge wrote it: upgrade the scorer) or unknown
     */
    public static LogAnomalyScorer load(Path zip) throws IOException {
        return load(zip, false);
    }

    /**
     * @param trusted skip every model file check (entries, classes, manifest digests, sizes) and also restore a
     *                custom (Java-serialised) normalizer, which runs code named by the file: only for files you
     *                trust
     */
    public static LogAnomalyScorer load(Path zip, boolean trusted) throws IOException {
        // the nd4j-native build this CPU runs, unless set already: without it JavaCPP loads the AVX2 build whatever
        // the CPU (a crash where it lacks AVX2); no effect once ND4J is loaded, so a service calls it earlier too
        io.dl4jbridge.CpuBuild.select();
        DetectorFile file = DetectorFile.read(zip, trusted);
        return new LogAnomalyScorer(file, file.threshold);
    }

    /** The same detector with another threshold (e.g. from {@code --threshold}). */
    public LogAnomalyScorer withThreshold(double threshold) {
        if (!Double.isFinite(threshold)) {   // as serve's ?threshold= and the launcher's --threshold
            throw new IllegalArgumentException("threshold must be a finite number, got " + threshold);
        }
        return new LogAnomalyScorer(detector, threshold);
    }

    /** The threshold a score must exceed to be flagged: the saved one, or the one given to {@link #withThreshold}. */
    public double threshold() {
        return threshold;
    }

    /** Python's {@code readers.OLD_LINE_RULES_WARNING}, word for word. */
    static final String OLD_LINE_RULES_WARNING = "this model reads text with the line rules of models saved before ETL "
            + "spec version 3 (line_rules 1): a line its format matches is a record even where it continues a stack "
            + "trace (an indented frame, 'Caused by: ...'), and a run of blanks may be split between empty fields: "
            + "retrain it to read such lines as continuations (line rules 2)";

    /** The default url masking rule of models saved before 2026-12-02 (Python's {@code OLD_URL_PATTERN}). */
    static final String OLD_URL_PATTERN = "[A-Za-z][A-Za-z0-9+.\\-]*://[^ \\t\\r\\n\\\"'<>]+";

    /**
     * What an operator should know about this model before it scores (Python logs the same when it loads one):
     * the slow url masking rule of models saved before 2026-12-02; text read with line rules 1 (models saved
     * before ETL spec version 3); with {@code sessions}, a spec that cuts
     * sessions longer than {@code max_length} (saved before {@code overflow}, or {@code overflow = "truncate"}).
     */
    public List<String> loadWarnings(boolean sessions) {
        List<String> out = new ArrayList<>();
        org.nd4j.shade.jackson.databind.JsonNode spec = detector.etl.json();
        for (org.nd4j.shade.jackson.databind.JsonNode t : spec.path("transforms")) {
            for (org.nd4j.shade.jackson.databind.JsonNode rule : t.path("miner").path("masking")) {
                if (OLD_URL_PATTERN.equals(rule.path("pattern").asText(null))) {
                    out.add("this model's template masking keeps the url rule of models saved before 2026-12-02, "
                            + "which takes quadratic time on a long token without '://' (a 1 MB base64 blob: most of "
                            + "an hour; in serve, every client waits): retrain it to get the linear-time rule");
                }
            }
        }
        org.nd4j.shade.jackson.databind.JsonNode reader = spec.path("reader");
        if ("text".equals(reader.path("kind").asText()) && reader.path("line_rules").asInt(1) == 1) {
            out.add(OLD_LINE_RULES_WARNING);
        }
        org.nd4j.shade.jackson.databind.JsonNode sequence = spec.path("sequence");
        if (sessions && "sessions".equals(sequence.path("kind").asText()) && sequence.path("max_length").isIntegralNumber()
                && !"split".equals(sequence.path("overflow").asText("truncate"))) {   // no max_length: nothing is cut
            out.add("this model cuts sessions longer than max_length=" + sequence.path("max_length").asText()
                    + " steps to their first max_length steps (overflow \"truncate\", as every spec saved before "
                    + "overflow existed): the records beyond are not scored (counted: X-Truncated-Records, "
                    + "truncated_records). To score every record, retrain with overflow = \"split\"");
        }
        return out;
    }

    /** "next_event", "sequence_classifier" or "next_value". */
    public String kind() {
        return detector.kind;
    }

    /** The ETL spec saved with the detector: its {@code charset()} decodes lines for {@link #score(Iterable)}. */
    public EtlSpec etlSpec() {
        return detector.etl;
    }

    /** The pieces of the loaded zip (network, normalizer, spec, detector document); shared, do not change them. */
    public DetectorFile detectorFile() {
        return detector;
    }

    /**
     * Scores a whole input held in memory (sessions close at its end). In lenient mode bad lines are skipped:
     * {@link #score(Iterable, java.util.function.Consumer)} says how many, and why; without that consumer the
     * summary's warnings (bad lines, records left out, ...) are logged (SLF4J, WARN), never silently dropped.
     */
    public List<ScoredSequence> score(Iterable<String> lines) {
        return score(lines, LogAnomalyScorer::logWarnings);
    }

    /** An in-memory item without one trailing {@code \n}, then one trailing {@code \r}: Python's
     *  {@code sources._strip_eol} of an in-memory source's items ({@code "1: a\n"} is the line {@code "1: a"} on
     *  both sides; a file's lines come without their endings from {@link LineSplitter}). */
    static String withoutLineEnding(String line) {
        if (line == null) {
            return null;
        }
        String out = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        return out.endsWith("\r") ? out.substring(0, out.length() - 1) : out;
    }

    /** The summary's warnings, logged: what the no-consumer methods do with them. */
    static void logWarnings(ScoreSummary summary) {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LogAnomalyScorer.class);
        for (String warning : summary.warnings) {
            log.warn(warning);
        }
    }

    /**
     * {@link #score(Iterable)}, then hands {@code summary} what the pass counted (bad lines by reason, absent fields,
     * sessions split or cut, sequences with no step to judge, ...: the launcher's summary) and its warnings.
     */
    public List<ScoredSequence> score(Iterable<String> lines, java.util.function.Consumer<ScoreSummary> summary) {
        List<ScoredSequence> out = new ArrayList<>();
        ScoringStream stream = open("<lines>");
        for (String line : lines) {
            stream.accept(withoutLineEnding(line), out::add);
        }
        stream.finish(out::add);
        summary.accept(stream.summary());
        return out;
    }

    /**
     * Scores a log file (plain or {@code .gz}) read as the launcher and Python read it: in the encoding the
     * spec was saved with (bytes invalid in it become U+FFFD, as in Python, and the lines holding them are counted in the
     * stream's {@code ReadReport.undecodableLines}) and split into lines as Python
     * splits them; records are named by the file's path, as in the launcher's messages. The summary's warnings (bad
     * lines, undecodable bytes, records left out, ...) are logged (SLF4J, WARN), never silently dropped.
     *
     * @throws java.io.FileNotFoundException no file at {@code path}, or a directory (in the launcher's words)
     * @throws java.io.IOException the file cannot be read (a broken {@code .gz}: the message names the lines read)
     * @throws io.dl4jbridge.etl.EtlException (unchecked) strict mode: the first bad line, naming file, line and field
     */
    public List<ScoredSequence> scoreFile(java.nio.file.Path path) throws java.io.IOException {
        return scoreFileWithSummary(path, LogAnomalyScorer::logWarnings, report -> { });
    }

    /**
     * {@link #scoreFile(java.nio.file.Path)}, then hands {@code report} what the read counted: lines, records,
     * blank lines, bad lines (lenient specs) and lines with undecodable bytes, with Python's meanings. The
     * summary's warnings are logged (SLF4J, WARN), as by {@link #scoreFile(java.nio.file.Path)}.
     */
    public List<ScoredSequence> scoreFile(java.nio.file.Path path,
                                          java.util.function.Consumer<io.dl4jbridge.etl.ReadReport> report)
            throws java.io.IOException {
        return scoreFileWithSummary(path, LogAnomalyScorer::logWarnings, report);
    }

    /**
     * {@link #scoreFile(java.nio.file.Path)}, then hands {@code summary} every count of the launcher's summary
     * (the read's, plus sessions split or cut, unparsable times, sequences with no step to judge, ...) and its
     * warnings.
     */
    public List<ScoredSequence> scoreFileWithSummary(java.nio.file.Path path,
                                                     java.util.function.Consumer<ScoreSummary> summary)
            throws java.io.IOException {
        return scoreFileWithSummary(path, summary, report -> { });
    }

    private List<ScoredSequence> scoreFileWithSummary(java.nio.file.Path path,
                                                      java.util.function.Consumer<ScoreSummary> summary,
                                                      java.util.function.Consumer<io.dl4jbridge.etl.ReadReport> report)
            throws java.io.IOException {
        LogInput.requireReadable(path);   // the launcher's words, not NoSuchFileException's bare path
        List<ScoredSequence> out = new ArrayList<>();
        ScoringStream stream = open(path.toString());
        try (java.io.InputStream raw = java.nio.file.Files.newInputStream(path);
             io.dl4jbridge.etl.CountingDecoder in = LogInput.open(raw, path.toString(),
                     path.toString().endsWith(".gz"), detector.etl)) {
            LineSplitter.split(in, line -> stream.accept(line, out::add), () -> { });
            stream.etl().report().undecodableLines += in.undecodableLines();   // + lone surrogate escapes (JSON lines)
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw LogInput.unreadable(path.toString(), stream.etl().report().lines, e);
        }
        stream.finish(out::add);
        report.accept(stream.etl().report());
        summary.accept(stream.summary());
        return out;
    }

    /** Output classes of the network (event ids or label classes). */
    int nClasses() {
        return (int) detector.network.layerSize(detector.network.getnLayers() - 1);
    }

    /**
     * A streaming pass with the spec's bad-line mode: {@code accept} each line, {@code flush} to score what is
     * complete now (else sequences are scored in batches of 4096), {@code finish} at the end of input (open windows
     * and sessions are scored), then {@code summary()}. {@code sourceName} names the input in messages.
     */
    public ScoringStream open(String sourceName) {
        return open(sourceName, detector.etl.mode(), null, 0, DEFAULT_BATCH);
    }

    /**
     * {@link #open(String)} with the launcher's options.
     *
     * @param mode       "strict" or "lenient" bad-line policy
     * @param quarantine lenient mode: receives rejected lines as JSON lines, one per line ({@code source, line,
     *                   field, reason, text}; may be null); the caller closes it
     * @param idleLines  sessions: close a session after this many lines without a record (0 = at the end);
     *                   windows models ignore it
     * @param batchSize  sequences per forward pass
     */
    public ScoringStream open(String sourceName, String mode, Writer quarantine, long idleLines, int batchSize) {
        if (idleLines < 0) {
            throw new IllegalArgumentException("idleLines must be >= 0 (0: sessions close at the end), got " + idleLines);
        }
        return new ScoringStream(this, detector.etl.open(sourceName, mode, quarantine, idleLines), batchSize);
    }

    /** {@link #open(String, String, Writer, long, int)} with another padded-values budget per batch (tests). */
    ScoringStream open(String sourceName, String mode, int batchSize, long maxBatchValues) {
        return new ScoringStream(this, detector.etl.open(sourceName, mode, null, 0), batchSize, maxBatchValues);
    }

    /** Scores complete sequences in one DetectorScoring call; {@code firstIndex} numbers them. */
    List<ScoredSequence> scoreSequences(List<Sequence> batch, long firstIndex) {
        boolean nextEvent = "next_event".equals(detector.kind);
        boolean nextValue = "next_value".equals(detector.kind);
        org.nd4j.linalg.api.ndarray.INDArray[] a = ScoringStream.arrays(batch, detector.etl.nFeatures());
        DetectorScores scores = DetectorScoring.score(detector.network, detector.normalizer, a[0], a[1],
                nextEvent ? a[2] : null, nextEvent ? a[3] : null, detector.scoringJson, false);
        boolean windows = "windows".equals(detector.etl.sequenceKind());
        List<String> classNames = nextEvent || nextValue ? null : detector.etl.classNames();
        List<ScoredSequence> out = new ArrayList<>(batch.size());
        for (int b = 0; b < batch.size(); b++) {
            Sequence s = batch.get(b);
            int step = scores.detailStep[b];
            if (nextValue) {   // the record whose values were predicted: the next real step's
                double score = scores.scores[b];
                out.add(ScoredSequence.nextValue(firstIndex + b, windows ? "window" : "session", s.key, s.session,
                        s.part, score, score > threshold, ScoringStream.realLines(s), step,
                        step >= 0 && step + 1 < s.length ? s.lineNumbers[step + 1] : -1,
                        step >= 0 ? targetName(scores.detailActual[b]) : null, scores.detailValue[b],
                        scores.detailPrediction[b], scores.detailDeviation[b], scores.scoredSteps[b],
                        scores.unexpectedSteps[b]));
                continue;
            }
            long eventLine = -1;
            String actualTemplate = null;
            int[] expected = nextEvent ? scores.expectedOf(b) : new int[0];
            List<String> expectedTemplates = new ArrayList<>();
            if (step >= 0) {
                if (nextEvent) {
                    eventLine = step + 1 < s.length ? s.lineNumbers[step + 1] : s.nextLine;
                    actualTemplate = templateName(scores.detailActual[b]);
                    for (int id : expected) {
                        expectedTemplates.add(templateName(id));
                    }
                } else {
                    eventLine = s.lineNumbers[step];
                }
            }
            // every listed unexpected step: the line of the event that came there, as eventLine for the deciding one
            int from = scores.unexpectedFrom[b];
            int n = scores.unexpectedFrom[b + 1] - from;
            long[] unexpectedLines = new long[n];
            int[] unexpectedEvents = new int[n];
            double[] unexpectedProbabilities = new double[n];
            for (int k = 0; k < n; k++) {
                int t = scores.unexpectedStep[from + k];
                unexpectedLines[k] = t + 1 < s.length ? s.lineNumbers[t + 1] : s.nextLine;
                unexpectedEvents[k] = scores.unexpectedActual[from + k];
                unexpectedProbabilities[k] = scores.unexpectedProbability[from + k];
            }
            double score = scores.scores[b];
            out.add(new ScoredSequence(firstIndex + b, nextEvent, windows ? "window" : "session", s.key, s.session, s.part, score, score > threshold,
                    ScoringStream.realLines(s), step, eventLine, scores.detailActual[b], actualTemplate,
                    scores.detailProbability[b], expected, expectedTemplates, scores.scoredSteps[b],
                    scores.unexpectedSteps[b], unexpectedLines, unexpectedEvents, unexpectedProbabilities,
                    classNames != null, className(classNames, step, scores.detailActual[b])));
        }
        return out;
    }

    /** The name of a predicted class (Python's {@code predicted_label}): null without names, when no step was
     *  scored, or for a class the names do not reach. */
    private static String className(List<String> names, int step, int id) {
        return names != null && step >= 0 && id >= 0 && id < names.size() ? names.get(id) : null;
    }

    /** The name of a next-value target (its index among the scoring's targets), as Python's row names it. */
    private String targetName(int j) {
        org.nd4j.shade.jackson.databind.JsonNode names = detector.detector.path("scoring").path("target_names");
        return names.has(j) ? names.get(j).asText() : "f" + j;
    }

    /** Template text of an event id, as Python names it ({@code <event N>} outside the vocabulary). */
    private String templateName(int id) {
        String text = detector.etl.templateText(id);
        return text != null ? text : "<event " + id + ">";
    }
}
