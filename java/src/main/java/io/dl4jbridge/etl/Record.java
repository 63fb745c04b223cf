package io.dl4jbridge.etl;

import java.util.HashMap;
import java.util.Map;

/** One log record: field values by name (String, Long, Double, Boolean or null) and its first line. */
public final class Record {
    /** 1-based physical line where the record starts. */
    public final long line;
    public final Map<String, Object> values;
    /** Derived template id (0 = OOV, also when there is no Template transform). */
    public int templateId;
    /** Derived 0/1 step label (0 when there is no Label transform). */
    public int stepLabel;
    /** Time of the first Timestamp transform (seconds), used to order session steps; null without one. */
    public Double order;
    /** Whether {@link #order} is the record's own time (false: missing or unparsable, the previous record's
     *  time taken for it); sessions' {@code gap} measures silences between records with their own times only. */
    public boolean timed = true;
    /** Timestamps whose {@code delta_by} is the session key: what sessions need to measure their deltas in time
     *  order (null: none). */
    java.util.List<SessionDelta> deltas;

    public Record(long line, Map<String, Object> values) {
        this.line = line;
        this.values = values;
    }

    public Record(long line) {
        this(line, new HashMap<String, Object>());
    }

    public Object get(String name) {
        return values.get(name);
    }
}
