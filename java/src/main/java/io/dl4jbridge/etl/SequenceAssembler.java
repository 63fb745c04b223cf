package io.dl4jbridge.etl;

import java.util.function.Consumer;

/** Turns the stream of steps into windows or sessions, emitting each as soon as it is complete. */
public interface SequenceAssembler {
    void add(Step step, Consumer<Sequence> out);

    /** End of input: emits what is still open (padded last window, all sessions). */
    void finish(Consumer<Sequence> out);
}
