package io.dl4jbridge.etl;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time text -> nanoseconds since 1970-01-01 UTC, as {@code pandas.to_datetime(text, format=...,
 * utc=True)}: a {@code strftime} format is turned into the same regex as Python's {@code _strptime}
 * (case-insensitive, whitespace in the format matches one or more whitespace characters, the whole
 * text must match); {@code null} format means ISO 8601 in the grammar of Python's
 * {@code dl4j_bridge.etl.timeparse} ({@link #ISO}). Times without a zone are taken as UTC.
 * Directives: %Y %y %m %d %H %I %M %S %f %b %B %a %A %p %j %z %%; {@code %s} (seconds since the epoch, UTC)
 * only as the whole format ({@link #EPOCH}, Python's {@code timeparse.epoch_seconds}).
 */
public final class TimeParser {
    private static final String[] MONTHS = {"january", "february", "march", "april", "may", "june", "july",
            "august", "september", "october", "november", "december"};
    /** ISO 8601 as the ETL reads it: the grammar of Python's {@code dl4j_bridge.etl.timeparse} (the same regex;
     *  both checked against {@code tests/resources/iso_times.json}). */
    static final Pattern ISO = Pattern.compile(
            "[ \\t\\n\\r\\f\\x0b]*(\\d{4})-(\\d{2})-(\\d{2})"
                    + "(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?"
                    + " *(Z|z|[+-]\\d{2}(?::?\\d{2})?)?)?[ \\t\\n\\r\\f\\x0b]*");
    /** {@code format = "%s"}: seconds since the epoch, whole digits and an optional fraction of 1 to 9 digits, ASCII
     *  whitespace around; the same regex as Python's {@code timeparse.EPOCH_PATTERN}. */
    static final Pattern EPOCH = Pattern.compile("[ \\t\\n\\r\\f\\x0b]*([0-9]{1,18})(?:\\.([0-9]{1,9}))?[ \\t\\n\\r\\f\\x0b]*");
    /** Seconds since the epoch whose nanoseconds fit in a long (pandas' datetime64[ns]). */
    private static final long NS_SECONDS = 9_223_372_036L;

    private final Pattern regex;
    private final boolean epoch;
    private final List<Character> directives = new ArrayList<>();

    /** @param format a {@code strftime} format, {@code "%s"} for seconds since the epoch, or null for ISO 8601 */
    public TimeParser(String format) {
        epoch = "%s".equals(format);
        if (format == null || epoch) {
            regex = null;
            return;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '%' && i + 1 < format.length()) {
                char d = format.charAt(++i);
                String piece = directive(d);
                if (d == 's') {
                    throw new SpecException("timestamp format '" + format + "': %s (seconds since the epoch) must be "
                            + "the whole format: format = \"%s\"");
                }
                if (piece == null) {
                    throw new SpecException("timestamp format '" + format + "': %" + d + " is not supported on the JVM");
                }
                if (d != '%') {
                    if (directives.contains(d)) {   // Python's pattern cannot hold it twice either
                        throw new SpecException("timestamp format '" + format + "': %" + d
                                + " is given twice: give each directive once");
                    }
                    directives.add(d);
                    out.append('(').append(piece).append(')');
                } else {
                    out.append('%');
                }
            } else if (PyCompat.isSpace(c)) {
                while (i + 1 < format.length() && PyCompat.isSpace(format.charAt(i + 1))) {
                    i++;
                }
                out.append("[\\s\\x1c-\\x1f]+");   // Python's \\s: also the separators U+001C-U+001F
            } else if (Character.isLetterOrDigit(c)) {
                out.append(c);
            } else {
                out.append('\\').append(c);
            }
        }
        regex = Pattern.compile(out.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | PyCompat.REGEX_FLAGS);
    }

    private static String directive(char d) {
        switch (d) {
            case 'Y': return "\\d\\d\\d\\d";
            case 'y': return "\\d\\d";
            case 'm': return "1[0-2]|0[1-9]|[1-9]";
            case 'd': return "3[01]|[12]\\d|0[1-9]|[1-9]| [1-9]";
            case 'H': return "2[0-3]|[0-1]\\d|\\d";
            case 'I': return "1[0-2]|0[1-9]|[1-9]";
            case 'M': return "[0-5]\\d|\\d";
            case 'S': return "6[0-1]|[0-5]\\d|\\d";
            case 'f': return "[0-9]{1,9}";
            case 'b': return "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";
            case 'B': return "january|february|march|april|may|june|july|august|september|october|november|december";
            case 'a': return "mon|tue|wed|thu|fri|sat|sun";
            case 'A': return "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
            case 'p': return "am|pm";
            case 'j': return "36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9]";
            case 'z': return "[+-]\\d\\d:?[0-5]\\d(?::?[0-5]\\d(?:\\.\\d{1,6})?)?|(?-i:Z)";   // only a capital Z, as pandas
            case '%': return "%";
            default: return null;
        }
    }

    /**
     * Seconds since the epoch as Python's ETL gives them ({@code int64 ns / 1e9}; a time whose nanoseconds do not
     * fit in a long: {@code int64 us / 1e6}), or NaN when the text does not parse (pandas' NaT).
     */
    public double parseSeconds(String text) {
        if (text == null) {
            return Double.NaN;
        }
        try {
            Instant time = epoch ? parseEpoch(text) : regex == null ? parseIso(text) : parseFormat(text);
            if (time == null) {
                return Double.NaN;
            }
            long seconds = time.getEpochSecond();
            if (seconds > -NS_SECONDS && seconds < NS_SECONDS) {
                return (double) (seconds * 1_000_000_000L + time.getNano()) / 1e9;
            }
            return (double) (seconds * 1_000_000L + time.getNano() / 1000) / 1e6;
        } catch (DateTimeException | NumberFormatException | ArithmeticException e) {
            return Double.NaN;
        }
    }

    /** Nanoseconds since the epoch, or null when the text does not parse or lies beyond a long's nanoseconds. */
    public Long parseNanos(String text) {
        if (text == null) {
            return null;
        }
        try {
            Instant time = epoch ? parseEpoch(text) : regex == null ? parseIso(text) : parseFormat(text);
            return time == null ? null
                    : Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), (long) time.getNano());
        } catch (DateTimeException | NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private Instant parseFormat(String text) {
        Matcher m = regex.matcher(text);
        if (!m.matches()) {
            return null;
        }
        int year = 1900;
        int month = 1;
        int day = 1;
        int hour = 0;
        int minute = 0;
        int second = 0;
        int nanos = 0;
        int hour12 = -1;
        boolean pm = false;
        boolean hasAmPm = false;
        int dayOfYear = -1;
        int offsetSeconds = 0;
        for (int g = 0; g < directives.size(); g++) {
            String v = m.group(g + 1);
            switch (directives.get(g)) {
                case 'Y': year = Integer.parseInt(v); break;
                case 'y': {
                    int y = Integer.parseInt(v);
                    year = y <= 68 ? 2000 + y : 1900 + y;
                    break;
                }
                case 'm': month = Integer.parseInt(v.trim()); break;
                case 'd': day = Integer.parseInt(v.trim()); break;
                case 'H': hour = Integer.parseInt(v); hour12 = -1; break;   // the later of %H and %I wins
                case 'I': hour12 = Integer.parseInt(v); break;
                case 'M': minute = Integer.parseInt(v); break;
                case 'S': second = Integer.parseInt(v); break;
                case 'f': {
                    StringBuilder digits = new StringBuilder(v);
                    while (digits.length() < 9) {
                        digits.append('0');
                    }
                    nanos = Integer.parseInt(digits.toString());
                    break;
                }
                case 'b': case 'B': month = monthOf(v); break;
                case 'p': hasAmPm = true; pm = v.equalsIgnoreCase("pm"); break;
                case 'a': case 'A': checkWeekday(v); break;
                case 'j': dayOfYear = Integer.parseInt(v); break;
                case 'z':
                    offsetSeconds = offset(v);
                    if (Math.abs(offsetSeconds) >= 24 * 3600) {
                        return null;   // no such offset (+2400): pandas gives NaT
                    }
                    break;
                default: break;  // weekday names are checked by the regex only
            }
        }
        if (hour12 >= 0) {
            hour = (hour12 % 12) + (hasAmPm && pm ? 12 : 0);   // without %p, 12 is hour 0 (CPython, pandas)
        }
        if (second == 61 || second == 60) {
            return null;  // pandas refuses leap seconds
        }
        // %j wins over %m / %d, and 366 in a common year is the next 1 January, as in CPython and pandas
        LocalDate date = dayOfYear > 0 ? LocalDate.of(year, 1, 1).plusDays(dayOfYear - 1) : LocalDate.of(year, month, day);
        LocalDateTime time = date.atTime(hour, minute, second, nanos);
        return Instant.ofEpochSecond(time.toEpochSecond(ZoneOffset.UTC) - offsetSeconds, time.getNano());
    }

    /** {@link #EPOCH}; null when the text does not match or its nanoseconds do not fit in a long. */
    private static Instant parseEpoch(String text) {
        Matcher m = EPOCH.matcher(text);
        if (!m.matches()) {
            return null;
        }
        long seconds = Long.parseLong(m.group(1));
        if (seconds >= NS_SECONDS) {
            return null;
        }
        int nanos = 0;
        if (m.group(2) != null) {
            StringBuilder digits = new StringBuilder(m.group(2));
            while (digits.length() < 9) {
                digits.append('0');
            }
            nanos = Integer.parseInt(digits.toString());
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static Instant parseIso(String text) {
        int offsetSeconds = 0;
        Matcher m = ISO.matcher(text);
        if (!m.matches()) {
            return null;
        }
        // LocalDateTime.of checks the month, the month's days (leap years), hour 0-23, minute and second 0-59
        LocalDateTime time = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), m.group(4) == null ? 0 : Integer.parseInt(m.group(4)),
                m.group(5) == null ? 0 : Integer.parseInt(m.group(5)), m.group(6) == null ? 0 : Integer.parseInt(m.group(6)));
        if (m.group(7) != null) {
            StringBuilder digits = new StringBuilder(m.group(7));
            while (digits.length() < 9) {
                digits.append('0');
            }
            time = time.withNano(Integer.parseInt(digits.toString()));
        }
        String zone = m.group(8);
        if (zone != null && !zone.equalsIgnoreCase("Z")) {
            int hours = Integer.parseInt(zone.substring(1, 3));
            int minutes = zone.length() > 3 ? Integer.parseInt(zone.substring(zone.length() - 2)) : 0;
            if (hours > 23 || minutes > 59) {
                return null;
            }
            offsetSeconds = (zone.charAt(0) == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        }
        return Instant.ofEpochSecond(time.toEpochSecond(ZoneOffset.UTC) - offsetSeconds, time.getNano());
    }

    private static int monthOf(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < MONTHS.length; i++) {
            if (MONTHS[i].equals(lower) || MONTHS[i].substring(0, 3).equals(lower)) {
                return i + 1;
            }
        }
        throw new DateTimeException("no month " + name);
    }

    /**
     * A {@code %z} offset in seconds, as pandas reads it: whole minutes (the seconds of {@code +01:00:30} are
     * dropped), and a colon after the minutes only when there is one after the hours ({@code +01:0008} is
     * refused: CPython's "Inconsistent use of :").
     */
    private static int offset(String z) {
        if (z.equals("Z")) {
            return 0;
        }
        int sign = z.charAt(0) == '-' ? -1 : 1;
        String s = z.substring(1);
        boolean colon = s.length() > 2 && s.charAt(2) == ':';
        int minutesEnd = colon ? 5 : 4;
        if (s.length() > minutesEnd && (s.charAt(minutesEnd) == ':') != colon) {
            throw new DateTimeException("inconsistent use of ':' in the offset " + z);
        }
        int hours = Integer.parseInt(s.substring(0, 2));
        int minutes = Integer.parseInt(s.substring(colon ? 3 : 2, minutesEnd));
        return sign * (hours * 3600 + minutes * 60);
    }

    private static final String[] WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday"};

    /** A weekday name matched only by Unicode case folding ('ſun', long s) is no name: pandas gives NaT. */
    private static void checkWeekday(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String day : WEEKDAYS) {
            if (day.equals(lower) || day.substring(0, 3).equals(lower)) {
                return;
            }
        }
        throw new DateTimeException("no weekday " + name);
    }
}
