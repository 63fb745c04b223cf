package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.ParityVectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.dl4jbridge.scorer.ScoringServerRobustnessTest.request;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * SRE trial D2/D6/D9: clients that never read a large answer hung every request thread (and /health) until they
 * disconnected; /health did not say which model is live; HEAD /health was 405 with a JDK warning on stderr.
 */
public class ScoringServerStalledReadersTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static long httpThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("dl4j-bridge-http-")).count();
    }

    private static String field(String json, String name) throws java.io.IOException {
        org.nd4j.shade.jackson.databind.JsonNode v = new org.nd4j.shade.jackson.databind.ObjectMapper().readTree(json).get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Test
    public void clientsThatNeverReadDoNotHoldUpHealthAndTimeOut() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        int threads = 2;
        long before = httpThreads();
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0, new ScoringServer.Options()
                .threads(threads).readTimeoutSeconds(5).writeTimeoutSeconds(3));
        String base = "http://127.0.0.1:" + server.port();
        List<Socket> stalled = new ArrayList<>();
        try {
            List<String> lines = ParityVectors.lines(d.vector);
            String one = String.join("\n", lines) + "\n";
            String[] warm = request("POST", base + "/score?all=true", one.getBytes(StandardCharsets.UTF_8));
            assertEquals(warm[1], "200", warm[0]);
            // enough copies for an answer of >= 12 MB: more than the socket buffers on both sides hold
            int copies = (int) Math.max(1, (12L << 20) / Math.max(1, warm[1].length()) + 1);
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < copies; i++) {
                big.append(one);
            }
            byte[] body = big.toString().getBytes(StandardCharsets.UTF_8);
            assertTrue("body " + body.length, body.length < ScoringServer.DEFAULT_MAX_BODY_BYTES);
            int clients = threads + 1;  // the last finds every scoring slot taken: 503 at once
            for (int i = 0; i < clients; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
                stalled.add(s);  // never read
                try {
                    s.getOutputStream().write(("POST /score?all=true HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(body);
                    s.getOutputStream().flush();
                } catch (java.io.IOException reset) {
                    // only the busy one: the server reads 64 KB of a refused body, answers 503 and closes, so the
                    // rest of a 12 MB write can meet a reset
                    assertEquals("write failed for client " + i + ": " + reset, threads, i);
                }
            }
            // while the answers are stuck, /health answers at once
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (server.inFlight() < threads && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                String[] health = request("GET", base + "/health", null);
                double seconds = (System.nanoTime() - t) / 1e9;
                assertEquals(health[1], "200", health[0]);
                assertTrue("/health took " + seconds + " s while clients stalled", seconds < 1.5);
                Thread.sleep(200);
            }
            // the writes are cut at the write deadline; the server recovers
            deadline = System.nanoTime() + 30_000_000_000L;
            String health = request("GET", base + "/health", null)[1];
            while (!String.valueOf(threads).equals(field(health, "write_timeouts")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                health = request("GET", base + "/health", null)[1];
            }
            assertEquals(health, String.valueOf(threads), field(health, "write_timeouts"));
            assertEquals(health, "1", field(health, "busy"));
            assertEquals(health, "0", field(health, "in_flight"));
            String[] again = request("POST", base + "/score?all=true", one.getBytes(StandardCharsets.UTF_8));
            assertEquals(again[1], "200", again[0]);
            assertEquals(warm[1], again[1]);
            // the stalled connections were closed by the server (after the part of the answer that fit)
            for (Socket s : stalled) {
                s.setSoTimeout(10_000);
                try (InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[65536];
                    long got = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        got += n;
                    }
                    assertTrue(got > 0);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a stalled connection was not closed", e);
                } catch (java.io.IOException reset) {
                    // closed by the server
                }
            }
            assertTrue("http threads " + httpThreads(), httpThreads() - before <= threads + ScoringServer.RESERVED_THREADS);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
            server.stop();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (httpThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals("request threads left after stop", before, httpThreads());
    }

    @Test
    public void healthSaysWhichModelIsLiveAndAnswersHeadQuietly() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        Instant loaded = Instant.now();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, "UTF-8"));
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String base = "http://127.0.0.1:" + server.port();
            String[] get = request("GET", base + "/health", null, "Content-Type", "Content-Length");
            assertEquals("200", get[0]);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(d.zip.toPath()));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(String.format("%02x", b & 0xff));
            }
            assertEquals(get[1], hex.toString(), field(get[1], "model_sha256"));
            assertEquals(get[1], "true", field(get[1], "model_verified"));   // ModelIO.save wrote a manifest
            Instant at = Instant.parse(field(get[1], "model_loaded_at"));
            assertFalse(get[1], at.isBefore(loaded.minusSeconds(1)));
            assertFalse(get[1], at.isAfter(Instant.now()));
            // the model file replaced on disk: serve keeps (and reports) the one it loaded
            Files.write(d.zip.toPath(), new byte[]{1, 2, 3});
            assertEquals(hex.toString(), field(request("GET", base + "/health", null)[1], "model_sha256"));

            String[] head = request("HEAD", base + "/health", null, "Content-Type", "Content-Length");
            assertEquals("200", head[0]);
            assertEquals("", head[1]);
            assertEquals(get[2], head[2]);
            assertNotNull(head[3]);
            String[] headScore = request("HEAD", base + "/score", null);
            assertEquals("405", headScore[0]);
            assertEquals("", headScore[1]);
            String[] post = request("POST", base + "/health", new byte[]{'x'});
            assertEquals("405", post[0]);
        } finally {
            server.stop();
            System.setErr(err);
        }
        String stderr = new String(captured.toByteArray(), StandardCharsets.UTF_8);
        assertFalse(stderr, stderr.contains("WARNING"));
        assertFalse(stderr, stderr.contains("HEAD request"));
    }
}
