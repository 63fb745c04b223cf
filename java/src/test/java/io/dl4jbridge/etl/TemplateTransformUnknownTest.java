package io.dl4jbridge.etl;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.HashMap;
import java.util.Map;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Records given the unknown-template id (a template the miner never saw in training) are counted per pass, and more
 * than half of them is a warning in the words of Python's {@code transforms.unknown_template_warning}
 * (tests/test_unknown_templates.py compares both sides' summaries and warnings through the launcher).
 */
public class TemplateTransformUnknownTest {
    private static TemplateTransform transform() throws Exception {
        JsonNode vector = ParityVectors.read(ParityVectors.files("etl_jsonl_windows").get(0));
        JsonNode miner = vector.get("spec").get("transforms").get(0).get("miner");
        return new TemplateTransform("message", new TemplateMatcher(miner), true, "empty", "first");
    }

    private static Record record(long line, String message) {
        Map<String, Object> values = new HashMap<>();
        values.put("message", message);
        return new Record(line, values);
    }

    @Test
    public void countsUnknownTemplatesPerPassAndWarnsAboveHalf() throws Exception {
        TemplateTransform t = transform();
        t.resetStream();
        for (int i = 0; i < 3; i++) {
            t.derive(record(i + 1, "quux frobnicated zorblax wibble plugh xyzzy grault " + i));
        }
        assertEquals(3, t.unknownRecords());
        assertEquals(3, t.minedRecords());
        assertEquals("app.log: 3 of 3 records (100%) hold a template the model never saw in training "
                + "(unknown_template_records): is this the log the model was trained for? Fit a model on this log, "
                + "or check that the reader's log_format or fields give the message field the model was trained on",
                t.unknownTemplateWarning("app.log"));
        t.resetStream();
        assertEquals(0, t.unknownRecords());
        assertNull(t.unknownTemplateWarning("app.log"));
    }

    @Test
    public void warnsOnlyAboveHalfWithTheShareRoundedDown() {
        assertNull(TemplateTransform.unknownTemplateWarning("a.log", 5, 10));
        assertNull(TemplateTransform.unknownTemplateWarning("a.log", 0, 0));
        assertEquals("a.log: 6 of 10 records (60%) hold", TemplateTransform.unknownTemplateWarning("a.log", 6, 10)
                .substring(0, "a.log: 6 of 10 records (60%) hold".length()));
        assertEquals(true, TemplateTransform.unknownTemplateWarning("a.log", 1989, 1990).contains("(99%)"));
    }
}
