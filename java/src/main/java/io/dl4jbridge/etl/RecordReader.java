package io.dl4jbridge.etl;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Base of the line readers: lines are pushed in one at a time ({@link #accept}) and records come out
 * through a consumer as soon as they are complete, so memory stays constant on endless input.
 * Declared field types are checked here, exactly as Python's {@code Reader._check_types}.
 */
public abstract class RecordReader {
    protected final Map<String, String> types;
    protected ReadReport report = new ReadReport();
    protected BadLinePolicy policy;
    protected long lineNumber;
    /** Mapped fields the input may lack (see {@link #allowAbsent}); null: none may. */
    protected Set<String> optional;
    /** Checks of type-checked values (see {@link #checkValues}), in order. */
    private final Map<String, Function<Object, String>> valueChecks = new LinkedHashMap<>();

    protected RecordReader(Map<String, String> types) {
        this.types = types == null ? new LinkedHashMap<String, String>() : new LinkedHashMap<>(types);
        for (Map.Entry<String, String> e : this.types.entrySet()) {
            String kind = e.getValue();
            if (!kind.equals("str") && !kind.equals("int") && !kind.equals("float") && !kind.equals("bool")) {
                throw new SpecException("type of '" + e.getKey() + "' must be str, int, float or bool, not '" + kind + "'");
            }
        }
    }

    /** Output field names, or null while unknown (CSV before its header, JSON lines without fields). */
    public abstract List<String> fields();

    /**
     * Scoring, as a fitted Python pipeline reads: a CSV header may lack the fields named here (the labels: logs
     * to score have none) and JSON lines may lack any mapped field in every record (a small batch may lack an
     * optional one); such a field is missing on every row and listed in {@link ReadReport#absentFields}. Without
     * this call an absent mapped field is an {@link AbsentFieldException}.
     */
    public void allowAbsent(Collection<String> fields) {
        this.optional = new LinkedHashSet<>(fields);
    }

    /** Absent fields that are expected, not news: the labels (logs to score have none). They are still listed in
     *  {@link ReadReport#absentFields}, without a warning (Python's {@code Reader.expected_absent}). */
    protected Set<String> expectedAbsent = java.util.Collections.emptySet();

    public void expectAbsent(Collection<String> fields) {
        this.expectedAbsent = new LinkedHashSet<>(fields);
    }

    /**
     * A check of a field's (type-checked) value, as Python's {@code Reader.value_checks}: it returns null, or
     * {@code "<category>: <detail>"}, which makes the line bad (a label transform's {@code classes}, a message
     * a template's masking rule overflows the stack on).
     */
    public void checkValues(String field, Function<Object, String> check) {
        valueChecks.merge(field, check, (first, then) -> value -> {   // several checks of one field: in order
            String reason = first.apply(value);
            return reason != null ? reason : then.apply(value);
        });
    }

    /** Starts a new read: fresh report and line count. */
    public void start(ReadReport report, BadLinePolicy policy) {
        this.report = report;
        this.policy = policy;
        this.lineNumber = 0;
    }

    public ReadReport report() {
        return report;
    }

    /** One physical line, without its line terminator. */
    public abstract void accept(String line, Consumer<Record> out);

    /** End of input: emits a record still held back (text continuations). */
    public void finish(Consumer<Record> out) {}

    /**
     * The input paused (a live stream waits for more): what the reader holds back only for lines that may continue
     * it, and that is final otherwise (a bad line), is counted and handed to the bad-line policy now.
     */
    public void pause() {}

    /** Type-checks and emits a record; a bad value makes the whole line bad. */
    protected final void emit(Record record, String text, Consumer<Record> out) {
        for (Map.Entry<String, String> e : types.entrySet()) {
            String name = e.getKey();
            String kind = e.getValue();
            if (kind.equals("str") || !record.values.containsKey(name)) {
                continue;
            }
            Object raw = record.values.get(name);
            Object converted;
            try {
                converted = convert(raw, kind);
            } catch (IllegalArgumentException bad) {
                policy.bad(record.line, name, "wrong type", "expected " + kind + ", got " + pyRepr(raw), text);
                return;
            }
            record.values.put(name, converted);
        }
        for (Map.Entry<String, Function<Object, String>> e : valueChecks.entrySet()) {
            if (!record.values.containsKey(e.getKey())) {
                continue;
            }
            String reason = e.getValue().apply(record.values.get(e.getKey()));
            if (reason != null) {
                int colon = reason.indexOf(": ");
                policy.bad(record.line, e.getKey(), colon < 0 ? reason : reason.substring(0, colon),
                        colon < 0 ? "" : reason.substring(colon + 2), text);
                return;
            }
        }
        report.records++;
        out.accept(record);
    }

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final double INT64_LIMIT = 9.223372036854775807E18;  // 2^63

    /** Python's {@code _convert_column} for one value; throws IllegalArgumentException when it is bad. */
    static Object convert(Object raw, String kind) {
        if (raw instanceof Double && ((Double) raw).isNaN() && kind.equals("int")) {
            throw new IllegalArgumentException();  // a JSON NaN is not an int (as 1.5 is not), as in Python
        }
        if (raw == null || (raw instanceof Double && ((Double) raw).isNaN())) {
            return null;  // missing values are allowed
        }
        if (kind.equals("bool")) {
            if (raw instanceof Boolean) {
                return raw;
            }
            if (raw instanceof String) {
                switch (PyCompat.strip((String) raw).toLowerCase(Locale.ROOT)) {   // Python's str.strip().lower()
                    case "true": case "1": case "yes": return Boolean.TRUE;
                    case "false": case "0": case "no": return Boolean.FALSE;
                    default: break;
                }
            }
            throw new IllegalArgumentException();
        }
        if (raw instanceof Boolean) {
            throw new IllegalArgumentException();
        }
        double number = PyCompat.toNumeric(raw);
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            // no finite number ('NaN', 'inf', 1e400 beyond double): a wrong type, as in Python (as a missing
            // value it would silently become the training mean)
            throw new IllegalArgumentException();
        }
        if (kind.equals("float")) {
            return number;
        }
        if (Double.isInfinite(number) || number != Math.rint(number) || Math.abs(number) >= INT64_LIMIT) {
            throw new IllegalArgumentException();  // beyond int64: a wrong type, as in Python (not saturated)
        }
        Long exact = PyCompat.exactLong(raw);
        if (exact != null) {
            return exact;
        }
        if (raw instanceof String && INTEGER.matcher(PyCompat.stripNumberSpace((String) raw)).matches()) {
            try {
                return Long.parseLong(PyCompat.stripNumberSpace((String) raw).replaceFirst("^\\+", ""));
            } catch (NumberFormatException tooLarge) {
                // fall through to the float value, as pandas does
            }
        }
        return (long) number;
    }

    /** Python's {@code repr()} of a reader value, for messages. */
    static String pyRepr(Object value) {
        if (value instanceof String) {
            return PyCompat.repr((String) value);
        }
        return PyCompat.str(value);
    }
}
