package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False)}: the same text for the same value, so that
 * nested JSON values kept as text (and quarantine records) read the same as on the Python side.
 */
public final class JsonText {
    private JsonText() {}

    /** Default separators {@code ", "} and {@code ": "}. */
    public static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, ", ", ": ");
        return out.toString();
    }

    /** Separators {@code ","} and {@code ":"}, as {@code json.dumps(value, separators=(",", ":"))}. */
    public static String dumpsCompact(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, ",", ":");
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, String item, String key) {
        if (value instanceof JsonNode) {
            value = JsonValues.fromNode((JsonNode) value, true);
        }
        if (value == null) {
            out.append("null");
        } else if (value instanceof String) {
            quote(out, (String) value);
        } else if (value instanceof Boolean) {
            out.append(((Boolean) value) ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d)) {
                out.append("NaN");
            } else if (Double.isInfinite(d)) {
                out.append(d > 0 ? "Infinity" : "-Infinity");
            } else {
                out.append(PyCompat.floatRepr(d));
            }
        } else if (value instanceof Number || value instanceof BigInteger) {
            out.append(value.toString());
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(item);
                }
                first = false;
                quote(out, String.valueOf(e.getKey()));
                out.append(key);
                write(out, e.getValue(), item, key);
            }
            out.append('}');
        } else if (value instanceof List) {
            out.append('[');
            Iterator<?> it = ((List<?>) value).iterator();
            while (it.hasNext()) {
                write(out, it.next(), item, key);
                if (it.hasNext()) {
                    out.append(item);
                }
            }
            out.append(']');
        } else {
            quote(out, value.toString());
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
