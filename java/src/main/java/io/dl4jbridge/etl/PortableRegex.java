package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regex from a saved spec (Python {@code (?P<name>} or Java {@code (?<name>} groups) compiled for
 * {@code java.util.regex} with Python's semantics ({@link PyCompat#compile}: {@link #pythonClasses} and
 * {@link PyCompat#REGEX_FLAGS}). Named groups are renamed {@code g0, g1, ...} (Java group names must be
 * alphanumeric; Python allows underscores) and their original names kept in order.
 */
public final class PortableRegex {
    private static final Pattern NAMED_GROUP = Pattern.compile("(?<!\\\\)\\(\\?P?<([A-Za-z_][A-Za-z0-9_]*)>");
    private static final Pattern BACK_REFERENCE = Pattern.compile("\\(\\?P=|\\\\k<");

    /** Python's classes as Java class bodies (see {@link #classOf}), built once. */
    private static final String DIGIT = classOf(PythonRegexClasses.DIGIT, false);
    private static final String NOT_DIGIT = classOf(PythonRegexClasses.DIGIT, true);
    private static final String WORD = classOf(PythonRegexClasses.WORD, false);
    private static final String NOT_WORD = classOf(PythonRegexClasses.WORD, true);
    private static final String SPACE = classOf(PythonRegexClasses.SPACE, false);
    private static final String NOT_SPACE = classOf(PythonRegexClasses.SPACE, true);
    private static final String ANY = "[\\x{0}-\\x{10FFFF}]";
    /** Python's {@code \b}: a word character on exactly one side. */
    private static final String BOUNDARY = "(?:(?<=" + WORD + ")(?!" + WORD + ")|(?<!" + WORD + ")(?=" + WORD + "))";
    /** Python's {@code \B}: a word character on both sides or on neither, never in an empty string (3.11's sre). */
    private static final String NOT_BOUNDARY = "(?:(?<=" + WORD + ")(?=" + WORD + ")|(?<!" + WORD + ")(?!" + WORD
            + ")(?:(?<=" + ANY + ")|(?=" + ANY + ")))";

    public final Pattern pattern;
    /** Original group names, in order of appearance in the pattern. */
    public final List<String> names;
    private final List<String> javaNames;

    private PortableRegex(Pattern pattern, List<String> names, List<String> javaNames) {
        this.pattern = pattern;
        this.names = Collections.unmodifiableList(names);
        this.javaNames = javaNames;
    }

    public static PortableRegex compile(String regex, String what) {
        if (BACK_REFERENCE.matcher(regex).find()) {
            throw new SpecException(what + ": named back-references have no portable form: " + regex);
        }
        List<String> names = new ArrayList<>();
        List<String> javaNames = new ArrayList<>();
        Matcher m = NAMED_GROUP.matcher(regex);
        StringBuffer out = new StringBuffer();
        while (m.find()) {
            String javaName = "g" + names.size();
            names.add(m.group(1));
            javaNames.add(javaName);
            m.appendReplacement(out, Matcher.quoteReplacement("(?<" + javaName + ">"));
        }
        m.appendTail(out);
        try {
            return new PortableRegex(PyCompat.compile(out.toString()), names, javaNames);
        } catch (PatternSyntaxException e) {
            throw new SpecException(what + ": the regex does not compile in java.util.regex: " + e.getDescription()
                    + " in " + regex, e);
        }
    }

    /**
     * A Python regex with Python's {@code \d \D \w \W \s \S \b \B} (module {@code re}, str patterns: see
     * {@link PythonRegexClasses}) written as explicit Java classes and lookarounds; java.util.regex's own classes
     * differ, whatever the flags ({@code UNICODE_CHARACTER_CLASS}'s {@code \w} takes combining marks and joiners
     * and misses {@code ²}, its {@code \s} misses U+001C-U+001F, and both follow the JDK's Unicode version). An
     * escaped backslash ({@code \\w}) stays literal; inside a character class a class escape becomes a nested
     * class ({@code [\w-]}, {@code [^\W\d]} keep Python's meaning) and {@code \b} is a backspace, as in Python.
     * Python's {@code \Z} (the end of the text, never before a final {@code \n}) becomes Java's {@code \z}.
     * Python's {@code \v} (U+000B only) becomes {@code \x0B}: Java's is a class of vertical blanks ({@code \n},
     * {@code \r}, U+0085, U+2028, ...), so a format with {@code \v} matched lines that Python rejects.
     */
    public static String pythonClasses(String regex) {
        if (regex.indexOf('\\') < 0) {
            return regex;
        }
        StringBuilder out = new StringBuilder(regex.length() + 64);
        boolean inClass = false;
        boolean codePoints = false;   // a lookbehind must step back over a surrogate pair as one character
        java.util.ArrayDeque<Boolean> groups = new java.util.ArrayDeque<>();   // open groups: is it a lookbehind?
        int lookbehinds = 0;
        int n = regex.length();
        for (int i = 0; i < n; i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char e = regex.charAt(++i);
                switch (e) {
                    case 'd': out.append(DIGIT); break;
                    case 'D': out.append(NOT_DIGIT); break;
                    case 'w': out.append(WORD); break;
                    case 'W': out.append(NOT_WORD); break;
                    case 's': out.append(SPACE); break;   // no supplementary code point
                    case 'S': out.append(NOT_SPACE); break;
                    case 'b': out.append(inClass ? "\\x08" : BOUNDARY); break;
                    case 'B': out.append(inClass ? "\\B" : NOT_BOUNDARY); break;
                    case 'Z': out.append(inClass ? "\\Z" : "\\z"); break;   // Python's \Z: the very end only
                    case 'v': out.append("\\x0B"); break;   // Python's \v: U+000B only (Java's: any vertical blank)
                    default: out.append(c).append(e);
                }
                codePoints |= (e == 'b' || e == 'B') && !inClass || lookbehinds > 0 && "dDwWS".indexOf(e) >= 0;
                continue;
            }
            if (!inClass && c == '[') {   // a class: a ']' right after '[' or '[^' is a literal one
                inClass = true;
                out.append(c);
                if (i + 1 < n && regex.charAt(i + 1) == '^') {
                    out.append(regex.charAt(++i));
                }
                if (i + 1 < n && regex.charAt(i + 1) == ']') {
                    out.append(regex.charAt(++i));
                }
                continue;
            }
            if (inClass && c == ']') {
                inClass = false;
            } else if (!inClass && c == '(') {
                boolean behind = regex.startsWith("(?<=", i) || regex.startsWith("(?<!", i);
                groups.push(behind);
                lookbehinds += behind ? 1 : 0;
            } else if (!inClass && c == ')' && !groups.isEmpty()) {
                lookbehinds -= groups.pop() ? 1 : 0;
            }
            out.append(c);
        }
        return codePoints ? out.append(CODE_POINT_MARK).toString() : out.toString();
    }

    /**
     * Appended to a pattern with a lookbehind on one of Python's classes ({@code \b}, {@code \B},
     * {@code (?<!\w)}): an atomic group whose empty first alternative always succeeds (it never consumes), holding
     * a supplementary character (U+10FFFF). java.util.regex matches a pattern with a supplementary character in its
     * text by code point where it otherwise walks by {@code char}: a lookbehind then steps back over a whole
     * surrogate pair (without it, {@code \b} after {@code "𝐀"} saw a lone low surrogate, no word character), and
     * {@code find()} never starts between the two halves of a pair. Only there: it makes every lookbehind and
     * {@code find()} step about a third slower (the default masking rules, whose lookbehinds hold ASCII only).
     */
    static final String CODE_POINT_MARK = "(?>|\uDBFF\uDFFF)";

    /**
     * A Java class of the code points of {@code ranges} (or of all others, {@code negated}), usable alone or
     * nested in another class. java.util.regex tests a class's members one after the other: ASCII is decided by
     * the ASCII ranges and one range test; another code point by one range test per block of 4096 (the
     * bounds of the ranges starting in it) and the ranges of its block.
     */
    static String classOf(int[] ranges, boolean negated) {
        StringBuilder out = new StringBuilder(negated ? "[^" : "[");
        int i = 0;
        for (; i < ranges.length && ranges[i] < 0x80; i += 2) {
            range(out, ranges[i], Math.min(ranges[i + 1], 0x7F));
        }
        int rest = i;
        if (i > 0 && ranges[i - 1] > 0x7F) {   // a range across 0x80: its non-ASCII part goes with the rest
            rest = i - 2;
        }
        StringBuilder blocks = new StringBuilder();
        int count = 0;
        for (int j = rest; j < ranges.length; ) {
            int first = Math.max(ranges[j], 0x80);
            int block = first >> 12;
            int end = (block << 12) | 0xFFF;
            StringBuilder members = new StringBuilder();
            int blockLast = first;
            // the ranges starting in this block (the last may run beyond it: it ends the block)
            while (j < ranges.length && Math.max(ranges[j], 0x80) <= end) {
                range(members, Math.max(ranges[j], 0x80), ranges[j + 1]);
                blockLast = Math.max(blockLast, ranges[j + 1]);
                j += 2;
            }
            blocks.append('[');
            range(blocks, first, blockLast);
            blocks.append("&&[").append(members).append("]]");
            count++;
        }
        if (count > 0) {   // one test keeps ASCII out of the blocks
            out.append("[\\x{80}-\\x{10ffff}&&").append(blocks).append(']');
        }
        if (out.length() == (negated ? 2 : 1)) {
            throw new IllegalStateException("empty class");
        }
        return out.append(']').toString();
    }

    private static void range(StringBuilder out, int first, int last) {
        out.append("\\x{").append(Integer.toHexString(first)).append('}');
        if (last != first) {
            out.append("-\\x{").append(Integer.toHexString(last)).append('}');
        }
    }

    /** The text of the group originally named {@code name}, or null if it did not take part. */
    public String group(Matcher matcher, String name) {
        return matcher.group(javaNames.get(names.indexOf(name)));
    }

    /** Where the group originally named {@code name} started (-1: it did not take part). */
    public int start(Matcher matcher, String name) {
        return matcher.start(javaNames.get(names.indexOf(name)));
    }

    /** Where the group originally named {@code name} ended (-1: it did not take part). */
    public int end(Matcher matcher, String name) {
        return matcher.end(javaNames.get(names.indexOf(name)));
    }

    /** The text of the group originally named {@code names.get(index)}, or null if it did not take part. */
    public String group(Matcher matcher, int index) {
        return matcher.group(javaNames.get(index));
    }
}
