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
 */
public final class TemplateMatcher {
    public static final int OOV_ID = 0;
    static final String WILDCARD = "<*>";

    private final Pattern[] rules;
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
        for (int i = 0; i < masking.size(); i++) {
            JsonNode rule = masking.get(i);
            String replacement = rule.has("replacement") ? rule.get("replacement").asText() : WILDCARD;
            if (replacement.contains("\\")) {
                throw new SpecException("masking rule " + rule.get("name") + ": replacements must be literal text");
            }
            rules[i] = PortableRegex.compile(rule.get("pattern").asText(), "masking rule " + rule.get("name")).pattern;
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

    /** Template id of one message (null or missing messages are mined as ""). */
    public int templateId(String message) {
        String normalised = digitsToZero ? zeroDigits(message) : message;
        Integer id = memo.get(normalised);
        if (id != null) {
            return id;
        }
        String masked = maskNormalised(normalised);
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

    /** The masked form of a message (for tests and explanations). */
    public String mask(String message) {
        return maskNormalised(digitsToZero ? zeroDigits(message) : message);
    }

    private String maskNormalised(String text) {
        String s = text.replace('\n', '\u001f');
        for (int i = 0; i < rules.length; i++) {
            s = rules[i].matcher(s).replaceAll(replacements[i]);
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
