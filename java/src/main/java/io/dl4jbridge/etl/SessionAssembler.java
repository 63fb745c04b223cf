package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sessions grouped by a key, in order of their first record, steps ordered by time then line number.
 * A session longer than {@code max_length} steps is split, as Python's {@code Sessions} does, into
 * consecutive parts of {@code max_length} steps (the last one shorter), emitted one after the other as
 * sequences of their own with the same key and {@link Sequence#part} 0, 1, ...: every record is scored.
 * Split sessions and the sequences their parts add are counted; records without a key are counted.
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
    private long splitSessions;
    private long extraParts;
    private long closedEarly;

    /** @param idleLines close a session after this many lines without a record; 0 = only at the end */
    public SessionAssembler(Integer maxLength, int features, long idleLines) {
        if (maxLength != null && maxLength < 1) {
            throw new IllegalArgumentException("sessions max_length must be a whole number >= 1 (or null: no limit), got "
                    + maxLength);
        }
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
        if (maxLength == null || steps.size() <= maxLength) {
            out.accept(new Sequence(key, steps, steps.size(), features, -1, -1));
            return;
        }
        splitSessions++;
        int part = 0;
        for (int from = 0; from < steps.size(); from += maxLength, part++) {
            List<Step> piece = steps.subList(from, Math.min(steps.size(), from + maxLength));
            out.accept(new Sequence(key, part, piece, piece.size(), features, -1, -1));
        }
        extraParts += part - 1;
    }

    /** The spec's {@code max_length}: at most this many steps per sequence (null: no limit). */
    public Integer maxLength() {
        return maxLength;
    }

    public long recordsWithoutKey() {
        return recordsWithoutKey;
    }

    /** Sessions longer than {@code max_length}, each split into parts (Python's {@code split_sessions}). */
    public long splitSessions() {
        return splitSessions;
    }

    /** Sequences the parts of split sessions added beyond one per session (Python's {@code extra_parts}). */
    public long extraParts() {
        return extraParts;
    }

    /** Sessions closed by the idle rule before the end of input. */
    public long closedEarly() {
        return closedEarly;
    }
}
