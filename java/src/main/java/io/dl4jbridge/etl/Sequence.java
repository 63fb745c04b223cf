package io.dl4jbridge.etl;

import java.util.List;

/**
 * One window or session, as one row of Python's {@code SequenceBatch}: {@code time} steps (real
 * steps first, then padding), {@code features} per step.
 */
public final class Sequence {
    /** Window: line number of its first step (Long); session: the session key. */
    public final Object key;
    /** A part of a session longer than {@code max_length}: 0, 1, ... in time order; -1 for every other sequence. */
    public final int part;
    /** With sessions' {@code gap}: the number of this session among its key's sessions (0, 1, ... in time order)
     *  when a gap split the key's records into several; -1 for every other sequence (Python's {@code sessions}). */
    public final int session;
    public final int time;
    public final int features;
    /** Real (unpadded) steps. */
    public final int length;
    /** [time * features], row-major by step; 0 on padding. */
    public final float[] x;
    /** Template id per step (0 on padding). */
    public final int[] stepIds;
    /** 0/1 label per step (0 on padding). */
    public final int[] stepLabels;
    /** 1-based raw line number per step (-1 on padding). */
    public final long[] lineNumbers;
    /** 1 when any step label is 1. */
    public final int label;
    /** Template id of the record after the window (next-event windows), or of the first step of the next part
     *  of a split session, else -1 (Python's {@code next_ids}). */
    public final int nextId;
    /** Line number of that record, else -1 (Python's {@code next_lines}). */
    public final long nextLine;

    Sequence(Object key, List<Step> steps, int time, int features, int nextId, long nextLine) {
        this(key, -1, -1, steps, time, features, nextId, nextLine);
    }

    Sequence(Object key, int part, List<Step> steps, int time, int features, int nextId, long nextLine) {
        this(key, -1, part, steps, time, features, nextId, nextLine);
    }

    Sequence(Object key, int session, int part, List<Step> steps, int time, int features, int nextId,
             long nextLine) {
        this.key = key;
        this.session = session;
        this.part = part;
        this.time = time;
        this.features = features;
        this.length = steps.size();
        this.x = new float[time * features];
        this.stepIds = new int[time];
        this.stepLabels = new int[time];
        this.lineNumbers = new long[time];
        java.util.Arrays.fill(lineNumbers, -1L);
        int any = 0;
        for (int t = 0; t < steps.size(); t++) {
            Step s = steps.get(t);
            System.arraycopy(s.x, 0, x, t * features, features);
            stepIds[t] = s.templateId;
            stepLabels[t] = s.label;
            lineNumbers[t] = s.line;
            any = Math.max(any, s.label);
        }
        this.label = any;
        this.nextId = nextId;
        this.nextLine = nextLine;
    }

    /** 1.0 for real steps, 0.0 for padding. */
    public float mask(int t) {
        return t < length ? 1f : 0f;
    }
}
