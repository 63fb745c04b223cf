package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSON lines: one object per line. Each output field is the first of its alias paths that resolves
 * to a non-null value (a dotted path walks nested objects; a literal top-level key containing dots
 * wins). Without declared fields every key is kept, nested objects flattened to dotted names. Nested
 * objects and lists kept as values become their compact JSON text. A mapped field none of whose paths
 * is in any record of a read is an {@link AbsentFieldException} at its end ({@link #finish}), as in Python;
 * when scoring, a field {@link #allowAbsent} names is missing on every row and listed in the read's report.
 */
public final class JsonLinesRecordReader extends RecordReader {
    private final Map<String, List<String>> aliases;  // null = keep every key
    private final List<String> seen = new ArrayList<>();
    // per read: JSON objects read, mapped fields no record had so far, dotted keys of the first records
    private long objects;
    private final Set<String> unseen = new LinkedHashSet<>();
    private final Set<String> keys = new LinkedHashSet<>();

    public JsonLinesRecordReader(Map<String, List<String>> aliases, Map<String, String> types) {
        super(types);
        this.aliases = aliases;
        if (aliases != null) {
            seen.addAll(aliases.keySet());
        }
    }

    @Override
    public List<String> fields() {
        return aliases == null ? null : seen;
    }

    @Override
    public void start(ReadReport report, BadLinePolicy policy) {
        super.start(report, policy);
        objects = 0;
        unseen.clear();
        keys.clear();
        if (aliases != null) {
            unseen.addAll(aliases.keySet());
        }
    }

    /** End of the read: a mapped field that no record had is an error (none when no JSON object was read). */
    @Override
    public void finish(Consumer<Record> out) {
        if (aliases == null || unseen.isEmpty() || objects == 0) {
            return;
        }
        for (String name : unseen) {  // in the mapping's order
            AbsentFieldException absent = new AbsentFieldException(policy.source(), name, aliases.get(name),
                    new ArrayList<>(keys), objects, null);
            if (optional == null || !optional.contains(name)) {
                throw absent;
            }
            report.absentFields.add(name);
            if (!expectedAbsent.contains(name)) {
                report.absentMessages.add(AbsentFieldException.warning(policy.source(), name));
            }
        }
    }

    private void noteFields(JsonNode node) {
        if (objects <= AbsentFieldException.KEY_SAMPLE_RECORDS) {
            collectKeys(node, "", keys);
        }
        Iterator<String> it = unseen.iterator();
        while (it.hasNext()) {
            for (String path : aliases.get(it.next())) {
                if (resolve(node, path) != null) {  // present, even holding null
                    it.remove();
                    break;
                }
            }
        }
    }

    /** Python's _flatten keys: dotted names of the values that are not objects. */
    private static void collectKeys(JsonNode node, String prefix, Set<String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                collectKeys(e.getValue(), prefix + e.getKey() + ".", out);
            } else {
                out.add(prefix + e.getKey());
            }
        }
    }

    @Override
    public void accept(String line, Consumer<Record> out) {
        long number = ++lineNumber;
        report.lines++;
        if (PyCompat.strip(line).isEmpty()) {
            report.blankLines++;
            return;
        }
        String text = line;
        if (line.indexOf("\\u") >= 0) {
            text = replaceLoneSurrogates(line);
            if (text != line && line.indexOf('\uFFFD') < 0) {
                report.undecodableLines++;   // no character: U+FFFD, counted as an undecodable byte is (Python too)
            }
        }
        if (JsonValues.nestedDeeperThan(text, JsonValues.MAX_DEPTH)) {
            policy.bad(number, null, "invalid JSON", "nested deeper than " + JsonValues.MAX_DEPTH + " levels", line);
            return;
        }
        JsonNode node;
        boolean repeatsKey = false;
        try {
            // the common case: standard JSON, no key named twice, no NaN or Infinity; nothing else to check
            node = JsonValues.STRICT_UNIQUE_KEYS_MAPPER.readTree(text);
            if (text.length() > JsonSyntax.INT_MAX_DIGITS) {   // read by Jackson; json.loads refuses long integers
                String reason = JsonSyntax.describe(text);
                if (reason != null) {
                    policy.bad(number, null, "invalid JSON", reason, line);
                    return;
                }
            }
        } catch (IOException strict) {
            // Python's words and column, not Jackson's; and a line json.loads refuses is bad here too, although
            // Jackson's non-numeric numbers would read +Infinity, INF and -INF
            String reason = JsonSyntax.describe(text);
            if (reason != null) {
                policy.bad(number, null, "invalid JSON", reason, line);
                return;
            }
            try {   // valid for json.loads: NaN, Infinity, -Infinity, or a key named twice
                node = JsonValues.UNIQUE_KEYS_MAPPER.readTree(text);
            } catch (IOException unique) {
                try {   // valid JSON only with a key repeated: the last value, as json.loads
                    node = JsonValues.MAPPER.readTree(text);
                    repeatsKey = true;
                } catch (IOException e) {   // not reached: the scanner and Jackson agree on what is valid
                    policy.bad(number, null, "invalid JSON", firstLine(e.getMessage()), line);
                    return;
                }
            }
        }
        if (node == null || !node.isObject()) {
            policy.bad(number, null, "not a JSON object", node == null ? "empty" : pythonTypeName(node), line);
            return;
        }
        if (repeatsKey && report.duplicateKeyLines++ == 0) {   // an object lost values: counted (Python too)
            report.firstDuplicateKeyLine = number;
        }
        objects++;
        if (!unseen.isEmpty()) {
            noteFields(node);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        if (aliases == null) {
            flatten(node, "", values);
        } else {
            for (Map.Entry<String, List<String>> e : aliases.entrySet()) {
                Object value = null;
                for (String path : e.getValue()) {
                    JsonNode found = resolve(node, path);
                    if (found != null && !found.isNull()) {
                        value = JsonValues.fromNode(found, false);
                        break;
                    }
                }
                values.put(e.getKey(), value);
            }
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (e.getValue() instanceof JsonNode) {
                String kind = types.get(e.getKey());
                if (kind != null && !kind.equals("str")) {
                    JsonNode bad = (JsonNode) e.getValue();
                    policy.bad(number, e.getKey(), "wrong type",
                            "expected " + kind + ", got a JSON " + (bad.isArray() ? "list" : "dict"), line);
                    return;
                }
                e.setValue(JsonText.dumpsCompact(e.getValue()));
            }
        }
        emit(new Record(number, values), line, out);
    }

    private static final Pattern ESCAPES = Pattern.compile(
            "\\\\\\\\|\\\\u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}");

    /**
     * The line with each JSON {@code \\u} escape of a lone UTF-16 surrogate (no character) replaced by
     * {@code \\ufffd}, as Python's reader does; the very same string when it has none. Escaped backslashes
     * are skipped, so {@code \\\\ud800} is no escape.
     */
    static String replaceLoneSurrogates(String line) {
        Matcher m = ESCAPES.matcher(line);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            if (m.end() - m.start() == 6 && line.charAt(m.start() + 1) == 'u') {
                if (out == null) {
                    out = new StringBuilder(line.length());
                }
                out.append(line, last, m.start()).append("\\ufffd");
                last = m.end();
            }
        }
        if (out == null) {
            return line;
        }
        return out.append(line, last, line.length()).toString();
    }

    /** Dotted path lookup; a literal key containing dots wins. */
    static JsonNode resolve(JsonNode record, String path) {
        if (record.has(path)) {
            return record.get(path);
        }
        JsonNode node = record;
        for (String part : path.split("\\.", -1)) {
            if (node != null && node.isObject() && node.has(part)) {
                node = node.get(part);
            } else {
                return null;
            }
        }
        return node;
    }

    private void flatten(JsonNode node, String prefix, Map<String, Object> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = prefix + e.getKey();
            if (e.getValue().isObject()) {
                flatten(e.getValue(), name + ".", out);
            } else {
                out.put(name, JsonValues.fromNode(e.getValue(), false));
                if (!seen.contains(name)) {
                    seen.add(name);
                }
            }
        }
    }

    private static String pythonTypeName(JsonNode node) {
        if (node.isArray()) {
            return "list";
        }
        if (node.isTextual()) {
            return "str";
        }
        if (node.isBoolean()) {
            return "bool";
        }
        if (node.isIntegralNumber()) {
            return "int";
        }
        if (node.isNumber()) {
            return "float";
        }
        return "NoneType";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
