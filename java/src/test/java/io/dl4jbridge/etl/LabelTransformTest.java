package io.dl4jbridge.etl;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

/**
 * The label transform as Python's {@code Label} (tests/etl/test_label_classes.py): the default normal values,
 * a saved spec's own, and {@code classes} (class ids; a value none of them is a bad line).
 * {@code label_classes_spec.json} is Python's {@code Pipeline.save} of that test's pipeline.
 */
public class LabelTransformTest {
    private static final String[] LABELS = {"normal", "port_scan", "normal", "ddos", "exfiltration", "normal",
        "Brute_Force", "normal"};

    private static int label(LabelTransform t, Object value) {
        Record r = new Record(1);
        r.values.put("label", value);
        t.derive(r);
        return r.stepLabel;
    }

    @Test
    public void theConventionalNormalSpellingsAreNormal() {
        LabelTransform t = new LabelTransform("label", null, null);
        for (Object v : new Object[] {"BENIGN", " Benign ", "normal.", "NORMAL", "0", "false", "no", "-", "ok",
            "clean", "legitimate", "n/a", "none", "", null, Double.NaN, 0L, Boolean.FALSE}) {
            assertEquals(String.valueOf(v), 0, label(t, v));
        }
        for (Object v : new Object[] {"attack", "DDoS", "1", 1L, Boolean.TRUE}) {
            assertEquals(String.valueOf(v), 1, label(t, v));
        }
        // a spec saved with its own normal values keeps them (Python's from_dict too)
        LabelTransform old = new LabelTransform("label", null, Arrays.asList("", "0", "normal"));
        assertEquals(1, label(old, "BENIGN"));
        // entries are compared as the values are, blanks stripped and in lower case (as in Python)
        LabelTransform spelled = new LabelTransform("label", null, Arrays.asList("BENIGN", " Normal "));
        for (Object v : new Object[] {"BENIGN", "benign", "Normal", "normal "}) {
            assertEquals(String.valueOf(v), 0, label(spelled, v));
        }
        assertEquals(1, label(spelled, "attack"));
    }

    @Test
    public void classesGiveClassIdsCaseAndBlanksIgnored() {
        LabelTransform t = new LabelTransform("label", null, null,
                Arrays.asList("normal", "brute_force", "port_scan", "exfiltration"));
        assertEquals(0, label(t, "normal"));
        assertEquals(1, label(t, "Brute_Force"));
        assertEquals(2, label(t, " port_scan "));
        assertEquals(3, label(t, "EXFILTRATION"));
        assertEquals(0, label(t, null));
        assertEquals(0, label(t, ""));
        assertNull(t.valueCheck("normal"));
        assertEquals("unknown label: expected one of the label classes normal, brute_force, port_scan, exfiltration, "
                + "got 'ddos'", t.valueCheck("ddos"));
    }

    private static EtlSpec spec() throws Exception {
        return EtlSpec.parse(new String(Files.readAllBytes(ParityVectors.dir().resolveSibling("label_classes_spec.json")),
                StandardCharsets.UTF_8));
    }

    private static String line(int i, String label) {
        return "{\"message\": \"event " + (i % 3) + "\", \"label\": \"" + label + "\"}";
    }

    @Test
    public void aSavedSpecsClassesAreReadAndAnUnlistedValueIsABadLineAsInPython() throws Exception {
        EtlStream stream = spec().open("<lines>", "lenient", null, 0);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < LABELS.length; i++) {
            stream.accept(line(i, LABELS[i]), out::add);
        }
        stream.finish(out::add);
        assertEquals(3, out.size());   // Python: [[0, 2], [0, 3], [0, 1]], lines [[1, 2], [3, 5], [6, 7]]
        assertArrayEquals(new int[] {0, 2}, out.get(0).stepLabels);
        assertArrayEquals(new int[] {0, 3}, out.get(1).stepLabels);
        assertArrayEquals(new int[] {0, 1}, out.get(2).stepLabels);
        assertEquals(3, out.get(1).label);
        assertEquals(1, stream.report().badLines);
        assertEquals(Collections.singletonMap("unknown label", 1L), stream.report().badByReason);

        EtlStream strict = spec().open("<lines>", "strict", null, 0);
        try {
            for (int i = 0; i < LABELS.length; i++) {
                strict.accept(line(i, LABELS[i]), s -> { });
            }
            fail("'ddos' is no class");
        } catch (BadRecordException e) {
            assertEquals("<lines>:4: field 'label' unknown label: expected one of the label classes normal, "
                    + "brute_force, port_scan, exfiltration, got 'ddos'", e.getMessage());
        }
    }

    /** The rows' {@code predicted_label} names: the last label transform's classes (it sets the step label), as
     *  Python's {@code classifier.class_names}; none for a 0/1 label or without a label transform. */
    @Test
    public void classNamesAreTheLastLabelTransformsClasses() throws Exception {
        assertEquals(Arrays.asList("normal", "brute_force", "port_scan", "exfiltration"), spec().classNames());
        org.nd4j.shade.jackson.databind.ObjectMapper mapper = new org.nd4j.shade.jackson.databind.ObjectMapper();
        String text = new String(Files.readAllBytes(ParityVectors.dir().resolveSibling("label_classes_spec.json")),
                StandardCharsets.UTF_8);
        org.nd4j.shade.jackson.databind.node.ObjectNode json =
                (org.nd4j.shade.jackson.databind.node.ObjectNode) mapper.readTree(text);
        org.nd4j.shade.jackson.databind.node.ArrayNode transforms =
                (org.nd4j.shade.jackson.databind.node.ArrayNode) json.get("transforms");
        org.nd4j.shade.jackson.databind.node.ObjectNode binary = transforms.get(1).deepCopy();
        binary.putNull("classes");
        transforms.add(binary);   // a later 0/1 label overwrites the step label: no names
        assertNull(EtlSpec.parse(mapper.writeValueAsString(json)).classNames());
        transforms.remove(2);
        transforms.remove(1);
        assertNull(EtlSpec.parse(mapper.writeValueAsString(json)).classNames());
    }

    private static String quarantined(RecordReader reader, LabelTransform label, String... lines) {
        reader.checkValues("label", label::valueCheck);
        StringWriter quarantine = new StringWriter();
        ReaderRuns.read(reader, new ReadReport(), "lenient", quarantine, lines);
        return quarantine.toString();
    }

    private static String entry(long line, String reason, String text) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("source", "<lines>");
        record.put("line", line);
        record.put("field", "label");
        record.put("reason", reason);
        record.put("text", text);
        return JsonText.dumps(record) + "\n";
    }

    /** An unknown label's quarantine text is the line as read, as Python writes it now (it wrote the fields). */
    @Test
    public void anUnknownLabelIsQuarantinedAsTheLineRead() {
        LabelTransform t = new LabelTransform("label", null, null, Arrays.asList("normal", "brute_force", "port_scan"));
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("message", Collections.singletonList("message"));
        fields.put("label", Collections.singletonList("label"));
        String[] csv = {"message,label", "event 0,normal", "\"disk \"\"full\"\" \",\"ddos\"", "event 1,port_scan",
            "event 2,normal", "\"two", "lines\",DDoS", "event 3,normal", "event 4,brute_force"};
        assertEquals(entry(3, t.valueCheck("ddos"), csv[2]) + entry(6, t.valueCheck("DDoS"), csv[5] + "\n" + csv[6]),
                quarantined(new CsvRecordReader(fields, ",", null), t, csv));
        String[] json = {"{\"message\": \"event 0\", \"label\": \"normal\"}",
            "{\"label\":\"ddos\",  \"message\":\"event 1\", \"x\": [1, 2]}", "{\"message\": \"event 2\", \"label\": \"port_scan\"}"};
        assertEquals(entry(2, t.valueCheck("ddos"), json[1]), quarantined(new JsonLinesRecordReader(fields, null), t, json));
    }
}
