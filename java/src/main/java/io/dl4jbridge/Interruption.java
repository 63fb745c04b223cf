package io.dl4jbridge;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Lets a caller stop a long inference call between its chunks (Python's Ctrl-C or a notebook's interrupt: Python
 * runs its SIGINT handler only when Java calls back into it, so without a check a call over a large batch ran to
 * its end before the interrupt took effect).
 */
public final class Interruption {
    private Interruption() {}

    /**
     * Throws when {@code stop} (may be null: never) says to stop.
     *
     * @param stop  asked before each chunk; true = stop now
     * @param done  sequences done so far
     * @param total sequences of the call
     * @param what  the call, for the message
     * @throws CancellationException when asked to stop
     */
    public static void check(BooleanSupplier stop, long done, long total, String what) {
        if (stop != null && stop.getAsBoolean()) {
            throw new CancellationException(what + " stopped by the caller after " + done + " of " + total
                    + " sequences");
        }
    }
}
