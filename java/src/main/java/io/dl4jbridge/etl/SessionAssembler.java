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
 * Each part but the last carries the next part's first step as its next event ({@link Sequence#nextId},
 * {@link Sequence#nextLine}), so a next-event model judges the first event of every later part.
 * Split sessions and the sequences their parts add are counted; records without a key are counted.
 * With overflow {@code "truncate"} (Python's {@code Sessions(overflow="truncate")}; a spec saved without
 * {@code overflow}, before it existed, reads so) a longer session keeps its first {@code max_length} steps
 * only: the sessions cut and the records cut off (not scored) are counted.
 *
 * <p>A {@link TimestampTransform} whose {@code delta_by} is the session key has each step's delta measured here, from
 * the step before it in the session's time order (Python's {@code sequences.session_order_deltas}), not in read order;
 * only the times still backward in that order are counted on the transform.
 *
 * <p>With a {@code gap} (Python's {@code Sessions(gap=...)}; specs saved before it have none) a key's records,
 * in time order, become a new session wherever a record comes more than {@code gap} seconds after the key's
 * last record with a time of its own: each such session is emitted apart (then split at {@code max_length}),
 * one after the other, with the key and {@link Sequence#session} 0, 1, ... when the key had several. A record
 * whose time was missing or did not parse ({@link Step#timed} false) never starts a session. The sessions a gap
 * started are counted ({@link #gapSessions}).
 *
 * <p>Python closes every session at the end of its input, and so does this assembler by default. On
 * endless input ({@code idleLines > 0}) a session that has received no record for {@code idleLines}
 * physical lines is closed and emitted early, and a later record with the same key starts a new
 * session; memory is then bounded by the sessions active within that many lines.
 */
public final class SessionAssembler implements SequenceAssembler {
    private static final Comparator<Step> TIME_THEN_LINE =
            Comparator.comparingDouble((Step s) -> s.order).thenComparingLong(s -> s.line);

    /** What a session longer than {@code max_length} becomes (Python's {@code Sessions.OVERFLOWS}). */
    public static final String SPLIT = "split";
    public static final String TRUNCATE = "truncate";

    private final Integer maxLength;
    private final boolean truncate;
    /** Seconds of silence that end a session, or null (none). */
    private final Double gap;
    private final int features;
    private final long idleLines;
    private final Map<Object, List<Step>> open = new LinkedHashMap<>();
    private final Map<Object, Long> lastLine = new LinkedHashMap<>();
    private long recordsWithoutKey;
    private long firstWithoutKey;   // the line of the first of recordsWithoutKey, or 0
    private long splitSessions;
    private long extraParts;
    private long truncatedSessions;
    private long truncatedRecords;
    private long closedEarly;
    private long gapSessions;

    /** Overflow {@code "split"}. @param idleLines close a session after this many lines without a record; 0 = only at the end */
    public SessionAssembler(Integer maxLength, int features, long idleLines) {
        this(maxLength, SPLIT, features, idleLines);
    }

    /**
     * @param overflow  {@code "split"} or {@code "truncate"}: what a session longer than {@code maxLength} becomes
     * @param idleLines close a session after this many lines without a record; 0 = only at the end
     * @throws SpecException for a {@code maxLength} below 1 or another overflow (as Python's {@code SpecError})
     */
    public SessionAssembler(Integer maxLength, String overflow, int features, long idleLines) {
        this(maxLength, overflow, null, features, idleLines);
    }

    /**
     * @param overflow  {@code "split"} or {@code "truncate"}: what a session longer than {@code maxLength} becomes
     * @param gap       seconds of silence (by the record times) after which a key's next record starts a new
     *                  session; null: none
     * @param idleLines close a session after this many lines without a record; 0 = only at the end
     * @throws SpecException for a {@code maxLength} below 1, another overflow or a gap that is not a finite number
     *                       above 0 (as Python's {@code SpecError})
     */
    public SessionAssembler(Integer maxLength, String overflow, Double gap, int features, long idleLines) {
        if (gap != null && !(gap > 0 && !gap.isInfinite())) {
            throw new SpecException("Sessions gap must be a number of seconds > 0 (or None: no gap ends a session; "
                    + "run.toml: [sequence] gap), got " + PyCompat.floatRepr(gap));
        }
        this.gap = gap;
        if (maxLength != null && maxLength < 1) {
            throw new SpecException("sessions max_length must be a whole number >= 1 (or null: no limit), got "
                    + maxLength);
        }
        if (!SPLIT.equals(overflow) && !TRUNCATE.equals(overflow)) {
            throw new SpecException("sessions overflow must be one of ['split', 'truncate'] (what a session longer "
                    + "than max_length becomes), got " + (overflow == null ? "None" : "'" + overflow + "'"));
        }
        this.maxLength = maxLength;
        this.truncate = TRUNCATE.equals(overflow);
        this.features = features;
        this.idleLines = idleLines;
    }

    @Override
    public void add(Step step, Consumer<Sequence> out) {
        Object key = step.key;
        // sessions idle for idleLines lines are closed before this record joins one: the record's own key too, so
        // that a key whose last record came idleLines lines ago (blank, bad or continuation lines in between, which
        // never get here) starts a new session, as it does when other keys' records came in between
        if (idleLines > 0) {
            Iterator<Map.Entry<Object, Long>> it = lastLine.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Object, Long> e = it.next();
                long idle = step.line - e.getValue();
                // its own key's record idleLines lines later has idleLines - 1 lines without one in between
                if (idle < idleLines || (idle == idleLines && e.getKey().equals(key))) {
                    break;   // the least recent first: none after it is idle
                }
                it.remove();
                closedEarly++;
                emit(e.getKey(), open.remove(e.getKey()), out);
            }
        }
        if (key == null || (key instanceof Double && ((Double) key).isNaN())) {
            recordsWithoutKey++;
            if (firstWithoutKey == 0 || step.line < firstWithoutKey) {
                firstWithoutKey = step.line;
            }
        } else {
            open.computeIfAbsent(key, k -> new ArrayList<Step>()).add(step);
            if (idleLines > 0) {
                lastLine.remove(key);
                lastLine.put(key, step.line);  // re-inserted: lastLine iterates from the least recent
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
        SessionDelta[] firstRead = steps.get(0).deltas;   // the key's time before its first record here
        steps.sort(TIME_THEN_LINE);
        if (firstRead != null) {
            orderDeltas(steps, firstRead);
        }
        if (gap == null) {
            emitSession(key, -1, steps, out);
            return;
        }
        // a new session wherever a record with its own time comes more than gap seconds after the last such one
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        double before = Double.NaN;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (!s.timed) {   // a missing time stays in the session it sorts into
                continue;
            }
            if (i > 0 && s.order - before > gap) {   // NaN (no time yet) compares false, as in Python
                starts.add(i);
            }
            before = s.order;
        }
        gapSessions += starts.size() - 1;
        starts.add(steps.size());
        for (int n = 0; n + 1 < starts.size(); n++) {
            emitSession(key, starts.size() > 2 ? n : -1, steps.subList(starts.get(n), starts.get(n + 1)), out);
        }
    }

    /**
     * The delta of each timestamp whose {@code delta_by} is the session key, measured from the step before in time
     * order (Python's {@code sequences.session_order_deltas}): the first step's from the key's time before its first
     * record read here (its {@link SessionDelta#before}: a session the idle rule closed earlier; none: 0); a stand-in
     * without any time (placeholder) has delta 0 and is no step to measure from. A time still earlier than the step
     * before it is counted on its transform, its delta taken as 0.
     */
    private static void orderDeltas(List<Step> steps, SessionDelta[] firstRead) {
        for (int j = 0; j < firstRead.length; j++) {
            double previous = firstRead[j].before;
            for (Step s : steps) {
                SessionDelta d = s.deltas[j];
                if (d.placeholder) {
                    s.x[d.column] = 0f;
                    continue;
                }
                double delta = Double.isNaN(previous) ? 0.0 : d.seconds - previous;
                previous = d.seconds;
                if (d.parsed && delta < 0) {
                    d.owner.countBackward(s.line, d.text);
                }
                s.x[d.column] = (float) Math.log1p(Math.max(delta, 0.0));
            }
        }
    }

    /** One session (of a key's, numbered {@code session}; -1 when the key has one), split at max_length. */
    private void emitSession(Object key, int session, List<Step> steps, Consumer<Sequence> out) {
        if (maxLength == null || steps.size() <= maxLength) {
            out.accept(new Sequence(key, session, -1, steps, steps.size(), features, -1, -1));
            return;
        }
        if (truncate) {   // the first max_length steps only: the rest is counted, not scored
            truncatedSessions++;
            truncatedRecords += steps.size() - maxLength;
            List<Step> first = steps.subList(0, maxLength);
            out.accept(new Sequence(key, session, -1, first, first.size(), features, -1, -1));
            return;
        }
        splitSessions++;
        int part = 0;
        for (int from = 0; from < steps.size(); from += maxLength, part++) {
            int to = Math.min(steps.size(), from + maxLength);
            List<Step> piece = steps.subList(from, to);
            // a part with a later part: its next event is that part's first step (Python's next_ids, next_lines),
            // so a next-event model judges the first event of every later part from the part before it
            Step next = to < steps.size() ? steps.get(to) : null;
            out.accept(new Sequence(key, session, part, piece, piece.size(), features,
                    next == null ? -1 : next.templateId, next == null ? -1 : next.line));
        }
        extraParts += part - 1;
    }

    /** The spec's {@code max_length}: at most this many steps per sequence (null: no limit). */
    public Integer maxLength() {
        return maxLength;
    }

    /** {@code "split"} or {@code "truncate"}. */
    public String overflow() {
        return truncate ? TRUNCATE : SPLIT;
    }

    public long recordsWithoutKey() {
        return recordsWithoutKey;
    }

    /**
     * The warning for {@link #recordsWithoutKey}, word for word Python's {@code sequences.records_without_key_warning}.
     *
     * @param key the session key field
     */
    public String recordsWithoutKeyWarning(String key) {
        return recordsWithoutKey + " records have no session key " + PyCompat.repr(key)
                + (firstWithoutKey > 0 ? " (the first on line " + firstWithoutKey + ")" : "")
                + ": they belong to no session and are not scored (records_without_key)";
    }

    /** Sessions longer than {@code max_length}, each split into parts (Python's {@code split_sessions}). */
    public long splitSessions() {
        return splitSessions;
    }

    /** Sequences the parts of split sessions added beyond one per session (Python's {@code extra_parts}). */
    public long extraParts() {
        return extraParts;
    }

    /** Overflow "truncate": sessions longer than {@code max_length}, cut (Python's {@code truncated_sessions}). */
    public long truncatedSessions() {
        return truncatedSessions;
    }

    /** Overflow "truncate": records cut off those sessions, not scored (Python's {@code truncated_records}). */
    public long truncatedRecords() {
        return truncatedRecords;
    }

    /** Seconds of silence that end a session ({@code gap}), or null. */
    public Double gap() {
        return gap;
    }

    /** Sessions a gap started, beyond the first session of each key (Python's {@code gap_sessions}). */
    public long gapSessions() {
        return gapSessions;
    }

    /** Sessions closed by the idle rule before the end of input. */
    public long closedEarly() {
        return closedEarly;
    }
}
