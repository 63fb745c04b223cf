package io.dl4jbridge.etl;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.junit.Test;

import java.io.File;
import java.util.Arrays;
import java.util.Collections;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * {@code format = "%s"} (seconds since the epoch) as Python's {@code timeparse.epoch_seconds} reads it: the shared
 * table {@code tests/resources/epoch_times.json}; and {@link EtlSpec#checkParts}, the check Python's train runs
 * before training.
 */
public class EpochTimeTest {
    @Test
    public void epochSecondsFollowTheSharedTable() throws Exception {
        JsonNode cases = JsonValues.MAPPER.readTree(new File("tests/resources/epoch_times.json")).get("cases");
        TimeParser parser = new TimeParser("%s");
        assertTrue(cases.size() > 10);
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            if (c.get("nanos").isNull()) {
                assertNull(text, parser.parseNanos(text));
                assertTrue(text, Double.isNaN(parser.parseSeconds(text)));
            } else {
                long nanos = c.get("nanos").asLong();
                assertEquals(text, Long.valueOf(nanos), parser.parseNanos(text));
                assertEquals(text, (double) nanos / 1e9, parser.parseSeconds(text), 0.0);
            }
        }
    }

    @Test
    public void percentSIsTheWholeFormatAndTakesNoYear() {
        try {
            new TimeParser("%Y %s");
            fail("%s inside a format");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("must be the whole format"));
        }
        try {
            new TimestampTransform(Collections.singletonList("Time"), "%s", 2005, null, "previous", null);
            fail("year with %s");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("remove year"));
        }
        // a literal "%s" after an escaped percent is text, not the directive
        assertEquals(Long.valueOf(0L), new TimeParser("%Y%%s").parseNanos("1970%s"));
    }

    @Test
    public void checkPartsRefusesWhatParseRefuses() {
        String text = "{\"reader\": {\"kind\": \"text\", \"types\": {}, \"mode\": \"strict\", \"regex\": "
                + "\"(?<Component>[^\\\\[:]+)(?<br>\\\\[)?(?(br)\\\\d+\\\\]): (?<Content>.*)\", "
                + "\"fields\": [\"Component\", \"br\", \"Content\"], \"continuation\": null, \"log_format\": null}}";
        try {
            EtlSpec.checkParts(text);
            fail("a conditional group");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("does not compile in java.util.regex"));
        }
        String badTime = "{\"transforms\": [{\"kind\": \"timestamp\", \"column\": [\"Month\", \"Date\", \"Time\"], "
                + "\"format\": \"%b %d %X\", \"year\": 2005, \"delta_by\": null, \"missing\": \"previous\", \"name\": null}]}";
        try {
            EtlSpec.checkParts(badTime);
            fail("%X");
        } catch (SpecException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("%X is not supported on the JVM"));
        }
        for (String good : Arrays.asList(
                "{\"reader\": {\"kind\": \"text\", \"types\": {}, \"regex\": \"(?<Time>\\\\S+) (?<Content>.*)\", "
                        + "\"fields\": [\"Time\", \"Content\"]}, \"transforms\": [{\"kind\": \"timestamp\", "
                        + "\"column\": \"Time\", \"format\": \"%s\"}]}",
                "{}")) {
            EtlSpec.checkParts(good);
        }
    }
}
