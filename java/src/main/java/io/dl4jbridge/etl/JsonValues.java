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
