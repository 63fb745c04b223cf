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
    /** Whether {@link #order} is the record's own time (false: its time was missing or did not parse). */
    public final boolean timed;
    /** Timestamps whose {@code delta_by} is the session key: their deltas are measured in session order (null: none). */
    final SessionDelta[] deltas;

    public Step(float[] x, int templateId, int label, long line, Object key, double order) {
        this(x, templateId, label, line, key, order, true);
    }

    public Step(float[] x, int templateId, int label, long line, Object key, double order, boolean timed) {
        this(x, templateId, label, line, key, order, timed, null);
    }

    Step(float[] x, int templateId, int label, long line, Object key, double order, boolean timed,
         SessionDelta[] deltas) {
        this.deltas = deltas;
        this.x = x;
        this.templateId = templateId;
        this.label = label;
        this.line = line;
        this.key = key;
        this.order = order;
        this.timed = timed;
    }
}
