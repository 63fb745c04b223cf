package io.dl4jbridge.etl;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * A saved spec's sessions {@code max_length} and {@code overflow}, read as Python's {@code sequence_from_dict} reads
 * them: a spec without {@code overflow} (saved before it existed) truncates long sessions; wrong values are a
 * {@link SpecException} (the launcher's exit 3) naming the key, never rounded or an IllegalArgumentException.
 */
public class SessionsSpecTest {
    private static JsonNode vector(String name) throws Exception {
        return ParityVectors.read(new File(ParityVectors.dir().toFile(), name));
    }

    private static ObjectNode sequenceOf(JsonNode vector) {
        return (ObjectNode) vector.get("spec").get("sequence");
    }

    private static SessionAssembler assembler(JsonNode vector) {
        return (SessionAssembler) EtlSpec.parse(vector.get("spec").toString()).open("<lines>", "lenient", null, 0)
                .assembler();
    }

    private static void refused(JsonNode vector, String what, String... words) {
        try {
            EtlSpec.parse(vector.get("spec").toString());
            fail(what + " accepted");
        } catch (SpecException e) {
            for (String word : words) {
                assertTrue(what + ": " + e.getMessage(), e.getMessage().contains(word));
            }
        }
    }

    @Test
    public void aSpecWithoutOverflowTruncatesAsPythonDoes() throws Exception {
        JsonNode truncate = vector("etl_csv_sessions_truncate.json");
        assertEquals("truncate", sequenceOf(truncate).get("overflow").asText());
        sequenceOf(truncate).remove("overflow");   // a model saved before overflow existed
        assertEquals("truncate", assembler(truncate).overflow());
        EtlParityTest.check("etl_csv_sessions_truncate.json without overflow", truncate);   // Python's arrays

        EtlSpec spec = EtlSpec.parse(truncate.get("spec").toString());
        EtlStream stream = spec.open("<lines>", "lenient", null, 0);
        List<Sequence> got = new ArrayList<>();
        for (String line : ParityVectors.lines(truncate)) {
            stream.accept(line, got::add);
        }
        stream.finish(got::add);
        SessionAssembler sessions = (SessionAssembler) stream.assembler();
        assertEquals("db and web are longer than max_length 40", 2, sessions.truncatedSessions());
        assertEquals("db: 59 records, web: 56", 59 - 40 + 56 - 40, sessions.truncatedRecords());
        assertEquals(0, sessions.splitSessions());

        JsonNode split = vector("etl_csv_sessions.json");
        assertEquals("split", sequenceOf(split).get("overflow").asText());
        assertEquals("split", assembler(split).overflow());
    }

    @Test
    public void maxLengthMustBeAWholeNumberAsInPython() throws Exception {
        for (String bad : new String[]{"2.5", "2.0", "\"2\"", "true", "0", "-3"}) {
            JsonNode v = vector("etl_csv_sessions.json");
            sequenceOf(v).set("max_length", JsonValues.MAPPER.readTree(bad));
            refused(v, "max_length " + bad, "max_length", bad);
        }
        JsonNode none = vector("etl_csv_sessions.json");
        sequenceOf(none).putNull("max_length");
        assertEquals(null, assembler(none).maxLength());
        JsonNode huge = vector("etl_csv_sessions.json");
        sequenceOf(huge).set("max_length", JsonValues.MAPPER.readTree("12345678901234"));
        assertEquals("beyond int: no session reaches it", Integer.valueOf(Integer.MAX_VALUE), assembler(huge).maxLength());
    }

    @Test
    public void overflowMustBeSplitOrTruncate() throws Exception {
        for (String bad : new String[]{"\"drop\"", "\"Split\"", "null", "1"}) {
            JsonNode v = vector("etl_csv_sessions.json");
            sequenceOf(v).set("overflow", JsonValues.MAPPER.readTree(bad));
            refused(v, "overflow " + bad, "overflow", "split", "truncate");
        }
    }
}
