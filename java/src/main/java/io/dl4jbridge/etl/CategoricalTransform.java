package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Category -> one-hot (unknown bucket first) or index (0 = unknown). A value's category is Python's
 * {@code str(value)}; {@code categories[i]} has index {@code i + 1}.
 */
public final class CategoricalTransform extends Transform {
    static final String UNKNOWN = "<unknown>";
    static final String MISSING = "<missing>";

    private final boolean onehot;
    private final String missing;
    private final List<String> categories;
    private final Map<String, Integer> index = new HashMap<>();

    public CategoricalTransform(String column, String encoding, String missing, List<String> categories) {
        super(column);
        if (!"onehot".equals(encoding) && !"index".equals(encoding)) {
            throw new SpecException("categorical '" + column + "': encoding must be 'onehot' or 'index'");
        }
        if (!"unknown".equals(missing) && !"category".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("categorical '" + column + "': missing must be 'unknown', 'category' or 'error'");
        }
        this.onehot = "onehot".equals(encoding);
        this.missing = missing;
        this.categories = new ArrayList<>(categories);
        for (int i = 0; i < categories.size(); i++) {
            index.put(categories.get(i), i + 1);
        }
    }

    @Override
    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        if (!onehot) {
            out.add(column);
            return out;
        }
        out.add(column + "=" + UNKNOWN);
        for (String c : categories) {
            out.add(column + "=" + c);
        }
        return out;
    }

    /** Category index of a value (0 = unknown). */
    int indexOf(Object value, Record record) {
        if (PyCompat.isMissing(value)) {
            if ("error".equals(missing)) {
                throw missing(record, column);
            }
            if (!"category".equals(missing)) {
                return 0;
            }
            value = MISSING;
        }
        Integer found = index.get(PyCompat.str(value));
        return found == null ? 0 : found;
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        writeValue(record.get(column), record, out, offset);
    }

    void writeValue(Object value, Record record, float[] out, int offset) {
        int i = indexOf(value, record);
        if (!onehot) {
            out[offset] = i;
            return;
        }
        for (int k = 0; k <= categories.size(); k++) {
            out[offset + k] = 0f;
        }
        out[offset + i] = 1f;
    }

    int width() {
        return onehot ? categories.size() + 1 : 1;
    }
}
