package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Time -> {@code <name>_delta_log} ({@code log(1 + max(0, t - t_prev))} in seconds, per stream or per
 * {@code delta_by} group), {@code <name>_hour_sin/cos} and {@code <name>_dow_sin/cos} (Monday = 0).
 * Several columns are joined with a space; with {@code year}, {@code "<year> "} is prepended and the
 * format becomes {@code "%Y " + format}. A missing or unparsable time takes the previous record's
 * time (0 at the start of the stream), or raises under {@code missing = "error"}. With sessions by the
 * {@code delta_by} key ({@link #orderDeltasInSessions}) the {@link SessionAssembler} measures each step's delta from
 * the step before it in the session's time order instead, and counts the times still backward there.
 */
public final class TimestampTransform extends Transform {
    /** The year {@code strptime} (pandas, {@link TimeParser}) gives a time whose format has none. */
    static final int DEFAULT_YEAR = 1900;
    /** Syslog's format, which has no year: that of {@code format = null} with a {@code year}. */
    static final String SYSLOG_TIME_FORMAT = "%b %d %H:%M:%S";
    /** Directives that read a year (Python's {@code transforms.YEAR_DIRECTIVES}); %G, %c and %x are Python's only. */
    private static final String YEAR_DIRECTIVES = "YyGcx";

    private final List<String> columns;
    private final TimeParser parser;
    private final Integer year;
    private final String deltaBy;
    private final boolean errorOnMissing;
    private final String name;
    // stream state
    private Double lastTime;
    private final Map<Object, Double> lastByKey = new HashMap<>();
    private String lastText;
    private double lastTextSeconds;
    private final String format;
    /** The times carry no year (the format has none): {@link #year}, else 1900, is assumed. */
    private final boolean assumesYear;
    /** The format with {@code %Y} in front, for telling a 29 February from other times that do not parse. */
    private final TimeParser leapParser;
    /** Whether the last {@link #seconds} call found no time at all (rather than one that does not parse). */
    private boolean lastAbsent;
    /** Records of this pass with a time, and those whose time does not parse (Python counts the same). */
    private long presentTimes;
    private long unparsableTimes;
    private String firstUnparsable;
    private long firstUnparsableLine;
    /** Times of this pass earlier than the previous record's (of the same delta_by group), as Python counts them. */
    private long backwardTimes;
    private String firstBackward;
    private long firstBackwardLine;
    /** Sessions by the {@code delta_by} key measure the deltas in time order (Python's {@code session_ordered}). */
    private boolean sessionOrdered;

    public TimestampTransform(List<String> columns, String format, Integer year, String deltaBy, String missing,
                              String name) {
        super(columns.get(0));
        if (!"previous".equals(missing) && !"error".equals(missing)) {
            throw new SpecException("timestamp: missing must be 'previous' or 'error'");
        }
        this.columns = new ArrayList<>(columns);
        this.year = year;
        if (year != null && "%s".equals(format)) {
            throw new SpecException("timestamp: year has no use with format '%s' (seconds since the epoch): remove year");
        }
        String timeFormat = format;
        if (year != null && format != null && format.replace("%%", "").contains("%Y")) {   // as Python refuses it
            throw new SpecException("timestamp: year = " + year + " and format " + PyCompat.repr(format)
                    + ": the format reads the year itself; remove year (it is for formats without one, such as "
                    + "syslog's '%b %d %H:%M:%S')");
        }
        if (year != null) {
            timeFormat = "%Y " + (format != null ? format : SYSLOG_TIME_FORMAT);
        }
        this.parser = new TimeParser(timeFormat);
        this.format = format;
        this.assumesYear = (format == null && year != null) || !readsYear(format);
        this.leapParser = !assumesYear ? null : year != null ? parser : new TimeParser("%Y " + format);
        this.deltaBy = deltaBy;
        this.errorOnMissing = "error".equals(missing);
        this.name = name == null ? "time" : name;
    }

    @Override
    public List<String> inputColumns() {
        return columns;
    }

    @Override
    public List<String> featureNames() {
        return Arrays.asList(name + "_delta_log", name + "_hour_sin", name + "_hour_cos", name + "_dow_sin",
                name + "_dow_cos");
    }

    @Override
    public void resetStream() {
        lastTime = null;
        lastByKey.clear();
        lastText = null;
        presentTimes = 0;
        unparsableTimes = 0;
        firstUnparsable = null;
        backwardTimes = 0;
        firstBackward = null;
    }

    /**
     * Whether times of {@code format} carry their year (Python's {@code transforms.reads_year}): ISO 8601 (null),
     * {@code "%s"}, or a directive of {@code %Y %y %G %c %x} ({@code %%} is a literal percent sign).
     */
    static boolean readsYear(String format) {
        if (format == null || "%s".equals(format)) {
            return true;
        }
        for (int i = 0; i + 1 < format.length(); i++) {
            if (format.charAt(i) == '%') {
                if (YEAR_DIRECTIVES.indexOf(format.charAt(++i)) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What a message about the time {@code text} that did not parse adds, in Python's words
     * ({@code Timestamp._year_note}): the year assumed when the format has none, and whether that year is why (a
     * 29 February outside a leap year); "" when the times carry their year.
     */
    private String yearNote(String text) {
        if (!assumesYear) {
            return "";
        }
        String note = year == null
                ? "; the format has no year and year is not set, so " + DEFAULT_YEAR + " is assumed (strptime's default)"
                : "; the format has no year, so year = " + year + " is assumed";
        if (!Double.isNaN(leapParser.parseSeconds("2000 " + text))) {
            note += ", which has no 29 February: set year to the log's year";
        }
        return note;
    }

    /** The {@code delta_by} column, or null (deltas in stream order). */
    public String deltaBy() {
        return deltaBy;
    }

    /**
     * Sessions by this transform's {@code delta_by} key: each step's delta is measured by the
     * {@link SessionAssembler} from the step before it in the session's time order (and only the times still
     * backward there are counted), not here in read order; each record carries a {@link SessionDelta}.
     */
    void orderDeltasInSessions(boolean on) {
        sessionOrdered = on && deltaBy != null;
    }

    /** Counts a time earlier than the step before it in session order (Python's {@code count_backward}). */
    void countBackward(long line, String text) {
        if (backwardTimes++ == 0) {
            firstBackward = text;
            firstBackwardLine = line;
        }
    }

    /** Times of this pass earlier than the record before them (their delta was taken as 0). */
    public long backwardTimes() {
        return backwardTimes;
    }

    /**
     * The warning for {@link #backwardTimes} in Python's words ({@code Timestamp.backward_warning}), or null.
     *
     * @param source the input's name
     */
    public String backwardWarning(String source) {
        if (backwardTimes == 0) {
            return null;
        }
        String group = deltaBy != null ? " of the same " + PyCompat.repr(deltaBy) : "";
        String order = 2 * backwardTimes > presentTimes
                ? "more than half of them: is the log newest first? Reverse its lines before reading it, a CSV "
                        + "header staying first"
                : "check that the log is in time order; a few are usual where several writers' clocks interleave"
                        + (assumesYear ? "; or the log runs into a new year: the format has no year, so 1 January is "
                                + "read as in the year of the 31 December before it (year rollover): read each year's "
                                + "lines apart, each with its year" : "");
        return source + ": " + backwardTimes + " of " + presentTimes + " times in " + columnList()
                + " are earlier than the record before them" + group + " (first: line " + firstBackwardLine + ", "
                + PyCompat.repr(firstBackward) + "); their delta is taken as 0 (" + order + ")";
    }

    private String columnList() {
        StringBuilder names = new StringBuilder("[");
        for (int i = 0; i < columns.size(); i++) {
            names.append(i > 0 ? ", " : "").append(PyCompat.repr(columns.get(i)));
        }
        return names.append(']').toString();
    }

    /** Times of this pass that did not parse (each took the previous record's time). */
    public long unparsableTimes() {
        return unparsableTimes;
    }

    /**
     * The warning for {@link #unparsableTimes} in Python's words, or null when every time parsed.
     *
     * @param source the input's name
     */
    public String unparsableWarning(String source) {
        if (unparsableTimes == 0) {
            return null;
        }
        StringBuilder names = new StringBuilder("[");
        for (int i = 0; i < columns.size(); i++) {
            names.append(i > 0 ? ", " : "").append(PyCompat.repr(columns.get(i)));
        }
        return source + ": " + unparsableTimes + " of " + presentTimes + " times in " + names + "] do not parse with "
                + "the " + (format != null ? "format " + PyCompat.repr(format) : "ISO 8601 (format=None)")
                + " (first: line " + firstUnparsableLine + ", " + PyCompat.repr(firstUnparsable) + "); they take the "
                + "previous record's time (missing='previous')" + yearNote(firstUnparsable);
    }

    /** Seconds since the epoch as pandas gives them ({@code int64 ns / 1e9}), NaN when missing. */
    double seconds(Record record) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            Object value = record.get(columns.get(i));
            if (value == null || (value instanceof Double && ((Double) value).isNaN())) {
                lastAbsent = true;
                return Double.NaN;
            }
            if (i > 0) {
                text.append(' ');
            }
            text.append(PyCompat.str(value));
        }
        lastAbsent = false;
        String joined = year != null ? year + " " + text : text.toString();
        if (joined.equals(lastText)) {  // logs are time-ordered: most records repeat the last text
            return lastTextSeconds;
        }
        double seconds = parser.parseSeconds(joined) * 1e9 / 1e9;   // as Python: seconds * 1e9 / 1e9
        lastText = joined;
        lastTextSeconds = seconds;
        return seconds;
    }

    @Override
    public void write(Record record, float[] out, int offset) {
        double seconds = seconds(record);
        if (!lastAbsent) {
            presentTimes++;
        }
        boolean parsed = !Double.isNaN(seconds);
        if (Double.isNaN(seconds)) {
            if (!lastAbsent && unparsableTimes++ == 0) {
                firstUnparsable = year != null ? lastText.substring(lastText.indexOf(' ') + 1) : lastText;
                firstUnparsableLine = record.line;
            }
            if (errorOnMissing) {
                throw missing(record, column);
            }
            seconds = lastTime != null ? lastTime : 0.0;
        }
        // a missing time before any real one: 0 (1970) stands in for its hour and weekday, but it is no time to
        // measure the next delta from (Python's placeholder)
        boolean placeholder = !parsed && lastTime == null;
        double delta;
        double previous = Double.NaN;   // the delta_by group's previous time in read order (NaN: none)
        if (deltaBy == null) {
            delta = lastTime == null ? 0.0 : seconds - lastTime;
        } else if (placeholder) {
            delta = 0.0;
        } else {
            Object key = record.get(deltaBy);
            Double before = lastByKey.get(key);
            delta = before == null ? 0.0 : seconds - before;
            previous = before == null ? Double.NaN : before;
            lastByKey.put(key, seconds);
        }
        if (!placeholder) {
            lastTime = seconds;
        }
        if (sessionOrdered) {   // the session assembler measures the delta again, in time order, and counts there
            if (record.deltas == null) {
                record.deltas = new ArrayList<>(1);
            }
            String text = lastAbsent ? null : year != null ? lastText.substring(lastText.indexOf(' ') + 1) : lastText;
            record.deltas.add(new SessionDelta(this, offset, seconds, previous, placeholder, parsed, text));
        } else if (parsed && delta < 0 && backwardTimes++ == 0) {   // out of time order: counted and named (Python too)
            firstBackward = year != null ? lastText.substring(lastText.indexOf(' ') + 1) : lastText;
            firstBackwardLine = record.line;
        }
        if (record.order == null) {
            record.order = seconds;
            record.timed = parsed;
        }
        delta = Math.log1p(Math.max(delta, 0.0));
        double hours = PyCompat.mod(seconds, 86400.0) / 3600.0;
        double days = Math.floor(seconds / 86400.0);
        double weekday = PyCompat.mod(days + 3.0, 7.0);
        out[offset] = (float) delta;
        out[offset + 1] = (float) Math.sin(2 * Math.PI * hours / 24.0);
        out[offset + 2] = (float) Math.cos(2 * Math.PI * hours / 24.0);
        out[offset + 3] = (float) Math.sin(2 * Math.PI * weekday / 7.0);
        out[offset + 4] = (float) Math.cos(2 * Math.PI * weekday / 7.0);
    }
}
