package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.ParityVectors;
import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Python's scores and flags, reproduced on the JVM alone: every detector vector written by
 * python/tools/write_parity_vectors.py (a committed detector zip, the raw lines of an ETL vector,
 * the scores Python computed) for both detector kinds.
 */
public class ScorerParityTest {
    @Test
    public void scoresWithin1e5AndIdenticalFlags() throws Exception {
        Set<String> kinds = new HashSet<>();
        Set<String> readers = new HashSet<>();
        for (File file : ParityVectors.files("detector_")) {
            JsonNode vector = ParityVectors.read(file);
            File zip = new File(ParityVectors.dir().toFile(), vector.get("model").asText());
            JsonNode etl = ParityVectors.read(new File(ParityVectors.dir().toFile(), vector.get("etl_vector").asText()));
            LogAnomalyScorer scorer = LogAnomalyScorer.load(zip.toPath());
            assertEquals(vector.get("kind").asText(), scorer.kind());
            assertEquals(vector.get("threshold").asDouble(), scorer.threshold(), 0.0);
            List<ScoredSequence> results = scorer.score(ParityVectors.lines(etl));
            JsonNode scores = vector.get("scores");
            JsonNode flags = vector.get("flags");
            String name = file.getName();
            assertEquals(name + ": number of scored sequences", scores.size(), results.size());
            int flagged = 0;
            for (int i = 0; i < results.size(); i++) {
                assertEquals(name + ": score " + i, scores.get(i).asDouble(), results.get(i).score, 1e-5);
                assertEquals(name + ": flag " + i, flags.get(i).asBoolean(), results.get(i).anomaly);
                flagged += results.get(i).anomaly ? 1 : 0;
            }
            assertTrue(name + ": the vector should flag some sequences and not others",
                    flagged > 0 && flagged < results.size());
            kinds.add(scorer.kind());
            readers.add(etl.get("spec").get("reader").get("kind").asText());
        }
        assertTrue("both detector kinds: " + kinds, kinds.contains("next_event") && kinds.contains("sequence_classifier"));
        assertTrue("every reader kind: " + readers, readers.contains("text") && readers.contains("jsonl")
                && readers.contains("csv"));
    }
}
