package io.dl4jbridge.etl;

/**
 * A masking rule's {@code java.util.regex} match recursed past the thread stack on one message
 * ({@link StackOverflowError}): java.util.regex recurses once per repetition of a group, Python's {@code re}
 * does not. The known default rules run in proven-equivalent possessive forms that do not recurse (see
 * {@link TemplateMatcher}); this is raised for other (user-supplied) rules, and made a bad line of the input
 * (lenient: counted; strict: an error naming the file and line) rather than a crash.
 */
public final class MaskingTooDeepException extends EtlException {
    /** Bad-line category (the reason is {@code category + ": " + detail}). */
    public static final String CATEGORY = "masking too deep";

    private final String detail;

    public MaskingTooDeepException(String ruleName, int length) {
        this(detail(ruleName, length));
    }

    private MaskingTooDeepException(String detail) {
        super(CATEGORY + ": " + detail);
        this.detail = detail;
    }

    static String detail(String ruleName, int length) {
        return "masking rule " + ruleName + " recursed too deep on a message of " + length
                + " characters (java.util.regex): raise the thread stack with JAVA_OPTS=-Xss64m";
    }

    /** The reason after the category. */
    public String detail() {
        return detail;
    }

    /** {@code "<category>: <detail>"}, as a reader's value check returns it. */
    public String reason() {
        return CATEGORY + ": " + detail;
    }
}
