package io.dl4jbridge.etl;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Masking on long ordinary lines: java.util.regex recursed once per repetition of the default path and collapse
 * rules' groups (StackOverflowError on a 6 KB URL path or 4000 numbers). The known default rules run in their
 * possessive forms (fuzzed here against the greedy ones); any other rule that overflows makes a bad line.
 * Everything deep runs on a thread with the JVM's default stack size (1 MB).
 */
public class TemplateMatcherTest {
    private static final long DEFAULT_STACK = 1L << 20;

    private static JsonNode vector() throws Exception {
        return ParityVectors.read(ParityVectors.files("etl_jsonl_windows").get(0));
    }

    /** The saved miner of a spec Python wrote with the default masking rules. */
    private static ObjectNode defaultMiner(JsonNode vector) {
        return (ObjectNode) vector.get("spec").get("transforms").get(0).get("miner").deepCopy();
    }

    private static ObjectNode withUserRule(ObjectNode miner) {
        ObjectNode rule = ((ArrayNode) miner.get("masking")).insertObject(0);
        rule.put("name", "deep");
        rule.put("pattern", "(?:a|b)+");   // an alternation loop: java.util.regex recurses per repetition
        rule.put("replacement", "<*>");
        return miner;
    }

    /** Runs body on a thread with the default stack and rethrows what it threw. */
    private static void onDefaultStack(ThrowingRunnable body) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "default-stack", DEFAULT_STACK);
        t.start();
        t.join();
        if (thrown.get() instanceof Exception) {
            throw (Exception) thrown.get();
        }
        if (thrown.get() != null) {
            throw new AssertionError(thrown.get());
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static String repeat(String s, int n) {
        StringBuilder b = new StringBuilder(s.length() * n);
        for (int i = 0; i < n; i++) {
            b.append(s);
        }
        return b.toString();
    }

    @Test
    public void theSavedDefaultRulesAreAllKnown() throws Exception {
        int known = 0;
        for (JsonNode rule : defaultMiner(vector()).get("masking")) {
            if (TemplateMatcher.POSSESSIVE.containsKey(rule.get("pattern").asText())) {
                known++;
                String name = rule.get("name").asText();
                assertTrue(name, name.equals("path") || name.equals("collapse"));
            }
        }
        assertEquals("path and collapse of Python's DEFAULT_MASKING are in the table", 2, known);
    }

    @Test
    public void a200KbPathAnd100kCollapsedTokensMaskUnderTheDefaultStack() throws Exception {
        TemplateMatcher m = new TemplateMatcher(defaultMiner(vector()));
        onDefaultStack(() -> {
            assertEquals("GET <*> HTTP/<*>", m.mask("GET " + repeat("/a", 100_000) + " HTTP/1.1"));
            assertEquals("GET <*> x", m.mask("GET " + repeat("/a", 100_000) + "/?q=1&r=2 x"));
            assertEquals("dropped ids: <*>", m.mask("dropped ids: " + repeat("7 ", 100_000)));
            assertEquals("ids: <*> end", m.mask("ids: " + repeat("17, ", 100_000) + "9 end"));
            assertEquals("<*>", m.mask(repeat("<*>", 100_000)));
            m.templateId("GET " + repeat("/a", 100_000) + " HTTP/1.1");   // no exception
        });
    }

    @Test
    public void aUserRuleThatOverflowsIsAMaskingTooDeepError() throws Exception {
        TemplateMatcher m = new TemplateMatcher(withUserRule(defaultMiner(vector())));
        String message = "x " + repeat("ab", 200_000);
        onDefaultStack(() -> {
            for (int round = 0; round < 2; round++) {   // the second time from the memo
                try {
                    m.templateId(message);
                    fail("no overflow");
                } catch (MaskingTooDeepException e) {
                    assertEquals("masking too deep: masking rule 'deep' recursed too deep on a message of "
                            + message.length() + " characters (java.util.regex): raise the thread stack with "
                            + "JAVA_OPTS=-Xss64m", e.getMessage());
                }
            }
            assertNotNull(m.valueCheck(message));
            assertEquals(null, m.valueCheck("x ab"));
            assertEquals("x <*>", m.mask("x abba"));
        });
    }

    private static JsonNode specWithUserRule(JsonNode vector) {
        ObjectNode spec = (ObjectNode) vector.get("spec").deepCopy();
        ObjectNode transform = (ObjectNode) spec.get("transforms").get(0);
        transform.set("miner", withUserRule((ObjectNode) transform.get("miner")));
        return spec;
    }

    @Test
    public void aLineAUserRuleOverflowsOnIsABadLine() throws Exception {
        JsonNode vector = vector();
        EtlSpec spec = EtlSpec.parse(specWithUserRule(vector).toString());
        List<String> lines = new ArrayList<>(ParityVectors.lines(vector));
        String good = lines.get(0);
        ObjectNode record = (ObjectNode) JsonValues.MAPPER.readTree(good);
        record.put("message", repeat("ab", 200_000));
        String deep = JsonValues.MAPPER.writeValueAsString(record);
        lines.add(5, deep);
        onDefaultStack(() -> {
            EtlStream lenient = spec.open("<lines>", "lenient", null, 0);
            List<Sequence> got = new ArrayList<>();
            for (String line : lines) {
                lenient.accept(line, got::add);
            }
            lenient.finish(got::add);
            ReadReport r = lenient.report();
            JsonNode expected = vector.get("report");
            assertEquals(expected.get("bad_lines").asLong() + 1, r.badLines);
            assertEquals(expected.get("records").asLong(), r.records);
            assertEquals(Long.valueOf(1), r.badByReason.get("masking too deep"));

            EtlStream strict = spec.open("<lines>", "strict", null, 0);
            strict.accept(good, got::add);
            try {
                strict.accept(deep, got::add);
                fail("no error");
            } catch (BadRecordException e) {
                assertEquals("<lines>:2: field 'message' masking too deep: masking rule 'deep' recursed too deep on a"
                        + " message of 400000 characters (java.util.regex): raise the thread stack with"
                        + " JAVA_OPTS=-Xss64m", e.getMessage());
            }
        });
    }

    /** Greedy (Python's pattern) and possessive (the table's) forms mask random strings identically. */
    @Test
    public void possessiveFormsMatchExactlyWhatTheGreedyOnesMatch() {
        Random random = new Random(20240604L);
        String[] alphabets = {
            "/a.-~%+?x \t\"'_:Z9",      // path
            "<*>, \tx",                 // collapse (old and new)
            "<*>,\t",
            "a.-_:0123456789 /x",      // host:port
        };
        String[] pieces = {"<*>", "//", "/a", "a.b", ":80", ":123456", "/?", ", ", " \t,"};
        for (Map.Entry<String, String> pair : TemplateMatcher.POSSESSIVE.entrySet()) {
            Pattern greedy = PyCompat.compile(pair.getKey());
            Pattern possessive = PyCompat.compile(pair.getValue());
            int compared = 0;
            for (String alphabet : alphabets) {
                for (int i = 0; i < 30_000; i++) {
                    StringBuilder b = new StringBuilder();
                    int length = random.nextInt(40);
                    while (b.length() < length) {
                        if (random.nextInt(4) == 0) {
                            b.append(pieces[random.nextInt(pieces.length)]);
                        } else {
                            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                        }
                    }
                    String s = b.toString();
                    Matcher g = greedy.matcher(s);
                    Matcher p = possessive.matcher(s);
                    while (true) {
                        boolean found = g.find();
                        assertEquals(pair.getKey() + " on " + s, found, p.find());
                        if (!found) {
                            break;
                        }
                        assertEquals(pair.getKey() + " start on " + s, g.start(), p.start());
                        assertEquals(pair.getKey() + " end on " + s, g.end(), p.end());
                        compared++;
                    }
                }
            }
            assertTrue(pair.getKey() + ": only " + compared + " matches compared", compared > 1_000);
        }
    }
}
