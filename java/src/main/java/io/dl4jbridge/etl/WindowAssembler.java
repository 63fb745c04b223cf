package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fixed windows over the step stream: window {@code k} covers steps {@code k*stride ..
 * k*stride+length-1} and is emitted as soon as its last step (or, for next-event windows, the step
 * after it) arrives. Memory: {@code length + stride} steps. With {@code pad_last}, a stream shorter
 * than one window gives one padded window at the end.
 *
 * <p>A step in no window (nor a window's next event) is never scored: it is counted in
 * {@link #unwindowedRecords()}, with the line of the first, as Python's {@code _WindowBuilder} counts it.
 */
public final class WindowAssembler implements SequenceAssembler {
    private final int length;
    private final int stride;
    private final boolean nextEvent;
    private final boolean padLast;
    private final int features;
    private final List<Step> buffer = new ArrayList<>();
    private long bufferStart;  // stream index of buffer.get(0)
    private long seen;
    private long nextStart;
    private long emitted;
    private long unwindowed;
    private long firstUnwindowedLine = -1;
    /** Whether a window's next event is scored (a next-event detector judges it; a classifier does not). */
    private boolean nextEventScored;

    public WindowAssembler(int length, int stride, boolean nextEvent, boolean padLast, int features) {
        if (length < 1 || stride < 1) {
            throw new SpecException("window length and stride must be >= 1");
        }
        this.length = length;
        this.stride = stride;
        this.nextEvent = nextEvent;
        this.padLast = padLast;
        this.features = features;
        this.nextEventScored = nextEvent;
    }

    /**
     * Whether the model judges each window's next event: a classifier scoring next-event windows (a run that
     * trained both kinds on one spec) does not, so the record after the last window is in no scored window.
     * Python's {@code Pipeline.next_event_scored}.
     */
    public void nextEventScored(boolean scored) {
        this.nextEventScored = nextEvent && scored;
    }

    /** Steps a window covers for the count of records in no window: its own, and its next event when scored. */
    private int covers() {
        return length + (nextEventScored ? 1 : 0);
    }

    private int need() {
        return length + (nextEvent ? 1 : 0);
    }

    /** Counts the step at stream index {@code index} if none of the windows emitted so far covers it (called
     *  when no later window can: the step is leaving the buffer). */
    private void account(long index, long line) {
        long lowest = Math.max(0, Math.floorDiv(index - covers(), stride) + 1);
        long highest = Math.min(emitted - 1, index / stride);
        if (lowest > highest) {
            if (unwindowed++ == 0) {
                firstUnwindowedLine = line;
            }
        }
    }

    @Override
    public void add(Step step, Consumer<Sequence> out) {
        if (seen < nextStart) {  // a stride longer than the window skips steps
            account(seen, step.line);
            seen++;
            bufferStart = seen;
            return;
        }
        buffer.add(step);
        seen++;
        while (seen >= nextStart + need()) {
            int from = (int) (nextStart - bufferStart);
            List<Step> steps = buffer.subList(from, from + length);
            int nextId = -1;
            long nextLine = -1;
            if (nextEvent) {
                Step next = buffer.get(from + length);
                nextId = next.templateId;
                nextLine = next.line;
            }
            out.accept(new Sequence(steps.get(0).line, steps, length, features, nextId, nextLine));
            emitted++;
            nextStart += stride;
        }
        long drop = Math.min(nextStart - bufferStart, buffer.size());
        if (drop > 0 && emitted > 0) {
            for (int i = 0; i < drop; i++) {
                account(bufferStart + i, buffer.get(i).line);
            }
            buffer.subList(0, (int) drop).clear();
            bufferStart += drop;
        }
    }

    @Override
    public void finish(Consumer<Sequence> out) {
        if (padLast && emitted == 0 && !buffer.isEmpty()) {
            List<Step> steps = buffer.subList(0, Math.min(buffer.size(), length));
            out.accept(new Sequence(steps.get(0).line, steps, length, features, -1, -1));
            emitted++;
        } else {
            for (int i = 0; i < buffer.size(); i++) {
                account(bufferStart + i, buffer.get(i).line);
            }
        }
        buffer.clear();
    }

    /** Steps in no emitted window (nor its next event) so far: never scored. Final after {@link #finish}. */
    public long unwindowedRecords() {
        return unwindowed;
    }

    /** The windows emitted (a padded one included). */
    public long windows() {
        return emitted;
    }

    /** Python's {@code dl4j_bridge.etl.sequences.unwindowed_warning}, word for word. */
    public String unwindowedWarning() {
        String head = unwindowed + " record(s) are in no window, so they were neither trained on nor scored "
                + "(unwindowed_records; the first on line " + firstUnwindowedLine + "): ";
        String need = "length=" + length + (nextEvent ? " plus the next event" : "");
        if (emitted == 0) {
            return head + "the input is shorter than one window (" + need + "); with pad_last = true ([sequence] "
                    + "pad_last) and retrained, a model scores such an input as one padded window";
        }
        if (stride == 1) {
            return head + "windows of " + need + ", stride=1 end one record before the input ends, and this model does "
                    + "not judge a window's next event (a classifier scores the window's own steps): windows without the "
                    + "next event ([sequence] next_event = false), retrained, leave no record out";
        }
        return head + "windows of " + need + ", stride=" + stride + " leave out the records after the last full window"
                + (stride > covers() ? " and those between windows (the stride is longer than a window)" : "")
                + ". To use every record, use stride = 1 ([sequence] stride) and retrain";
    }
}
