package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Record label -> derived {@code step_label}, as Python's {@code Label}. With {@code classes}, the class id of
 * the value (blanks stripped, case ignored; a missing or blank value is class 0, any other value a bad value
 * that the reader rejects, see {@link #valueCheck}); with {@code positive} values, {@code str(value)} in that
 * list is 1; otherwise anything but missing and the {@code negative} words is 1.
 */
public final class LabelTransform extends Transform {
    public static final String STEP_LABEL = "step_label";
    /** Python's {@code Label.NEGATIVE}: the normal values of a spec that does not list its own. */
    static final List<String> NEGATIVE = Arrays.asList("", "0", "0.0", "false", "no", "normal", "normal.", "benign",
            "ok", "clean", "legitimate", "-", "none", "null", "n/a");

    private final Set<String> positive;
    private final Set<String> negative;
    private final List<String> classes;
    private final Map<String, Integer> classIds = new HashMap<>();

    public LabelTransform(String column, List<String> positive, List<String> negative) {
        this(column, positive, negative, null);
    }

    public LabelTransform(String column, List<String> positive, List<String> negative, List<String> classes) {
        super(column);
        this.positive = positive == null ? null : new HashSet<>(positive);
        this.negative = new HashSet<>();   // compared as the values are: blanks stripped, lower case
        for (String word : negative == null ? NEGATIVE : negative) {
            this.negative.add(key(word));
        }
        this.classes = classes == null ? null : new ArrayList<>(classes);
        if (classes != null) {
            if (classes.size() < 2 || classes.size() > 127) {
                throw new SpecException("label transform of '" + column + "': classes must list 2 to 127 values, got "
                        + classes.size());
            }
            for (int i = 0; i < classes.size(); i++) {
                String key = key(classes.get(i));
                if (key.isEmpty() || classIds.containsKey(key)) {
                    throw new SpecException("label transform of '" + column + "': class " + i
                            + " is blank or repeats another");
                }
                classIds.put(key, i);
            }
        }
    }

    /** The class names ({@code classes[0]} normal), or null for 0/1 labels. */
    public List<String> classes() {
        return classes;
    }

    @Override
    public String derivedColumn() {
        return STEP_LABEL;
    }

    private static String key(String value) {
        return PyCompat.strip(value).toLowerCase(Locale.ROOT);
    }

    private static boolean missing(Object value) {
        return value == null || (value instanceof Double && ((Double) value).isNaN());
    }

    /** The step label of a value: its class id with classes (null when it is none of them), else 0 / 1. */
    public Integer classOf(Object value) {
        if (classes != null) {
            if (missing(value)) {
                return 0;
            }
            String key = key(PyCompat.str(value));
            return key.isEmpty() ? Integer.valueOf(0) : classIds.get(key);
        }
        if (positive != null) {
            return value != null && positive.contains(PyCompat.str(value)) ? 1 : 0;
        }
        return missing(value) || negative.contains(key(PyCompat.str(value))) ? 0 : 1;
    }

    /**
     * The reader's check of the label field (Python's {@code Label.value_check}): null, or
     * {@code "unknown label: ..."} for a value that is none of the classes (never without classes).
     */
    public String valueCheck(Object value) {
        if (classes == null || classOf(value) != null) {
            return null;
        }
        return "unknown label: expected one of the label classes " + String.join(", ", classes) + ", got "
                + RecordReader.pyRepr(value);
    }

    @Override
    public void derive(Record record) {
        Object value = record.get(column);
        Integer label = classOf(value);
        if (label == null) {   // the reader's check keeps these out of a stream
            throw new BadRecordException("<records>", record.line, column, valueCheck(value));
        }
        record.stepLabel = label;
        record.values.put(STEP_LABEL, (long) label);
    }
}
