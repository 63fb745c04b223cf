package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Record label -> derived {@code step_label} (0/1). With {@code positive} values, {@code str(value)}
 * in that list is 1; otherwise anything but missing and the {@code negative} words is 1.
 */
public final class LabelTransform extends Transform {
    public static final String STEP_LABEL = "step_label";
    static final List<String> NEGATIVE = Arrays.asList("", "0", "0.0", "false", "normal", "-", "none", "null");

    private final Set<String> positive;
    private final Set<String> negative;

    public LabelTransform(String column, List<String> positive, List<String> negative) {
        super(column);
        this.positive = positive == null ? null : new HashSet<>(positive);
        this.negative = new HashSet<>(negative == null ? NEGATIVE : new ArrayList<>(negative));
    }

    @Override
    public String derivedColumn() {
        return STEP_LABEL;
    }

    @Override
    public void derive(Record record) {
        Object value = record.get(column);
        int label;
        if (positive != null) {
            label = value != null && positive.contains(PyCompat.str(value)) ? 1 : 0;
        } else {
            boolean missing = value == null || (value instanceof Double && ((Double) value).isNaN());
            label = missing || negative.contains(PyCompat.strip(PyCompat.str(value)).toLowerCase(Locale.ROOT)) ? 0 : 1;
        }
        record.stepLabel = label;
        record.values.put(STEP_LABEL, (long) label);
    }
}
