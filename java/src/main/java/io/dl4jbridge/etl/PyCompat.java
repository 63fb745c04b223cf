package io.dl4jbridge.etl;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The few Python behaviours the saved ETL spec depends on, reproduced exactly: {@code str()} of a
 * value, {@code repr()} of a float, {@code str.split()} / {@code str.strip()} with Python's whitespace,
 * {@code pandas.to_numeric(errors="coerce")} of one value, float modulo, and regex flags that give
 * {@code java.util.regex} Python's meaning of {@code \d}, {@code \w}, {@code \s} and {@code .}.
 */
public final class PyCompat {
    private PyCompat() {}

    /**
     * Python {@code re} on str patterns: only {@code \n} ends a line for {@code .}, ^, $; Unicode case folding
     * and POSIX classes ({@code \d \w \s \b} themselves are rewritten: {@link PortableRegex#pythonClasses}).
     */
    public static final int REGEX_FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    /** A regex in Java's dialect with Python's {@code \d \D \w \W \s \S \b \B} and {@link #REGEX_FLAGS}. */
    public static Pattern compile(String javaRegex) {
        return Pattern.compile(PortableRegex.pythonClasses(javaRegex), REGEX_FLAGS);
    }

    /** Python's {@code str.isspace()} for one character. */
    public static boolean isSpace(char c) {
        switch (c) {
            case ' ': case '\t': case '\n': case '\u000b': case '\u000c': case '\r':
            case '\u001c': case '\u001d': case '\u001e': case '\u001f': case '\u0085': case '\u00a0':
            case '\u1680': case '\u2028': case '\u2029': case '\u202f': case '\u205f': case '\u3000':
                return true;
            default:
                return c >= '\u2000' && c <= '\u200a';
        }
    }

    /**
     * The blanks pandas' {@code to_numeric} skips around a number: space, tab, LF, VT, FF, CR only (Java's
     * {@code trim()} also drops NUL and the other control characters, which pandas refuses).
     */
    public static String stripNumberSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isNumberSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isNumberSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isNumberSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
    }

    /**
     * Python's {@code repr()} of a str: single quotes unless the text holds a single quote and no double one,
     * backslash escapes for the quote, the backslash, tab, LF and CR, and {@code \\xNN} / {@code \\uNNNN} /
     * {@code \\UNNNNNNNN} for every other character Python does not print ({@code str.isprintable()}: controls,
     * format characters, surrogates, private use, unassigned, separators other than the space).
     */
    public static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == ' ' || isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp < 0x100) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        return out.append(quote).toString();
    }

    private static boolean isPrintable(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL: case Character.FORMAT: case Character.SURROGATE: case Character.PRIVATE_USE:
            case Character.UNASSIGNED: case Character.LINE_SEPARATOR: case Character.PARAGRAPH_SEPARATOR:
            case Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    /** Python's {@code str.strip()} (no argument). */
    public static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Python's {@code str.split()} (no argument): runs of whitespace separate, no empty tokens. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    /** True for Python's "missing": null, a float NaN, or the empty string. */
    public static boolean isMissing(Object value) {
        if (value == null) {
            return true;
        }
        if (value instanceof Double) {
            return ((Double) value).isNaN();
        }
        return value instanceof String && ((String) value).isEmpty();
    }

    /** Python's {@code str(value)} for the values a reader produces. */
    public static String str(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof String) {
            return (String) value;
        }
        if (value instanceof Boolean) {
            return ((Boolean) value) ? "True" : "False";
        }
        if (value instanceof Double || value instanceof Float) {
            return floatRepr(((Number) value).doubleValue());
        }
        return value.toString();  // Long, Integer, BigInteger
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent outside 1e-4 .. 1e16. */
    public static String floatRepr(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        if (x == 0.0) {
            return (1.0 / x < 0) ? "-0.0" : "0.0";
        }
        // Double.toString round-trips and is nearly always the shortest; before JDK 19 it sometimes
        // has a digit too many, so shorter roundings of the exact value are tried until one fails
        BigDecimal shortest = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        BigDecimal exact = null;
        for (int p = shortest.precision() - 1; p >= 1; p--) {
            if (exact == null) {
                exact = new BigDecimal(x);
            }
            BigDecimal candidate = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() != x) {
                break;
            }
            shortest = candidate.stripTrailingZeros();
        }
        String digits = shortest.unscaledValue().abs().toString();
        int decpt = digits.length() - shortest.scale();  // value = 0.DIGITS * 10^decpt
        StringBuilder out = new StringBuilder();
        if (x < 0) {
            out.append('-');
        }
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                out.append("0.");
                for (int i = 0; i < -decpt; i++) {
                    out.append('0');
                }
                out.append(digits);
            } else if (decpt >= digits.length()) {
                out.append(digits);
                for (int i = digits.length(); i < decpt; i++) {
                    out.append('0');
                }
                out.append(".0");
            } else {
                out.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
            return out.toString();
        }
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        int exponent = decpt - 1;
        out.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) {
            out.append('0');
        }
        out.append(abs);
        return out.toString();
    }

    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Pattern SPECIAL = Pattern.compile(
            "[+-]?(?:inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

    /**
     * {@code pandas.to_numeric(value, errors="coerce")} as a double: NaN when the value is missing or
     * not a number. Strings are trimmed; decimal and exponent notation, {@code inf} and {@code nan}
     * are numbers, hex, underscores and thousands separators are not; booleans are 1 and 0.
     */
    public static double toNumeric(Object value) {
        if (value == null) {
            return Double.NaN;
        }
        if (value instanceof Boolean) {
            return ((Boolean) value) ? 1.0 : 0.0;
        }
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        String s = stripNumberSpace(value.toString());
        if (s.isEmpty()) {
            return Double.NaN;
        }
        if (NUMBER.matcher(s).matches()) {
            return Double.parseDouble(s);
        }
        if (SPECIAL.matcher(s).matches()) {
            boolean negative = s.charAt(0) == '-';
            String word = s.replaceFirst("^[+-]", "").toLowerCase();
            if (word.equals("nan")) {
                return Double.NaN;
            }
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return Double.NaN;
    }

    /** Python's float {@code a % b} (the result has the sign of {@code b}), as numpy's {@code np.mod}. */
    public static double mod(double a, double b) {
        double m = a % b;
        if (m != 0.0) {
            if ((b < 0) != (m < 0)) {
                m += b;
            }
        } else {
            m = Math.copySign(0.0, b);
        }
        return m;
    }

    /** An exact integer for a JSON or typed value when it is integral, else null. */
    static Long exactLong(Object value) {
        if (value instanceof Long || value instanceof Integer) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger && ((BigInteger) value).bitLength() < 64) {
            return ((BigInteger) value).longValue();
        }
        return null;
    }
}
