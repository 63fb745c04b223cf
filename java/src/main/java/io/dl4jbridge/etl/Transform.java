package io.dl4jbridge.etl;

import java.util.Collections;
import java.util.List;

/**
 * One fitted column transform of a saved spec. Per record, {@link #derive} adds derived columns
 * (session keys, template ids, step labels), then {@link #write} writes this transform's float32
 * features at {@code out[offset ..]}. The formulas are those of {@code dl4j_bridge.etl.transforms}.
 */
public abstract class Transform {
    protected final String column;

    protected Transform(String column) {
        this.column = column;
    }

    public List<String> featureNames() {
        return Collections.emptyList();
    }

    /** Input columns that must exist in the reader's records. */
    public List<String> inputColumns() {
        return Collections.singletonList(column);
    }

    /** The derived column this transform adds (null when none). */
    public String derivedColumn() {
        return null;
    }

    public void derive(Record record) {}

    public void write(Record record, float[] out, int offset) {}

    /** Forgets stream state (previous timestamps) before a new pass. */
    public void resetStream() {}

    /** BadRecordException for a missing value under the {@code "error"} policy (Python's message). */
    static BadRecordException missing(Record record, String column) {
        return new BadRecordException("<records>", record.line, column, "missing value (policy 'error')");
    }
}
