package io.dl4jbridge;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Map;

/**
 * The {@code dl4j-bridge} launcher.
 *
 * <pre>
 *   dl4j-bridge info
 *   dl4j-bridge predict --model m.zip --input x.npy --output y.npy [--mask m.npy] [--trusted]
 *   dl4j-bridge score --model detector.zip --input app.log|- [options]
 *   dl4j-bridge serve --model detector.zip --port N [--host 127.0.0.1] [--threshold T]
 * </pre>
 * Exit codes: 0 success (score: nothing flagged), 1 score: at least one window or session flagged,
 * 2 usage error, 3 input or model error (missing file, bad model or spec, bad line in strict mode),
 * 4 any other failure (score: writing the rows failed, e.g. a full disk), 141 score's output pipe was closed
 * by its reader, 130 / 143 interrupted by SIGINT / SIGTERM (the whole rows written so far are kept).
 */
public final class Main {
    static final int EXIT_FLAGGED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INPUT = 3;
    static final int EXIT_FAILURE = 4;
    /** {@code score}'s output pipe closed by its reader ({@code | head -1}): 128 + SIGPIPE, as shells expect. */
    static final int EXIT_BROKEN_PIPE = 141;

    private Main() {}

    public static void main(String[] args) {
        CpuBuild.select();  // before ND4J loads: the AVX2 build only on CPUs that run it
        System.exit(run(args));
    }

    /** What to do about a strict-mode bad line in {@code score}: the words of Python's {@code dl4j-bridge score}. */
    static final String STRICT_SCORE_HINT = "to read on, score with --lenient [--quarantine BAD.jsonl] to count such "
            + "lines (by reason, in the summary) and set them aside; or check that the input has the model's log format "
            + "and encoding";

    static int run(String[] args) {
        if (args.length == 0 || java.util.Arrays.asList(args).contains("-h")
                || java.util.Arrays.asList(args).contains("--help")) {
            if (args.length == 0) {   // a mistake: the usage on stderr, exit 2
                System.err.println(usage());
                return EXIT_USAGE;
            }
            System.out.println(usage());   // asked for: on stdout, as argparse's --help (| less works)
            return 0;
        }
        if (COMMANDS.contains(args[0])) {   // before ND4J loads: natives of another platform, said plainly
            String problem = NativePlatform.problem();
            if (problem != null) {
                System.err.println("dl4j-bridge: " + problem);
                return EXIT_FAILURE;
            }
        }
        try {
            switch (args[0]) {
                case "info":
                    checkArgs(args, "info", java.util.Collections.<String>emptyList(), java.util.Collections.<String>emptyList());
                    for (Map.Entry<String, String> e : RuntimeInfo.describe().entrySet()) {
                        System.out.println(e.getKey() + ": " + e.getValue());
                    }
                    return 0;
                case "predict":
                    return predict(args);
                case "score":
                    return ScoreCommand.score(args);
                case "serve":
                    return ScoreCommand.serve(args);
                default:
                    System.err.println("dl4j-bridge: " + unknownCommand(args[0]) + "\n" + usage());
                    return EXIT_USAGE;
            }
        } catch (UsageException e) {
            System.err.println("dl4j-bridge: " + e.getMessage() + "\n" + usage());
            return EXIT_USAGE;
        } catch (io.dl4jbridge.etl.BadRecordException e) {   // strict mode: Python's words on how to read on
            boolean readOn = "score".equals(args[0]) && !(e instanceof io.dl4jbridge.etl.BadRecordException.Unreadable);
            System.err.println("dl4j-bridge: " + e.getMessage() + (readOn ? "\n  " + STRICT_SCORE_HINT : ""));
            return EXIT_INPUT;
        } catch (java.io.IOException | io.dl4jbridge.etl.EtlException e) {
            System.err.println("dl4j-bridge: " + e.getMessage());
            return EXIT_INPUT;
        } catch (RowOutput.Closed e) {   // quietly, as any command whose reader went away (the summary was printed)
            return EXIT_BROKEN_PIPE;
        } catch (RowOutput.Failure e) {   // an output failure, not an input error
            System.err.println("dl4j-bridge: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (RuntimeException e) {
            System.err.println("dl4j-bridge: " + e);
            return EXIT_FAILURE;
        } catch (OutOfMemoryError e) {
            System.err.println("dl4j-bridge: out of memory (" + e.getMessage() + "): give the JVM more heap "
                    + "(JAVA_OPTS=-Xmx4g, or DL4J_BRIDGE_OPTS) or score smaller batches (--batch N)");
            return EXIT_FAILURE;
        } catch (Error e) {   // never exit 1, which means "score flagged something"
            System.err.println("dl4j-bridge: " + describe(e));
            return EXIT_FAILURE;
        }
    }

    /** The launcher's commands, in the order of its usage. */
    static final java.util.List<String> COMMANDS = java.util.Arrays.asList("info", "predict", "score", "serve");
    /** Commands of Python's {@code dl4j-bridge} (the pip package) that the launcher does not have. */
    static final java.util.List<String> PYTHON_COMMANDS = java.util.Arrays.asList("train", "evaluate", "update", "doctor");

    /** Says so, and for a command of Python's {@code dl4j-bridge}, where to run it. */
    static String unknownCommand(String command) {
        String message = "unknown command '" + command + "'";
        if (PYTHON_COMMANDS.contains(command)) {
            message += ": it is a command of the Python dl4j-bridge (the pip package): run 'dl4j-bridge " + command
                    + " ...' (or 'python -m dl4j_bridge " + command + " ...') where it is installed";
        }
        return message + "; the launcher's commands are " + String.join(", ", COMMANDS);
    }

    /**
     * An error with the messages of its cause chain ({@code ExceptionInInitializerError} has none of its own), and
     * for a class that failed to initialise or a native library that failed to load, what to check.
     */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.toString());
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        boolean nativeLoad = e instanceof ExceptionInInitializerError || e instanceof LinkageError;
        for (Throwable cause = e.getCause(); cause != null && seen.add(cause); cause = cause.getCause()) {
            text.append("\n  caused by: ").append(cause);
        }
        if (nativeLoad) {
            text.append("\n  a class or native library could not be loaded; for ND4J's native libraries, JavaCPP unpacks them"
                    + " into its cache directory (~/.javacpp/cache), which must be writable: give another with"
                    + " JAVA_OPTS=-Dorg.bytedeco.javacpp.cachedir=/a/writable/dir (or DL4J_BRIDGE_OPTS), and see"
                    + " 'dl4j-bridge info'");
        }
        return text.toString();
    }

    /**
     * Restores a ModelSerializer zip and writes its outputs for a .npy input in NCW layout, on features scaled by
     * the zip's normalizer (normalizer.bin) when it has one, as Python's {@code Network.predict_proba}.
     */
    private static int predict(String[] args) throws java.io.IOException {
        args = checkArgs(args, "predict", java.util.Arrays.asList("--model", "--input", "--output", "--mask"),
                java.util.Collections.singletonList("--trusted"));
        String model = option(args, "--model", true);
        String input = option(args, "--input", true);
        String output = option(args, "--output", true);
        String mask = option(args, "--mask", false);
        boolean trusted = ScoreCommand.flag(args, "--trusted");
        if ("-".equals(output)) {   // score's --output - is standard output; predict wrote a file named '-'
            throw new UsageException("predict --output - : predict writes a .npy file, not rows (--output - is "
                    + "standard output for score only); give the file to write, e.g. --output y.npy");
        }
        ScoreCommand.refuseModelFile(model, "--output", output);
        CheckedModel checked = ModelCheck.read(modelFile(model).toPath(), trusted);
        MultiLayerNetwork net = checked.network(false);
        DataNormalization normalizer = normalizer(checked, trusted);
        INDArray x = PredictInputs.features(existing(input), net.layerInputSize(0));
        INDArray m = mask == null ? null : PredictInputs.mask(existing(mask), x.shape());
        INDArray y = Predictor.predict(net, normalizer, x, m, 4096);
        writeNpyAtomically(y.dup('c'), new File(output));
        return 0;
    }

    /** The zip's normalizer or null; one DL4J cannot restore is a model error (exit 3) naming the file. */
    private static DataNormalization normalizer(CheckedModel model, boolean trusted) throws java.io.IOException {
        try {
            return model.normalizer(trusted);
        } catch (RuntimeException e) {
            throw new java.io.IOException(model.source + ": normalizer.bin cannot be restored: " + e.getMessage() + " ("
                    + ModelCheck.DAMAGE_HINT + ")", e);
        }
    }

    /**
     * {@code predict --output}: written to a temporary file beside it, then renamed over it, so that a failed or
     * killed write leaves the old file whole; a failure is an output failure (exit 4) naming the file.
     */
    static void writeNpyAtomically(INDArray y, File output) {
        File directory = output.getAbsoluteFile().getParentFile();
        File partial = null;
        try {
            // a name of its own, created with the permissions a new file gets here (createTempFile would give 0600)
            partial = new File(directory, "." + output.getName() + "." + Long.toHexString(new java.security.SecureRandom()
                    .nextLong()) + ".partial");
            Nd4j.writeAsNumpy(y, partial);
            java.nio.file.Files.move(partial.toPath(), output.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            partial = null;
        } catch (java.io.IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new RowOutput.Failure("cannot write --output " + output + ": " + why
                    + (directory.isDirectory() ? "" : " (the directory " + directory + " does not exist: create it first)")
                    + "; the file there, if any, is unchanged", e instanceof java.io.IOException
                    ? (java.io.IOException) e : new java.io.IOException(e));
        } finally {
            if (partial != null && !partial.delete() && partial.exists()) {
                partial.deleteOnExit();
            }
        }
    }

    /**
     * A log input read once from start to end: a regular file or a pipe / device ({@code <(zcat x.gz)}); refused in
     * the words of Python's {@code score}.
     */
    static File readable(String path) throws java.io.FileNotFoundException {
        io.dl4jbridge.scorer.LogInput.requireReadable(java.nio.file.Paths.get(path));
        return new File(path);
    }

    /** A model file (a regular file); refused in the words of Python's loaders ({@code dl4j_bridge.modelfile}). */
    static File modelFile(String path) throws java.io.FileNotFoundException {
        io.dl4jbridge.scorer.DetectorFile.requireModelFile(java.nio.file.Paths.get(path));
        return new File(path);
    }

    /** A regular file (a model). */
    static File existing(String path) throws java.io.FileNotFoundException {
        return file(path, true);
    }

    private static File file(String path, boolean regular) throws java.io.FileNotFoundException {
        File f = new File(path);
        if (f.isDirectory()) {
            throw new java.io.FileNotFoundException(path + " is a directory: give a file");
        }
        if (regular ? !f.isFile() : !f.exists()) {
            throw new java.io.FileNotFoundException("no such file: " + path);
        }
        return f;
    }

    /**
     * Checks and normalises a command's arguments before anything is read or written, as Python's argparse
     * reads them: {@code --option=value} is {@code --option value}, and a unique prefix ({@code --thresh}) is
     * the option it starts. Refused (exit 2): an unknown, ambiguous or repeated option (a typo such as
     * {@code --treshold} would otherwise be ignored), an option without its value, a value given to a flag, a
     * stray argument.
     *
     * @param valued options followed by a value
     * @param flags  options that stand alone
     * @return the arguments with every option spelt out and separate from its value
     * @throws UsageException naming the argument (exit 2)
     */
    static String[] checkArgs(String[] args, String command, java.util.List<String> valued, java.util.List<String> flags) {
        java.util.List<String> known = concat(valued, flags);
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(args[0]);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                throw new UsageException("unexpected argument '" + arg + "' for " + command);
            }
            int eq = arg.indexOf('=');
            String given = eq > 0 ? arg.substring(0, eq) : arg;
            String name = resolve(given, known, command);
            if (!seen.add(name)) {
                throw new UsageException(name + " is given more than once: give it once");
            }
            out.add(name);
            if (valued.contains(name)) {
                if (eq > 0) {
                    out.add(arg.substring(eq + 1));
                } else if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new UsageException(name + " needs a value");
                } else {
                    out.add(args[++i]);
                }
            } else if (eq > 0) {
                throw new UsageException(name + " takes no value, got '" + arg + "'");
            }
        }
        return out.toArray(new String[0]);
    }

    /** The option {@code given} names: itself, or the one known option it is a prefix of. */
    private static String resolve(String given, java.util.List<String> known, String command) {
        if (known.contains(given)) {
            return given;
        }
        java.util.List<String> starting = new java.util.ArrayList<>();
        for (String option : known) {
            if (given.startsWith("--") && given.length() > 2 && option.startsWith(given)) {
                starting.add(option);
            }
        }
        if (starting.size() == 1) {
            return starting.get(0);
        }
        if (starting.size() > 1) {
            throw new UsageException("ambiguous option '" + given + "' for " + command + ": " + String.join(", ", starting));
        }
        String near = null;
        for (String option : known) {
            if (editDistance(given, option) <= 2) {
                near = option;
            }
        }
        throw new UsageException("unknown option '" + given + "' for " + command
                + (near == null ? "" : " (did you mean " + near + "?)"));
    }

    private static java.util.List<String> concat(java.util.List<String> a, java.util.List<String> b) {
        java.util.List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    static String option(String[] args, String name, boolean required) {
        for (int i = 1; i < args.length - 1; i++) {
            if (name.equals(args[i])) {
                return args[i + 1];
            }
        }
        if (required) {
            throw new UsageException("missing " + name);
        }
        return null;
    }

    static String usage() {
        return "usage: dl4j-bridge info\n"
                + "       dl4j-bridge predict --model MODEL.zip --input X.npy --output Y.npy [--mask MASK.npy] [--trusted]\n"
                + "         X is float32 [batch, features, time] (features = the network's nIn), scaled by the model's\n"
                + "         normalizer.bin if it has one; MASK is [batch, time] of 0/1; Y is [batch, classes, time]\n"
                + ScoreCommand.USAGE
                + "exit codes: 0 ok (score: nothing flagged), 1 score flagged something, 2 usage, 3 input or model error,"
                + " 4 other failure (score: the rows could not be written), 141 score's output pipe closed by its reader"
                + " (| head), 130/143 interrupted (SIGINT/SIGTERM)";
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
