package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The frozen template miner of a saved spec: message -> template id, by exactly the Python
 * {@code TemplateMiner} rules. Masking: ASCII digits 1-9 become 0 (when {@code digits_to_zero}), the
 * masking rules run in order with literal replacements (a newline inside a message is masked as
 * U+001F, as the Python miner's chunked masking does), the result is stripped. Tokens: a space is
 * inserted after each {@code split_after} character followed by a non-blank, then Python's
 * {@code str.split()}. Matching: among templates with the same token count, an exact match on every
 * literal token wins (most literal tokens, then lowest id); otherwise the most similar template if
 * its share of equal literal tokens reaches the similarity threshold; otherwise {@link #OOV_ID}.
 *
 * <p>Deep matches: java.util.regex recurses once per repetition of a group (Python's {@code re} does not), so a
 * rule like {@code (?:/x+){2,}} overflowed the stack on one ordinary long line (a 6 KB URL path, 4000 numbers in
 * a row). A pattern that is exactly one of the known default rules (see {@link #POSSESSIVE}) runs in its
 * proven-equivalent possessive form, which does not recurse; any other rule that overflows makes
 * {@link #templateId} throw {@link MaskingTooDeepException} (a bad line, never a crash).
 */
public final class TemplateMatcher {
    public static final int OOV_ID = 0;
    static final String WILDCARD = "<*>";

    /**
     * Python pattern (exactly as saved in a spec by {@code dl4j_bridge/etl/templates.py}, current and older
     * versions) -> the possessive Java form that matches exactly the same text at every position, without
     * java.util.regex's recursion per repetition of a group (200,000 repetitions run under the default stack).
     *
     * <p>Why each form matches what the greedy one matches (a backtracking engine returns the first success in
     * priority order; for an exact equivalence it is enough that, at every start position, the greedy pattern's
     * only possible success - or its first one - takes the same path as the possessive one, and that the
     * possessive one fails where the greedy one fails):
     * <ul>
     * <li>{@code path} {@code (?:/C+){2,}/?(?:\?[^...]*)?} with C = {@code [A-Za-z0-9_.\-~%+]}: C holds neither
     * '/' nor '?', so a segment {@code /C+} ends at the first non-C character: giving a C back leaves a C next,
     * where another segment needs '/' - no shorter segment ever lets the loop go further, so {@code C++} loses
     * nothing and the maximal segment count is reached only by maximal segments. Everything after the loop is
     * optional (it always succeeds), so the greedy engine's first success is the maximal loop with maximal
     * segments - exactly what {@code {2,}+} keeps; and both fail exactly when fewer than two segments start
     * there.</li>
     * <li>{@code collapse} {@code <\*>(?:[ \t]*(?:,[ \t]*)?<\*>)+}: nothing follows the loop, so the greedy
     * first success is the longest loop; within an iteration, a blank run given back leaves a blank where ',' or
     * '<' is needed, and skipping a present ',' leaves ',' where '<' is needed: each iteration has a single way
     * to succeed, which the possessive parts take.</li>
     * <li>older {@code collapse} {@code <\*>(?:[ \t]*,?[ \t]*<\*>)+}: an iteration's blanks can be split
     * between the two runs in several ways, but all end at the same position (after the blanks, the optional
     * comma and the blanks after it), and there are no groups to capture: the possessive form takes one of them
     * and ends where every greedy split ends.</li>
     * <li>{@code host:port} (an optional named rule) {@code C+(?:\.C+)+:\d{1,5}(?![0-9])} with C =
     * {@code [A-Za-z0-9_\-]}: every C run must be followed by '.' or ':' (neither is in C), and the loop must be
     * followed by ':' (a '.' is next if it stops early): the only successful decomposition is the maximal
     * one.</li>
     * </ul>
     * TemplateMatcherTest fuzzes each pair (greedy vs possessive, same replaceAll on random strings).
     */
    static final Map<String, String> POSSESSIVE = new HashMap<>();

    static {
        POSSESSIVE.put("(?<![A-Za-z0-9_.\\-/])(?:/[A-Za-z0-9_.\\-~%+]+){2,}/?(?:\\?[^ \\t\\r\\n\\\"']*)?",
                "(?<![A-Za-z0-9_.\\-/])(?:/[A-Za-z0-9_.\\-~%+]++){2,}+/?(?:\\?[^ \\t\\r\\n\\\"']*)?");
        POSSESSIVE.put("<\\*>(?:[ \\t]*(?:,[ \\t]*)?<\\*>)+",
                "<\\*>(?:[ \\t]*+(?:,[ \\t]*+)?+<\\*>)++");
        POSSESSIVE.put("<\\*>(?:[ \\t]*,?[ \\t]*<\\*>)+",
                "<\\*>(?:[ \\t]*+,?+[ \\t]*+<\\*>)++");
        POSSESSIVE.put("(?<![A-Za-z0-9_.\\-])[A-Za-z0-9_\\-]+(?:\\.[A-Za-z0-9_\\-]+)+:\\d{1,5}(?![0-9])",
                "(?<![A-Za-z0-9_.\\-])[A-Za-z0-9_\\-]++(?:\\.[A-Za-z0-9_\\-]++)++:\\d{1,5}(?![0-9])");
    }

    private final Pattern[] rules;
    private final String[] ruleNames;
    private final String[] replacements;
    private final Pattern splitAfter;
    private final boolean digitsToZero;
    private final double similarityThreshold;
    private final String wildcard;
    private final int memoSize;
    private final Map<Integer, List<int[]>> byLength = new HashMap<>();  // token count -> template positions
    private final List<String[]> matchTokens = new ArrayList<>();
    private final List<Integer> matchIds = new ArrayList<>();
    private final int vocabularySize;
    private final Map<String, Integer> memo = new HashMap<>();        // digit-zeroed message -> id
    private final Map<String, Integer> maskedMemo = new HashMap<>();  // masked message -> id

    /** @param miner the {@code miner} object of a saved Template transform */
    public TemplateMatcher(JsonNode miner) {
        JsonNode masking = miner.get("masking");
        rules = new Pattern[masking.size()];
        replacements = new String[masking.size()];
        ruleNames = new String[masking.size()];
        for (int i = 0; i < masking.size(); i++) {
            JsonNode rule = masking.get(i);
            String replacement = rule.has("replacement") ? rule.get("replacement").asText() : WILDCARD;
            if (replacement.contains("\\")) {
                throw new SpecException("masking rule " + rule.get("name") + ": replacements must be literal text");
            }
            String pattern = rule.get("pattern").asText();
            rules[i] = PortableRegex.compile(pattern, "masking rule " + rule.get("name")).pattern;
            String possessive = POSSESSIVE.get(pattern);
            if (possessive != null) {
                rules[i] = PyCompat.compile(possessive);
            }
            ruleNames[i] = rule.has("name") ? "'" + rule.get("name").asText() + "'" : "number " + (i + 1);
            replacements[i] = Matcher.quoteReplacement(replacement);
        }
        String split = miner.get("split_after").asText();
        if (split.isEmpty()) {
            splitAfter = null;
        } else {
            StringBuilder cls = new StringBuilder();
            for (char c : split.toCharArray()) {
                cls.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : "\\" + c);
            }
            splitAfter = Pattern.compile("(?<=[" + cls + "])(?=[^ \\t])");
        }
        digitsToZero = !miner.has("digits_to_zero") || miner.get("digits_to_zero").asBoolean();
        similarityThreshold = miner.get("similarity_threshold").asDouble();
        wildcard = miner.has("wildcard") ? miner.get("wildcard").asText() : WILDCARD;
        memoSize = 1_000_000;
        for (JsonNode entry : miner.get("match_templates")) {
            JsonNode tokens = entry.get("tokens");
            String[] t = new String[tokens.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = tokens.get(i).asText();
            }
            int position = matchTokens.size();
            matchTokens.add(t);
            matchIds.add(entry.get("id").asInt());
            byLength.computeIfAbsent(t.length, k -> new ArrayList<int[]>()).add(new int[]{position});
        }
        vocabularySize = miner.get("templates").size() + 1;
    }

    /** Number of ids including the OOV id. */
    public int vocabularySize() {
        return vocabularySize;
    }

    /**
     * Template id of one message (null or missing messages are mined as "").
     *
     * @throws MaskingTooDeepException when a (user-supplied) masking rule overflows the thread stack on it
     */
    public int templateId(String message) {
        String normalised = digitsToZero ? zeroDigits(message) : message;
        Integer id = memo.get(normalised);
        if (id != null) {
            if (id < 0) {   // remembered failure: rule -id - 1
                throw new MaskingTooDeepException(ruleNames[-id - 1], normalised.length());
            }
            return id;
        }
        String masked;
        try {
            masked = maskNormalised(normalised);
        } catch (TooDeep e) {
            if (memo.size() < memoSize) {
                memo.put(normalised, -e.rule - 1);
            }
            throw new MaskingTooDeepException(ruleNames[e.rule], normalised.length());
        }
        id = maskedMemo.get(masked);
        if (id == null) {
            id = matchTokens(tokens(masked));
            if (maskedMemo.size() < memoSize) {
                maskedMemo.put(masked, id);
            }
        }
        if (memo.size() < memoSize) {
            memo.put(normalised, id);
        }
        return id;
    }

    /**
     * The masked form of a message (for tests and explanations).
     *
     * @throws MaskingTooDeepException when a (user-supplied) masking rule overflows the thread stack on it
     */
    public String mask(String message) {
        String normalised = digitsToZero ? zeroDigits(message) : message;
        try {
            return maskNormalised(normalised);
        } catch (TooDeep e) {
            throw new MaskingTooDeepException(ruleNames[e.rule], normalised.length());
        }
    }

    /** The reader's check of the message field: null, or the {@code "masking too deep: ..."} reason. */
    public String valueCheck(Object value) {
        if (!(value instanceof String)) {
            return null;
        }
        try {
            templateId((String) value);
            return null;
        } catch (MaskingTooDeepException e) {
            return e.reason();
        }
    }

    /** Which rule overflowed (thrown with the stack already unwound to maskNormalised's frame). */
    private static final class TooDeep extends Exception {
        final int rule;

        TooDeep(int rule) {
            super(null, null, false, false);
            this.rule = rule;
        }
    }

    private String maskNormalised(String text) throws TooDeep {
        String s = text.replace('\n', '\u001f');
        for (int i = 0; i < rules.length; i++) {
            try {
                s = rules[i].matcher(s).replaceAll(replacements[i]);
            } catch (StackOverflowError e) {
                throw new TooDeep(i);
            }
        }
        return PyCompat.strip(s.replace('\u001f', '\n'));
    }

    static String zeroDigits(String s) {
        char[] chars = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '1' && c <= '9') {
                if (chars == null) {
                    chars = s.toCharArray();
                }
                chars[i] = '0';
            }
        }
        return chars == null ? s : new String(chars);
    }

    List<String> tokens(String masked) {
        if (splitAfter != null) {
            masked = splitAfter.matcher(masked).replaceAll(" ");
        }
        return PyCompat.split(masked);
    }

    int matchTokens(List<String> tokens) {
        List<int[]> candidates = byLength.get(tokens.size());
        if (candidates == null) {
            return OOV_ID;
        }
        int exactId = OOV_ID;
        int exactLiterals = -1;
        int nearId = OOV_ID;
        double nearSim = -1.0;
        for (int[] p : candidates) {
            String[] template = matchTokens.get(p[0]);
            int literals = 0;
            int same = 0;
            for (int i = 0; i < template.length; i++) {
                if (!template[i].equals(wildcard)) {
                    literals++;
                    if (template[i].equals(tokens.get(i))) {
                        same++;
                    }
                }
            }
            int id = matchIds.get(p[0]);
            if (same == literals) {
                if (literals > exactLiterals) {
                    exactId = id;
                    exactLiterals = literals;
                }
            } else if (exactLiterals < 0) {
                double sim = tokens.isEmpty() ? 1.0 : (double) same / tokens.size();
                if (sim > nearSim) {
                    nearId = id;
                    nearSim = sim;
                }
            }
        }
        if (exactLiterals >= 0) {
            return exactId;
        }
        return nearSim >= similarityThreshold ? nearId : OOV_ID;
    }
}
