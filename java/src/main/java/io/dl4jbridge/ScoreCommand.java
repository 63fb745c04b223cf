package io.dl4jbridge;

import io.dl4jbridge.scorer.LineSplitter;
import io.dl4jbridge.scorer.LogAnomalyScorer;
import io.dl4jbridge.scorer.LogInput;
import io.dl4jbridge.scorer.ScoredSequence;
import io.dl4jbridge.scorer.ScoringServer;
import io.dl4jbridge.scorer.ScoringStream;
import io.dl4jbridge.etl.CountingDecoder;
import io.dl4jbridge.etl.JsonText;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The launcher's {@code score} and {@code serve} commands (see {@link Main} for exit codes). */
final class ScoreCommand {
    private ScoreCommand() {}

    static final String USAGE =
            "       dl4j-bridge score --model DETECTOR.zip --input LOG|- [--output OUT.jsonl|-] [--threshold T]\n"
            + "                         [--all] [--strict|--lenient] [--quarantine BAD.jsonl]\n"
            + "                         [--session-idle-lines N] [--batch N (default 4096)] [--trusted]\n"
            + "         raw log lines (plain or gzip, by name or content; - = stdin, streamed) -> one JSON object per flagged\n"
            + "         window/session (--all: every one) on stdout, as Python's dl4j-bridge score; a summary on stderr\n"
            + "       dl4j-bridge serve --model DETECTOR.zip --port N (0-65535, 0: a free one) [--host 127.0.0.1]\n"
            + "                         [--threshold T] [--trusted] [--batch N (default 4096)]\n"
            + "                         [--max-body-bytes N (default 33554432: larger requests get 413)]\n"
            + "                         [--read-timeout-seconds N (default 30)] [--write-timeout-seconds N (default 30)]\n"
            + "                         [--shutdown-grace-seconds N (default 10)]\n"
            + "         GET /health; POST /score with log lines as the body -> JSON lines (?all=true, ?threshold=T);\n"
            + "         SIGTERM / Ctrl-C: requests in flight get the grace period, then exit status 143 / 130\n";

    /**
     * {@code output} names the regular file {@code input} reads ({@code -}: standard input, when it is a file); not
     * a device such as /dev/null, and a missing output is no file yet (Python's {@code cli._same_file}).
     */
    /** The two names are one path (neither need exist yet). */
    static boolean samePath(String a, String b) {
        try {
            return java.nio.file.Paths.get(a).toAbsolutePath().normalize()
                    .equals(java.nio.file.Paths.get(b).toAbsolutePath().normalize());
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /**
     * Refuses an output option that names the {@code --model} file (by path or as the same file): the rows or bad
     * lines would replace the model. Python's {@code _refuse_model_file} says the same words.
     */
    static void refuseModelFile(String model, String option, String path) {
        if (path != null && !"-".equals(path) && (samePath(model, path) || sameFile(model, path))) {
            throw new Main.UsageException(option + " " + path + " is the --model file: writing it would destroy the "
                    + "model; write it elsewhere");
        }
    }

    static boolean sameFile(String input, String output) {
        if (output == null || "-".equals(output)) {
            return false;
        }
        try {
            java.nio.file.Path written = java.nio.file.Paths.get(output);
            java.nio.file.Path read = java.nio.file.Paths.get("-".equals(input) ? "/proc/self/fd/0" : input);
            return java.nio.file.Files.isRegularFile(written) && java.nio.file.Files.isSameFile(read, written);
        } catch (IOException | java.nio.file.InvalidPathException | SecurityException e) {
            return false;
        }
    }

    /** The line an interrupted score ends with after the signal's name, before scoring started (Python's words). */
    static final String NOTHING_WRITTEN = "before scoring started; nothing was written";

    /**
     * {@code score}: SIGINT / SIGTERM from the start on (while the JVM starts the model is loaded, then while
     * scoring) end it with 130 / 143 and a line saying so: before scoring, that nothing was written; while
     * scoring, the summary of the sequences whose rows were written and how many rows the output holds.
     */
    static int score(String[] args) throws IOException {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> signal = new java.util.concurrent.atomic.AtomicReference<>();
        // what the shutdown hook says once scoring started (the whole rows are written first); before, NOTHING_WRITTEN
        java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<String>> scoring =
                new java.util.concurrent.atomic.AtomicReference<>();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    signal.compareAndSet(null, s.getName());
                    System.exit(128 + s.getNumber());
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // -Xrs or a platform without it: the JVM's own handling, the hook below still runs
            }
        }
        Thread hook = new Thread(() -> {
            if (done.get()) {
                return;
            }
            String name = signal.get();
            String said = "TERM".equals(name) ? "SIGTERM" : "INT".equals(name) ? "Ctrl-C" : "Ctrl-C or SIGTERM";
            java.util.function.Consumer<String> interrupted = scoring.get();
            if (interrupted == null) {
                System.err.println("dl4j-bridge: interrupted (" + said + ") " + NOTHING_WRITTEN);
                System.err.flush();
            } else {
                interrupted.accept(said);
            }
        }, "dl4j-bridge-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return score(args, done, scoring);
        } finally {
            done.set(true);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook sees done
            }
        }
    }

    private static int score(String[] args, java.util.concurrent.atomic.AtomicBoolean done,
                             java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<String>> scoring)
            throws IOException {
        args = Main.checkArgs(args, "score", java.util.Arrays.asList("--model", "--input", "--output", "--threshold",
                "--quarantine", "--session-idle-lines", "--batch"),
                java.util.Arrays.asList("--all", "--strict", "--lenient", "--trusted"));
        String model = Main.option(args, "--model", true);
        String input = Main.option(args, "--input", true);
        String output = Main.option(args, "--output", false);
        if ("-".equals(output)) {   // standard output, as in Python's score (it wrote a file named '-')
            output = null;
        }
        String quarantine = Main.option(args, "--quarantine", false);
        boolean all = flag(args, "--all");
        long idleLines = number(args, "--session-idle-lines", 0);
        long batch = number(args, "--batch", LogAnomalyScorer.DEFAULT_BATCH);
        if (idleLines < 0) {   // checked before any output file is opened
            throw new Main.UsageException("--session-idle-lines must be >= 0, got " + idleLines);
        }
        if (batch < 1 || batch > Integer.MAX_VALUE) {
            throw new Main.UsageException("--batch must be an integer from 1 to " + Integer.MAX_VALUE + ", got " + batch);
        }
        if (flag(args, "--strict") && flag(args, "--lenient")) {
            throw new Main.UsageException("give at most one of --strict and --lenient");
        }
        if (!"-".equals(input)) {
            Main.readable(input);   // a file, or a pipe such as <(zcat app.log.gz): read once, streamed
        } else if (stdinClosed()) {
            throw new java.io.FileNotFoundException("standard input is closed (<&-): give --input FILE, or redirect it"
                    + " (< app.log)");
        }
        if (output != null && !"-".equals(output)) {   // before the model is read, as Python checks it
            java.nio.file.Path parent;
            try {
                parent = Paths.get(output).toAbsolutePath().normalize().getParent();
            } catch (java.nio.file.InvalidPathException e) {
                parent = null;
            }
            if (parent != null && !java.nio.file.Files.isDirectory(parent)) {
                throw new java.io.FileNotFoundException("the directory of --output " + output + " does not exist: "
                        + "create it first");
            }
        }
        for (String[] written : new String[][]{{"--output", output}, {"--quarantine", quarantine}}) {
            if (sameFile(input, written[1])) {   // opening it would empty the file being read
                throw new Main.UsageException(written[0] + " " + written[1] + " is the input file: writing it would "
                        + "destroy the lines being read; write it elsewhere");
            }
            refuseModelFile(model, written[0], written[1]);
        }
        if (quarantine != null && output != null && (samePath(output, quarantine) || sameFile(output, quarantine))) {
            throw new Main.UsageException("--output and --quarantine are the same file (" + quarantine + "): give them "
                    + "two files");
        }
        LogAnomalyScorer scorer = load(args, model);
        String mode = flag(args, "--strict") ? "strict" : flag(args, "--lenient") ? "lenient" : scorer.etlSpec().mode();
        if (quarantine != null && !"lenient".equals(mode)) {
            throw new Main.UsageException("--quarantine needs lenient mode (--lenient, or a spec saved with mode='lenient')");
        }
        long started = System.nanoTime();
        // --output first: a file that cannot be opened leaves an earlier quarantine file as it was
        RowOutput rows = output == null
                ? new RowOutput(new FileOutputStream(java.io.FileDescriptor.out), "standard output")
                : new RowOutput(new FileOutputStream(output), output);
        QuarantineWriter bad = quarantine == null ? null : new QuarantineWriter(new FileOutputStream(quarantine), quarantine);
        for (String warning : scorer.loadWarnings(false)) {   // cut sessions: counted and said in the summary
            System.err.println("dl4j-bridge: warning: " + warning);
        }
        ScoringStream stream = scorer.open("-".equals(input) ? "<stdin>" : input, mode, bad, idleLines, (int) batch);
        stream.etl().report().quarantine = quarantine;   // named in the bad-lines warning, as Python names it
        Consumer<ScoredSequence> print = r -> rows.sequence(all || r.anomaly ? r.toJson() : null, r.anomaly,
                ScoringStream.isUnjudged(r));
        // SIGINT / SIGTERM: the whole rows scored so far are written, then the summary of the sequences whose rows
        // were written (the scoring thread runs on until the JVM halts) and one line (exit 130 / 143)
        scoring.set(said -> {
            boolean flushed = rows.interrupted(2000);
            if (bad != null) {   // its whole records (the one being written is left out)
                bad.interrupted(2000);
            }
            try {
                summary(System.err, stream.summary(rows.writtenSequences(), rows.writtenFlagged(),
                        rows.writtenUnjudged()), stream, (System.nanoTime() - started) / 1e9);
            } catch (RuntimeException e) {   // counters changing under the scoring thread: the message still comes
                System.err.println("dl4j-bridge: " + rows.writtenSequences() + " sequences scored, "
                        + rows.writtenFlagged() + " flagged");
            }
            System.err.println("dl4j-bridge: interrupted (" + said + "); score output (" + rows.name() + ") holds "
                    + rows.written() + " whole row(s)" + (flushed ? "" : ", and perhaps part of the rows after them (a"
                    + " write was blocked: keep only lines that parse)"));
            System.err.flush();
        });
        CountingDecoder decoder = null;
        IOException readFailure = null;   // a truncated or corrupt .gz: what was read is summarised, then exit 3
        RuntimeException writeFailure = null;   // RowOutput.Closed / Failure: summarised, then exit 141 / 4
        try {
            try (InputStream raw = "-".equals(input) ? System.in : new FileInputStream(input);
                 java.io.PushbackInputStream peeked = new java.io.PushbackInputStream(raw, 2)) {
                // gzip by its name, or by its first bytes (cat app.log.gz | score --input -, <(cat app.log.gz))
                boolean gz = input.endsWith(".gz") || LogInput.startsWithGzip(peeked);
                // compressed standard input, and standard input redirected from a file (< app.log), read as a file
                boolean live = "-".equals(input) && !gz && !stdinIsRegularFile();
                try (CountingDecoder in = LogInput.open(peeked, "-".equals(input) ? "<stdin>" : input, gz,
                        scorer.etlSpec())) {
                    decoder = in;
                    try {
                        LineSplitter.split(in, line -> stream.accept(line, print), () -> {
                            if (live) {  // a live stream: do not hold results back while waiting for input
                                stream.etl().pause();
                                stream.flush(print);
                                rows.flush();
                                if (bad != null) {   // nor the lines rejected so far
                                    bad.flush();
                                }
                            }
                        });
                    } catch (java.util.zip.ZipException | java.io.EOFException e) {
                        stream.etl().pause();   // a bad line held for its trace lines is counted too (as Python)
                        readFailure = LogInput.unreadable(input, stream.etl().report().lines, e);
                    }
                    if (readFailure == null) {
                        stream.finish(print);
                    } else {   // the complete windows read are scored; open windows and sessions are not, as if whole
                        stream.flush(print);
                    }
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {   // not gzip at all (header)
                readFailure = LogInput.unreadable(input, 0, e);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            } finally {
                try {
                    if (output != null) {
                        rows.close();
                    } else {
                        rows.flush();
                    }
                } finally {
                    if (bad != null) {
                        bad.close();
                    }
                }
            }
        } catch (RowOutput.Closed | RowOutput.Failure e) {
            writeFailure = e;
        } finally {
            done.set(true);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        stream.etl().report().undecodableLines += decoder == null ? 0 : decoder.undecodableLines();   // + lone surrogate escapes
        io.dl4jbridge.etl.ReadReport read = stream.etl().report();
        if (readFailure == null && writeFailure == null && read.records == 0 && read.badLines == 0) {
            // an empty log is no failure (exit 0: nothing flagged), but it is seldom the file meant: say so
            System.err.println("dl4j-bridge: warning: "
                    + io.dl4jbridge.scorer.ScoreSummary.noRecordWarning(read.source, read.lines));
        }
        io.dl4jbridge.scorer.ScoreSummary said = summary(System.err, stream, seconds);
        if (writeFailure != null) {
            throw writeFailure;
        }
        if (readFailure != null) {
            throw readFailure;
        }
        if (said.everyLineBad()) {   // lenient, yet nothing was a record: not "nothing flagged" (exit 0)
            throw new io.dl4jbridge.etl.EtlException(io.dl4jbridge.scorer.ScoreSummary.everyLineBadError(
                    stream.etl().report().source, stream.etl().report().badLines, stream.etl().report().badByReason,
                    stream.etl().report().quarantine));
        }
        return stream.flagged() > 0 ? Main.EXIT_FLAGGED : 0;
    }

    /** Prints the warnings and the JSON summary line; returns the summary (for the exit status). */
    private static io.dl4jbridge.scorer.ScoreSummary summary(PrintStream err, ScoringStream stream, double seconds) {
        return summary(err, stream.summary(), stream, seconds);
    }

    /** Prints the warnings and the JSON summary line of {@code summary}; returns it. */
    private static io.dl4jbridge.scorer.ScoreSummary summary(PrintStream err, io.dl4jbridge.scorer.ScoreSummary summary,
                                                             ScoringStream stream, double seconds) {
        for (String warning : summary.warnings) {
            err.println("dl4j-bridge: warning: " + warning);
        }
        Map<String, Object> s = new LinkedHashMap<>(summary.counts);
        s.put("seconds", Math.round(seconds * 1000) / 1000.0);
        s.put("lines_per_second", seconds > 0 ? Math.round(stream.etl().report().lines / seconds) : 0);
        err.println(JsonText.dumpsCompact(s));
        return summary;
    }

    static int serve(String[] args) throws IOException {
        args = Main.checkArgs(args, "serve", java.util.Arrays.asList("--model", "--port", "--host", "--threshold", "--batch",
                "--max-body-bytes", "--read-timeout-seconds", "--write-timeout-seconds", "--shutdown-grace-seconds"),
                java.util.Collections.singletonList("--trusted"));
        String model = Main.option(args, "--model", true);
        String portText = Main.option(args, "--port", false);
        if (portText == null) {
            throw new Main.UsageException("missing --port N (a port from 1 to 65535, or 0 to pick a free one)");
        }
        long port = number(args, "--port", -1);
        if (port < 0 || port > 65535) {
            throw new Main.UsageException("--port must be from 0 to 65535 (0 picks a free port), got " + portText);
        }
        String host = Main.option(args, "--host", false);
        host = host == null ? "127.0.0.1" : host;
        long maxBody = number(args, "--max-body-bytes", ScoringServer.DEFAULT_MAX_BODY_BYTES);
        if (maxBody < 1 || maxBody > ScoringServer.MAX_BODY_BYTES_LIMIT) {
            throw new Main.UsageException("--max-body-bytes must be from 1 to " + ScoringServer.MAX_BODY_BYTES_LIMIT
                    + " (bodies are held in memory while scored), got " + maxBody);
        }
        long readTimeout = number(args, "--read-timeout-seconds", ScoringServer.DEFAULT_READ_TIMEOUT_SECONDS);
        if (readTimeout < 1 || readTimeout > 86400) {
            throw new Main.UsageException("--read-timeout-seconds must be from 1 to 86400, got " + readTimeout);
        }
        long writeTimeout = number(args, "--write-timeout-seconds", ScoringServer.DEFAULT_WRITE_TIMEOUT_SECONDS);
        if (writeTimeout < 1 || writeTimeout > 86400) {
            throw new Main.UsageException("--write-timeout-seconds must be from 1 to 86400, got " + writeTimeout);
        }
        long grace = number(args, "--shutdown-grace-seconds", ScoringServer.DEFAULT_SHUTDOWN_GRACE_SECONDS);
        if (grace < 0 || grace > 86400) {
            throw new Main.UsageException("--shutdown-grace-seconds must be from 0 to 86400, got " + grace);
        }
        long batch = number(args, "--batch", LogAnomalyScorer.DEFAULT_BATCH);
        if (batch < 1 || batch > Integer.MAX_VALUE) {
            throw new Main.UsageException("--batch must be an integer from 1 to " + Integer.MAX_VALUE + ", got " + batch);
        }
        LogAnomalyScorer scorer = load(args, model);
        ScoringServer.Options options = new ScoringServer.Options().maxBodyBytes(maxBody)
                .readTimeoutSeconds((int) readTimeout).writeTimeoutSeconds((int) writeTimeout).batch((int) batch);
        ScoringServer server = ScoringServer.start(scorer, host, (int) port, options);
        for (String warning : scorer.loadWarnings(true)) {
            System.err.println("dl4j-bridge: warning: " + warning);
        }
        System.err.println("dl4j-bridge: serving " + model + " on http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
                + ":" + server.port() + " (GET /health, POST /score; read timeout " + readTimeout + " s, write timeout "
                + writeTimeout + " s, " + options.threads() + " scoring requests at once, scored one at a time); stop with Ctrl-C or SIGTERM");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long started = System.nanoTime();
            int inFlight = server.inFlight();
            System.err.println("dl4j-bridge: stopping: " + inFlight + " request(s) in flight"
                    + (inFlight > 0 ? ", waiting up to " + grace + " s for them" : "") + "; new requests get 503");
            int dropped = server.stop((int) grace);
            System.err.println("dl4j-bridge: stopped after " + Math.round((System.nanoTime() - started) / 1e8) / 10.0 + " s"
                    + (dropped > 0 ? ": " + dropped + " request(s) still in flight got no answer (--shutdown-grace-seconds "
                    + grace + ")" : ""));
        }, "dl4j-bridge-stop"));
        try {
            Thread.currentThread().join();  // serve until the process is stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static LogAnomalyScorer load(String[] args, String model) throws IOException {
        Main.modelFile(model);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(Paths.get(model), flag(args, "--trusted"));
        String threshold = Main.option(args, "--threshold", false);
        if (threshold != null) {
            double value;
            try {
                value = Double.parseDouble(threshold);
            } catch (NumberFormatException e) {
                value = Double.NaN;
            }
            if (!Double.isFinite(value)) {   // not a number, NaN, an infinity or beyond the doubles (1e400)
                throw new Main.UsageException("--threshold must be a finite number, got '" + threshold + "'");
            }
            scorer = scorer.withThreshold(value);
        }
        return scorer;
    }

    /**
     * Standard input is a regular file ({@code < app.log}): no live stream, so it is read as the file is, without
     * pauses. Its end would otherwise pass for a pause (nothing waiting after a read) and the sequences read by then
     * would be scored as a part of their own, so some scores would differ from {@code --input app.log} in the last
     * bits; Python's {@code score --input -} never pauses on a regular file either (select finds it always readable).
     */
    private static boolean stdinIsRegularFile() {
        try {
            return java.nio.file.Files.isRegularFile(Paths.get("/proc/self/fd/0"));
        } catch (RuntimeException e) {   // no /proc: not Linux, read as a live stream
            return false;
        }
    }

    /**
     * Standard input was closed when the launcher started ({@code <&-}): descriptor 0 went to a file the JVM opened
     * itself (its modules image, a jar), which would be read as log lines. Python sees no stdin at all (exit 3).
     */
    private static boolean stdinClosed() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(Paths.get("/proc/self/fd/0")).toString();
            String home = System.getProperty("java.home", "\0");
            return target.startsWith(home + "/") || target.endsWith(".jar") || target.endsWith(".so");
        } catch (IOException | RuntimeException e) {   // no /proc: not Linux
            return false;
        }
    }

    static boolean flag(String[] args, String name) {
        for (int i = 1; i < args.length; i++) {
            if (name.equals(args[i])) {
                return true;
            }
        }
        return false;
    }

    private static long number(String[] args, String name, long fallback) {
        String value = Main.option(args, name, false);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new Main.UsageException(name + " must be an integer, got '" + value + "'");
        }
    }
}
