package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;

/**
 * A numeric column scaled with training statistics: {@code standard} {@code (x - mean) / std},
 * {@code minmax} {@code (x - min) / (max - min or 1)}, or {@code none}; {@code log1p} first applies
 * {@code sign(x) * log(1 + |x|)}. Missing or non-finite values become the mean, 0, or raise; an
 * optional indicator feature marks them. Computed in double, rounded once to float32.
 */
public final class NumericTransform extends Transform {
    private final String scaling;
    private final boolean log1p;
    private final String missing;
    private final boolean indicator;
    private final double mean;
    private final double std;
    private final double min;
    private final double max;
    private long presentValues;
    private long nonNumbers;
    private String firstNonNumber;
    private long firstNonNumberLine;

    public NumericTransform(String column, String scaling, boolean log1p, String missing, boolean indicator,
                            double mean, double std, double min, double max) {
        super(column);
        if (!"standard".equals(scaling) && !"minmax".equals(scaling) && !"none".equals(scaling)) {
            throw new SpecException("numeric '" + column + "': scaling must be 'standard', 'minmax' or 'none'");
        }
        if (!"mean".equals(missing) && !"zero".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("numeric '" + column + "': missing must be 'mean', 'zero' or 'error'");
        }
        this.scaling = scaling;
        this.log1p = log1p;
        this.missing = missing;
        this.indicator = indicator;
        this.mean = mean;
        this.std = std;
        this.min = min;
        this.max = max;
    }

    @Override
    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        out.add(column);
        if (indicator) {
            out.add(column + "_missing");
        }
        return out;
    }

    @Override
    public void resetStream() {
        presentValues = 0;
        nonNumbers = 0;
        firstNonNumber = null;
    }

    /** Values given but not numbers ('abc', 'inf') since {@link #resetStream}, read as missing (Python's count). */
    public long nonNumbers() {
        return nonNumbers;
    }

    /** The warning for {@link #nonNumbers} in Python's words ({@code Numeric.non_number_warning}), or null. */
    public String nonNumberWarning(String source) {
        if (nonNumbers == 0) {
            return null;
        }
        return source + ": " + nonNumbers + " of " + presentValues + " values of " + PyCompat.repr(column)
                + " are not numbers (first: line " + firstNonNumberLine + ", " + PyCompat.repr(firstNonNumber)
                + "); they were read as missing (" + ("mean".equals(missing) ? "the training mean" : "0")
                + "): declare the field's type ([reader] types) to make such lines bad lines instead";
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        Object raw = record.get(column);
        double value = PyCompat.toNumeric(raw);
        boolean isMissing = Double.isNaN(value) || Double.isInfinite(value);
        boolean given = raw != null && !(raw instanceof Double && ((Double) raw).isNaN());
        if (given) {
            presentValues++;
            if (isMissing && nonNumbers++ == 0) {   // given, yet no number: counted and warned about
                firstNonNumber = raw instanceof String ? (String) raw : PyCompat.str(raw);
                firstNonNumberLine = record.line;
            }
        }
        if (isMissing && "error".equals(missing)) {
            throw missing(record, column);
        }
        if (log1p) {
            value = Math.signum(value) * Math.log1p(Math.abs(value));
        }
        if (isMissing) {
            value = "mean".equals(missing) ? mean : 0.0;
        }
        if ("standard".equals(scaling)) {
            value = (value - mean) / std;
        } else if ("minmax".equals(scaling)) {
            double range = max - min;
            value = (value - min) / (range != 0.0 ? range : 1.0);
        }
        // a huge (finite) value saturates at the float32 limit instead of becoming infinity, as in Python
        out[offset] = (float) Math.max(-Float.MAX_VALUE, Math.min(Float.MAX_VALUE, value));
        if (indicator) {
            out[offset + 1] = isMissing ? 1f : 0f;
        }
    }
}
