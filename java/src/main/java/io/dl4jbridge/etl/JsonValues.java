package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON parsing with Python's {@code json.loads} rules (NaN/Infinity allowed, trailing data refused). */
public final class JsonValues {
    private JsonValues() {}

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    /** {@link #MAPPER} refusing an object that names a key twice: tells a JSON line that does (read then with
     *  {@link #MAPPER}, which keeps the last value as Python does) from one that does not, in one parse. */
    public static final ObjectMapper UNIQUE_KEYS_MAPPER = MAPPER.copy()
            .configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true);

    /** {@link #UNIQUE_KEYS_MAPPER} without non-numeric numbers: reads no more than {@code json.loads} does (which
     *  takes {@code NaN}, {@code Infinity}, {@code -Infinity}, but not Jackson's {@code +Infinity}, {@code INF},
     *  {@code -INF}), so a line it reads needs no further check, bar integers of more than
     *  {@link JsonSyntax#INT_MAX_DIGITS} digits. */
    public static final ObjectMapper STRICT_UNIQUE_KEYS_MAPPER = UNIQUE_KEYS_MAPPER.copy()
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, false);

    /** Deepest nesting of arrays and objects a JSON line may have (both sides): a deeper line is invalid JSON. */
    public static final int MAX_DEPTH = 200;

    /**
     * Whether the arrays and objects of a JSON text nest deeper than {@code limit} (brackets inside strings
     * do not count). Checked on the text before parsing, as Python's reader does ({@code _json_too_deep}).
     */
    public static boolean nestedDeeperThan(String text, int limit) {
        if (text.length() <= limit) {
            return false;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > limit) {
                    return true;
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return false;
    }

    /**
     * A plain Java value for a node: null, Boolean, Long (or BigInteger), Double, String; containers
     * become Map/List when {@code deep}, else stay JsonNode.
     */
    public static Object fromNode(JsonNode node, boolean deep) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (!deep) {
            return node;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            for (JsonNode child : node) {
                out.add(fromNode(child, true));
            }
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), fromNode(e.getValue(), true));
        }
        return out;
    }
}
