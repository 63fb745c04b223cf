package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;

/**
 * Port number -> {@code _well_known} (0-1023), {@code _registered} (1024-49151), {@code _dynamic}
 * (49152-65535), {@code _missing}, then the one-hot of the most frequent ports at fit time
 * ({@code str(int(port))}). Non-numbers and values outside 0-65535 are missing.
 */
public final class PortTransform extends Transform {
    private static final String[] BUCKETS = {"well_known", "registered", "dynamic"};
    private static final double[][] RANGES = {{0, 1023}, {1024, 49151}, {49152, 65535}};

    private final boolean errorOnMissing;
    private final CategoricalTransform ports;

    public PortTransform(String column, String missing, List<String> categories) {
        super(column);
        if (!"unknown".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("port '" + column + "': missing must be 'unknown' or 'error'");
        }
        this.errorOnMissing = "error".equals(missing);
        this.ports = new CategoricalTransform(column, "onehot", "unknown", categories);
    }

    @Override
    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        for (String b : BUCKETS) {
            out.add(column + "_" + b);
        }
        out.add(column + "_missing");
        out.addAll(ports.featureNames());
        return out;
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        double value = PyCompat.toNumeric(record.get(column));
        boolean isMissing = Double.isNaN(value) || Double.isInfinite(value) || value < 0 || value > 65535;
        if (isMissing && errorOnMissing) {
            throw missing(record, column);
        }
        for (int b = 0; b < BUCKETS.length; b++) {
            out[offset + b] = !isMissing && value >= RANGES[b][0] && value <= RANGES[b][1] ? 1f : 0f;
        }
        out[offset + 3] = isMissing ? 1f : 0f;
        ports.writeValue(isMissing ? null : Long.toString((long) value), record, out, offset + 4);
    }

}
