package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fixed windows over the step stream: window {@code k} covers steps {@code k*stride ..
 * k*stride+length-1} and is emitted as soon as its last step (or, for next-event windows, the step
 * after it) arrives. Memory: {@code length + stride} steps. With {@code pad_last}, a stream shorter
 * than one window gives one padded window at the end.
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

    public WindowAssembler(int length, int stride, boolean nextEvent, boolean padLast, int features) {
        if (length < 1 || stride < 1) {
            throw new SpecException("window length and stride must be >= 1");
        }
        this.length = length;
        this.stride = stride;
        this.nextEvent = nextEvent;
        this.padLast = padLast;
        this.features = features;
    }

    @Override
    public void add(Step step, Consumer<Sequence> out) {
        if (seen < nextStart) {  // a stride longer than the window skips steps
            seen++;
            bufferStart = seen;
            return;
        }
        buffer.add(step);
        seen++;
        int need = length + (nextEvent ? 1 : 0);
        while (seen >= nextStart + need) {
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
        }
        buffer.clear();
    }
}
