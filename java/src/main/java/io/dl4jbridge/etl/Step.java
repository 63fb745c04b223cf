package io.dl4jbridge.etl;

/** One record turned into one time step: its features and what traceability needs. */
public final class Step {
    /** float32 features in {@code feature_names} order. */
    public final float[] x;
    public final int templateId;
    public final int label;
    public final long line;
    /** Session key (null outside sessions). */
    public final Object key;
    /** Ordering time (seconds) within a session; 0 without a Timestamp transform. */
    public final double order;

    public Step(float[] x, int templateId, int label, long line, Object key, double order) {
        this.x = x;
        this.templateId = templateId;
        this.label = label;
        this.line = line;
        this.key = key;
        this.order = order;
    }
}
