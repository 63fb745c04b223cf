package io.dl4jbridge.etl;

/**
 * What sessions need to measure the delta of a {@link TimestampTransform} whose {@code delta_by} is the session key
 * in time order (Python's {@code sequences.SessionDelta}): a session's steps are sorted by time, and each step's
 * delta is measured from the step before it in that order, not from the key's previous record in read order.
 */
final class SessionDelta {
    /** The transform: it counts the times still earlier than the step before them in session order. */
    final TimestampTransform owner;
    /** Its {@code <name>_delta_log} feature's index in {@link Step#x}. */
    final int column;
    /** The record's time (a missing one: the previous record's). */
    final double seconds;
    /** The time of the key's previous record in read order (NaN: none). */
    final double before;
    /** No time at all yet in the stream: delta 0, and no time to measure the next step's from. */
    final boolean placeholder;
    /** The record's own time was given and parsed. */
    final boolean parsed;
    /** The time text (without a {@code year}), for naming the first time still backward. */
    final String text;

    SessionDelta(TimestampTransform owner, int column, double seconds, double before, boolean placeholder,
                 boolean parsed, String text) {
        this.owner = owner;
        this.column = column;
        this.seconds = seconds;
        this.before = before;
        this.placeholder = placeholder;
        this.parsed = parsed;
        this.text = text;
    }
}
