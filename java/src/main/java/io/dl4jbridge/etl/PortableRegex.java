package io.dl4jbridge.etl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regex from a saved spec (Python {@code (?P<name>} or Java {@code (?<name>} groups) compiled for
 * {@code java.util.regex} with Python's semantics ({@link PyCompat#REGEX_FLAGS}). Named groups are
 * renamed {@code g0, g1, ...} (Java group names must be alphanumeric; Python allows underscores) and
 * their original names kept in order.
 */
public final class PortableRegex {
    private static final Pattern NAMED_GROUP = Pattern.compile("(?<!\\\\)\\(\\?P?<([A-Za-z_][A-Za-z0-9_]*)>");
    private static final Pattern BACK_REFERENCE = Pattern.compile("\\(\\?P=|\\\\k<");

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

    /** The text of the group originally named {@code name}, or null if it did not take part. */
    public String group(Matcher matcher, String name) {
        return matcher.group(javaNames.get(names.indexOf(name)));
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
