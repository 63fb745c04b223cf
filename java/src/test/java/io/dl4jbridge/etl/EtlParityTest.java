package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The Java ETL makes the same arrays as Python's for the same lines: every vector written by
 * python/tools/write_parity_vectors.py (text, JSON lines and CSV readers; windows and sessions).
 */
public class EtlParityTest {
    /** float32 features may differ by a few ulps where libm's sin/cos/log1p differ from numpy's. */
    static final double TOLERANCE = 1e-6;

    @Test
    public void everyVectorGivesPythonsArrays() throws Exception {
        List<String> kinds = new ArrayList<>();
        for (File file : ParityVectors.files("etl_")) {
            JsonNode vector = ParityVectors.read(file);
            check(file.getName(), vector);
            kinds.add(vector.get("spec").get("reader").get("kind").asText() + "/"
                    + vector.get("spec").get("sequence").get("kind").asText());
        }
        for (String needed : new String[]{"text/windows", "jsonl/windows", "csv/sessions", "text/sessions"}) {
            assertTrue("no parity vector for " + needed + " (have " + kinds + ")", kinds.contains(needed));
        }
    }

    /** A spec saved before line rules (version 2, no {@code line_rules}) reads text as rules 1 do. */
    @Test
    public void aVersionTwoSpecReadsTextWithLineRulesOne() throws Exception {
        JsonNode vector = ParityVectors.read(ParityVectors.dir().resolve("etl_text_stack_traces_rules1.json").toFile());
        org.nd4j.shade.jackson.databind.node.ObjectNode spec =
                (org.nd4j.shade.jackson.databind.node.ObjectNode) vector.get("spec");
        assertEquals(1, spec.get("reader").get("line_rules").asInt());
        ((org.nd4j.shade.jackson.databind.node.ObjectNode) spec.get("reader")).remove("line_rules");
        for (JsonNode transform : spec.get("transforms")) {   // nor message_lines (its templates mine every line)
            if ("template".equals(transform.get("kind").asText())) {
                assertEquals("all", transform.get("message_lines").asText());
                ((org.nd4j.shade.jackson.databind.node.ObjectNode) transform).remove("message_lines");
            }
        }
        spec.put("version", 2);
        check("version 2 spec", vector);
        // and the same lines under rules 2 are read differently: stack frames continue their record
        JsonNode current = ParityVectors.read(ParityVectors.dir().resolve("etl_text_stack_traces.json").toFile());
        assertEquals(ParityVectors.lines(vector), ParityVectors.lines(current));
        assertTrue(current.get("report").get("continuation_lines").asLong()
                > vector.get("report").get("continuation_lines").asLong());
        // a newer spec, or line rules this code does not know, are refused with what to do
        spec.put("version", EtlSpec.VERSION + 1);
        try {
            EtlSpec.parse(spec.toString());
            fail("a newer spec version was read");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("reads versions 1 to 4: upgrade dl4j-bridge"));
        }
        spec.put("version", EtlSpec.VERSION);
        ((org.nd4j.shade.jackson.databind.node.ObjectNode) spec.get("reader")).put("line_rules", 3);
        try {
            EtlSpec.parse(spec.toString());
            fail("line rules 3 were read");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("line_rules 3 is not 1 or 2: upgrade dl4j-bridge"));
        }
    }

    static void check(String name, JsonNode vector) {
        EtlSpec spec = EtlSpec.parse(vector.get("spec").toString());
        JsonNode expected = vector.get("expected");
        assertEquals(name + ": feature names", EtlSpec.strings(expected.get("feature_names")), spec.featureNames());
        EtlStream stream = spec.open("<lines>", vector.get("mode").asText(), null, 0);
        List<Sequence> got = new ArrayList<>();
        for (String line : ParityVectors.lines(vector)) {
            stream.accept(line, got::add);
        }
        stream.finish(got::add);

        JsonNode report = vector.get("report");
        ReadReport r = stream.report();
        assertEquals(name + ": lines", report.get("lines").asLong(), r.lines);
        assertEquals(name + ": records", report.get("records").asLong(), r.records);
        assertEquals(name + ": continuation lines", report.get("continuation_lines").asLong(), r.continuationLines);
        assertEquals(name + ": blank lines", report.get("blank_lines").asLong(), r.blankLines);
        assertEquals(name + ": bad lines", report.get("bad_lines").asLong(), r.badLines);
        assertEquals(name + ": bad lines by reason", JsonValues.fromNode(report.get("bad_by_reason"), true).toString(),
                r.badByReason.toString());

        JsonNode sequences = expected.get("sequences");
        assertEquals(name + ": number of sequences", sequences.size(), got.size());
        JsonNode rows = expected.get("rows");
        int n = spec.nFeatures();
        long values = 0;
        long exact = 0;
        for (int b = 0; b < got.size(); b++) {
            Sequence s = got.get(b);
            JsonNode e = sequences.get(b);
            String where = name + ": sequence " + b + " (key " + e.get("key").asText() + ")";
            assertEquals(where + ": key", e.get("key").asText(), PyCompat.str(s.key));
            assertEquals(where + ": part (of a session longer than max_length)", e.has("part") ? e.get("part").asInt() : -1,
                    s.part);
            assertEquals(where + ": session (of a key's sessions a gap separated)",
                    e.has("session") ? e.get("session").asInt() : -1, s.session);
            assertEquals(where + ": steps", e.get("line_numbers").size(), s.length);
            assertEquals(where + ": time", e.get("time").asInt(), s.time);
            assertEquals(where + ": next id", e.get("next_id").asInt(), s.nextId);
            assertEquals(where + ": next line (the line of the next id's event)", e.get("next_line").asLong(),
                    s.nextLine);
            assertEquals(where + ": label", e.get("label").asInt(), s.label);
            for (int t = 0; t < s.time; t++) {
                if (t >= s.length) {
                    assertEquals(where + ": padding line", -1L, s.lineNumbers[t]);
                    for (int f = 0; f < n; f++) {
                        assertEquals(where + ": padding x", 0f, s.x[t * n + f], 0f);
                    }
                    continue;
                }
                long line = e.get("line_numbers").get(t).asLong();
                assertEquals(where + ": line number at step " + t, line, s.lineNumbers[t]);
                assertEquals(where + ": template id at line " + line, e.get("step_ids").get(t).asInt(), s.stepIds[t]);
                assertEquals(where + ": step label at line " + line, e.get("step_labels").get(t).asInt(), s.stepLabels[t]);
                JsonNode row = rows.get(Long.toString(line));
                for (int f = 0; f < n; f++) {
                    double want = row.get(f).asDouble();
                    float have = s.x[t * n + f];
                    values++;
                    if ((float) want == have) {
                        exact++;
                    } else if (Math.abs(want - have) > TOLERANCE) {
                        fail(where + ": line " + line + " feature '" + spec.featureNames().get(f) + "': Python "
                                + want + ", Java " + have);
                    }
                }
            }
        }
        System.out.println("parity " + name + ": " + got.size() + " sequences, " + values + " feature values, "
                + exact + " bit-identical, all within " + TOLERANCE);
    }
}
