package io.dl4jbridge.bench;

import io.dl4jbridge.etl.BadLinePolicy;
import io.dl4jbridge.etl.PortableRegex;
import io.dl4jbridge.etl.ReadReport;
import io.dl4jbridge.etl.TextRecordReader;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The JVM side of {@code python/bench/format_regex.py}: a text log read by {@code TextRecordReader} with the
 * format's atomic capture regex ({@code formatCapture}, one scan per line) against the guard-then-regex path it
 * replaced (the reader given a regex that differs from the format's by a no-op {@code (?:)}: no capture regex, so
 * the guard and then the regex), alternating in this one JVM, after a warm-up round.
 *
 * <p>Usage: {@code TextReadBench <log file> <log format> <repeats>}. Prints one JSON line: the median CPU seconds
 * of this thread for each path and the records each read (equal, else it exits 1).
 *
 * <p>{@code TextReadBench <log file> <log format> <repeats> <line rules> reader}: only the reader as a spec of the
 * format saves it (its capture regex, or its guard and read regex), under those line rules; prints the median CPU
 * seconds as {@code reader_seconds} and the records read ({@code format_regex.py --blank-runs}).
 */
public final class TextReadBench {
    private TextReadBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        String format = args[1];
        int repeats = Integer.parseInt(args[2]);
        if (args.length > 4 && args[4].equals("reader")) {
            readerOnly(lines, format, repeats, Integer.parseInt(args[3]));
            return;
        }
        String regex = TextRecordReader.formatToRegex(format, TextRecordReader.LINE_RULES);
        if (TextRecordReader.formatCapture(format, TextRecordReader.LINE_RULES) == null) {
            throw new IllegalArgumentException("the format has no capture regex: nothing to compare: " + format);
        }
        List<String> names = PortableRegex.compile(regex, "log_format").names;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        List<Double> capture = new ArrayList<>();
        List<Double> baseline = new ArrayList<>();
        long[] records = new long[2];
        for (int round = 0; round <= repeats; round++) {   // round 0: JIT warm-up, not counted
            for (int path = 0; path < 2; path++) {
                TextRecordReader reader = new TextRecordReader(path == 1 ? regex : regex + "(?:)", names, null,
                        Collections.emptyMap(), format, TextRecordReader.LINE_RULES);
                ReadReport report = new ReadReport();
                reader.start(report, new BadLinePolicy("bench", "lenient", report, null));
                long[] count = {0};
                long started = cpu.getCurrentThreadCpuTime();
                for (String line : lines) {
                    reader.accept(line, record -> count[0]++);
                }
                reader.finish(record -> count[0]++);
                double seconds = (cpu.getCurrentThreadCpuTime() - started) / 1e9;
                if (round > 0) {
                    (path == 1 ? capture : baseline).add(seconds);
                }
                records[path] = count[0];
            }
        }
        if (records[0] != records[1]) {
            System.err.println("the two paths read different record counts: " + records[0] + " vs " + records[1]);
            System.exit(1);
        }
        System.out.println("{\"lines\": " + lines.size() + ", \"records\": " + records[1] + ", \"capture_seconds\": "
                + median(capture) + ", \"baseline_seconds\": " + median(baseline) + "}");
    }

    /** The reader as a spec of {@code format} saves it, under {@code lineRules}: the median CPU seconds of
     *  {@code repeats} reads after a warm-up read of short lines. */
    private static void readerOnly(List<String> lines, String format, int repeats, int lineRules) {
        String regex = TextRecordReader.formatToRegex(format, lineRules);
        List<String> names = PortableRegex.compile(regex, "log_format").names;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        List<Double> times = new ArrayList<>();
        long[] count = {0};
        for (int round = 0; round <= repeats; round++) {   // round 0: JIT warm-up on short lines, not counted
            TextRecordReader reader = new TextRecordReader(regex, names, null, Collections.emptyMap(), format,
                    lineRules);
            ReadReport report = new ReadReport();
            reader.start(report, new BadLinePolicy("bench", "lenient", report, null));
            count[0] = 0;
            long started = cpu.getCurrentThreadCpuTime();
            for (String line : round == 0 ? java.util.Arrays.asList("x y", "x  - z", "x - y end") : lines) {
                reader.accept(line, record -> count[0]++);
            }
            reader.finish(record -> count[0]++);
            if (round > 0) {
                times.add((cpu.getCurrentThreadCpuTime() - started) / 1e9);
            }
        }
        System.out.println("{\"lines\": " + lines.size() + ", \"records\": " + count[0] + ", \"reader_seconds\": "
                + median(times) + "}");
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
