package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sessions grouped by a key, in order of their first record, steps ordered by time then line number,
 * truncated to {@code max_length} steps (the first ones). Records without a key are counted.
 *
 * <p>Python closes every session at the end of its input, and so does this assembler by default. On
 * endless input ({@code idleLines > 0}) a session that has received no record for {@code idleLines}
 * physical lines is closed and emitted early, and a later record with the same key starts a new
 * session; memory is then bounded by the sessions active within that many lines.
 */
public final class SessionAssembler implements SequenceAssembler {
    private static final Comparator<Step> TIME_THEN_LINE =
            Comparator.comparingDouble((Step s) -> s.order).thenComparingLong(s -> s.line);

    private final Integer maxLength;
    private final int features;
    private final long idleLines;
    private final Map<Object, List<Step>> open = new LinkedHashMap<>();
    private final Map<Object, Long> lastLine = new LinkedHashMap<>();
    private long recordsWithoutKey;
    private long truncated;
    private long closedEarly;

    /** @param idleLines close a session after this many lines without a record; 0 = only at the end */
    public SessionAssembler(Integer maxLength, int features, long idleLines) {
        this.maxLength = maxLength;
        this.features = features;
        this.idleLines = idleLines;
    }

    @Override
    public void add(Step step, Consumer<Sequence> out) {
        Object key = step.key;
        if (key == null || (key instanceof Double && ((Double) key).isNaN())) {
            recordsWithoutKey++;
        } else {
            open.computeIfAbsent(key, k -> new ArrayList<Step>()).add(step);
            if (idleLines > 0) {
                lastLine.remove(key);
                lastLine.put(key, step.line);  // re-inserted: lastLine iterates from the least recent
            }
        }
        if (idleLines > 0) {
            Iterator<Map.Entry<Object, Long>> it = lastLine.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Object, Long> e = it.next();
                if (step.line - e.getValue() < idleLines) {
                    break;
                }
                it.remove();
                closedEarly++;
                emit(e.getKey(), open.remove(e.getKey()), out);
            }
        }
    }

    @Override
    public void finish(Consumer<Sequence> out) {
        for (Map.Entry<Object, List<Step>> e : open.entrySet()) {
            emit(e.getKey(), e.getValue(), out);
        }
        open.clear();
        lastLine.clear();
    }

    private void emit(Object key, List<Step> steps, Consumer<Sequence> out) {
        steps.sort(TIME_THEN_LINE);
        if (maxLength != null && steps.size() > maxLength) {
            steps = steps.subList(0, maxLength);
            truncated++;
        }
        out.accept(new Sequence(key, steps, steps.size(), features, -1, -1));
    }

    public long recordsWithoutKey() {
        return recordsWithoutKey;
    }

    public long truncated() {
        return truncated;
    }

    /** Sessions closed by the idle rule before the end of input. */
    public long closedEarly() {
        return closedEarly;
    }
}
