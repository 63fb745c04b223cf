package io.dl4jbridge.etl;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Where and why a line is not valid JSON, in one wording on both sides: Python's
 * {@code dl4j_bridge.etl.jsonsyntax}, step for step. Jackson and {@code json.loads} word a syntax error each their
 * own way, so the reader parses with Jackson (fast) and, only for a line it rejects, asks this scanner for a reason
 * from a small fixed set and a 1-based column counted in characters (code points, as Python counts).
 *
 * <p>The grammar is {@code json.loads}'s: standard JSON plus {@code NaN}, {@code Infinity} and {@code -Infinity}
 * (not {@code +Infinity}, {@code INF} or {@code -INF}, which Jackson's non-numeric numbers also take); an integer of
 * more than {@link #INT_MAX_DIGITS} digits is refused, a number with a fraction or exponent is not. Nesting depth is
 * not checked here ({@link JsonValues#nestedDeeperThan} is, before parsing).
 */
public final class JsonSyntax {
    /** The error of the last {@link #stringEnd} or {@link #numberEnd} that returned -1 (one scan's own). */
    private Error lastError;

    private JsonSyntax() {}

    /** Most digits of an integer (no fraction, no exponent): Python's {@code int()} limit, which json.loads applies. */
    public static final int INT_MAX_DIGITS = 4300;

    public static final String EXPECTED_VALUE = "expected a value";
    public static final String EXPECTED_KEY = "expected a key in double quotes";
    public static final String EXPECTED_COLON = "expected ':' after a key";
    public static final String EXPECTED_OBJECT_NEXT = "expected ',' or '}'";
    public static final String EXPECTED_ARRAY_NEXT = "expected ',' or ']'";
    public static final String TRAILING_COMMA = "trailing comma";
    public static final String UNTERMINATED_STRING = "unterminated string";
    public static final String INVALID_ESCAPE = "invalid escape in a string";
    public static final String CONTROL_CHARACTER = "unescaped control character in a string";
    public static final String INVALID_NUMBER = "invalid number";
    public static final String INTEGER_TOO_LONG = "integer of more than " + INT_MAX_DIGITS + " digits";
    public static final String EXTRA_DATA = "extra data after the value";
    public static final String END_OF_LINE = "unexpected end of line";

    /** Every reason the scanner gives (Python's {@code REASONS}, in the same order). */
    public static final List<String> REASONS = Collections.unmodifiableList(Arrays.asList(
            EXPECTED_VALUE, EXPECTED_KEY, EXPECTED_COLON, EXPECTED_OBJECT_NEXT, EXPECTED_ARRAY_NEXT, TRAILING_COMMA,
            UNTERMINATED_STRING, INVALID_ESCAPE, CONTROL_CHARACTER, INVALID_NUMBER, INTEGER_TOO_LONG, EXTRA_DATA,
            END_OF_LINE));

    private static final String[] LITERALS = {"true", "false", "null", "NaN", "Infinity"};

    /** The first error of a text: the UTF-16 index of the character at fault (its length: it ends early). */
    public static final class Error {
        public final int index;
        public final String reason;

        Error(int index, String reason) {
            this.index = index;
            this.reason = reason;
        }
    }

    /** The first place {@code text} is not one JSON value (json.loads's grammar) and why; null when it is valid. */
    public static Error firstError(String text) {
        return new JsonSyntax().scan(text);
    }

    private Error scan(String text) {
        int n = text.length();
        StringBuilder stack = new StringBuilder();   // the '}' or ']' that closes each open object and array
        int i = 0;
        int expect = VALUE;
        while (true) {
            i = skipWhitespace(text, i);
            if (expect == NEXT) {
                if (stack.length() == 0) {
                    return i >= n ? null : new Error(i, EXTRA_DATA);
                }
                char close = stack.charAt(stack.length() - 1);
                if (i >= n) {
                    return new Error(i, END_OF_LINE);
                }
                char c = text.charAt(i);
                if (c == close) {
                    stack.setLength(stack.length() - 1);
                    i++;
                } else if (c == ',') {
                    int after = skipWhitespace(text, i + 1);
                    if (after < n && text.charAt(after) == close) {
                        return new Error(i, TRAILING_COMMA);
                    }
                    i = after;
                    expect = close == '}' ? KEY : VALUE;
                } else {
                    return new Error(i, close == '}' ? EXPECTED_OBJECT_NEXT : EXPECTED_ARRAY_NEXT);
                }
                continue;
            }
            if (i >= n) {
                return new Error(i, END_OF_LINE);
            }
            char c = text.charAt(i);
            if (expect == KEY) {
                if (c != '"') {
                    return new Error(i, EXPECTED_KEY);
                }
                int end = stringEnd(text, i);
                if (end < 0) {
                    return lastError;
                }
                i = skipWhitespace(text, end);
                if (i >= n) {
                    return new Error(i, END_OF_LINE);
                }
                if (text.charAt(i) != ':') {
                    return new Error(i, EXPECTED_COLON);
                }
                i++;
                expect = VALUE;
                continue;
            }
            // a value
            if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                i = skipWhitespace(text, i + 1);
                if (i < n && text.charAt(i) == close) {
                    i++;
                    expect = NEXT;
                } else {
                    stack.append(close);
                    expect = close == '}' ? KEY : VALUE;
                }
                continue;
            }
            int end;
            if (c == '"') {
                end = stringEnd(text, i);
            } else if (c == '-' && text.startsWith("-Infinity", i)) {
                end = i + 9;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                end = numberEnd(text, i);
            } else {
                end = -1;
                for (String word : LITERALS) {
                    if (text.startsWith(word, i)) {
                        end = i + word.length();
                        break;
                    }
                }
                if (end < 0) {
                    return new Error(i, EXPECTED_VALUE);
                }
            }
            if (end < 0) {
                return lastError;
            }
            i = end;
            expect = NEXT;
        }
    }

    /**
     * A bad JSON line's reason, e.g. {@code expected a value at column 1, found 'n'}; null when it is valid (the
     * column 1-based in code points; {@code found} names the character at it where one is at fault).
     */
    public static String describe(String text) {
        Error error = firstError(text);
        if (error == null) {
            return null;
        }
        String message = error.reason + " at column " + (text.codePointCount(0, error.index) + 1);
        if (NAMES_FOUND.contains(error.reason) && error.index < text.length()) {
            message += ", found " + found(text.codePointAt(error.index));
        }
        return message;
    }

    private static final List<String> NAMES_FOUND = Arrays.asList(EXPECTED_VALUE, EXPECTED_KEY, EXPECTED_COLON,
            EXPECTED_OBJECT_NEXT, EXPECTED_ARRAY_NEXT, CONTROL_CHARACTER, EXTRA_DATA);

    private static String found(int code) {
        if (code == '\'') {
            return "\"'\"";
        }
        return code >= 0x21 && code <= 0x7E ? "'" + (char) code + "'" : String.format("U+%04X", code);
    }

    private static final int VALUE = 0;
    private static final int KEY = 1;
    private static final int NEXT = 2;

    private static int skipWhitespace(String text, int i) {
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isDigit(String text, int i) {
        return i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9';
    }

    private static int digitsEnd(String text, int i) {
        while (isDigit(text, i)) {
            i++;
        }
        return i;
    }

    /** The index after the string opened at {@code start}, or -1 with {@link #lastError} set. */
    private int stringEnd(String text, int start) {
        int n = text.length();
        int i = start + 1;
        while (true) {
            while (i < n) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\' || c < 0x20) {
                    break;
                }
                i++;
            }
            if (i >= n) {
                return fail(start, UNTERMINATED_STRING);
            }
            char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= n) {
                    return fail(start, UNTERMINATED_STRING);
                }
                char escape = text.charAt(i + 1);
                if (escape == 'u') {
                    if (i + 6 > n) {
                        return fail(i, INVALID_ESCAPE);
                    }
                    for (int k = i + 2; k < i + 6; k++) {
                        if (!isHex(text.charAt(k))) {
                            return fail(i, INVALID_ESCAPE);
                        }
                    }
                    i += 6;
                } else if ("\"\\/bfnrt".indexOf(escape) >= 0) {
                    i += 2;
                } else {
                    return fail(i, INVALID_ESCAPE);
                }
            } else {   // below U+0020
                return fail(i, CONTROL_CHARACTER);
            }
        }
    }

    /** The index after the number at {@code start} ('-' or a digit), or -1 with {@link #lastError} set. */
    private int numberEnd(String text, int start) {
        int n = text.length();
        int i = text.charAt(start) == '-' ? start + 1 : start;
        if (!isDigit(text, i)) {
            return fail(start, INVALID_NUMBER);
        }
        int first = i;
        i = digitsEnd(text, i);
        if (text.charAt(first) == '0' && i - first > 1) {   // a leading zero
            return fail(start, INVALID_NUMBER);
        }
        boolean integer = true;
        if (i < n && text.charAt(i) == '.') {
            int end = digitsEnd(text, i + 1);
            if (end == i + 1) {
                return fail(start, INVALID_NUMBER);
            }
            i = end;
            integer = false;
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int end = digitsEnd(text, i);
            if (end == i) {
                return fail(start, INVALID_NUMBER);
            }
            i = end;
            integer = false;
        }
        if (integer && i - first > INT_MAX_DIGITS) {
            return fail(start, INTEGER_TOO_LONG);
        }
        return i;
    }

    private int fail(int index, String reason) {
        lastError = new Error(index, reason);
        return -1;
    }
}
