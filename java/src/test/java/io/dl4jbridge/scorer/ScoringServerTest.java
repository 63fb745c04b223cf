package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.ParityVectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The HTTP server on loopback only, on a free port. */
public class ScoringServerTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void healthAndScoreOverHttp() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String base = "http://127.0.0.1:" + server.port();
            String[] health = request("GET", base + "/health", null);
            assertEquals("200", health[0]);
            assertTrue(health[1], health[1].contains("\"status\":\"ok\"") && health[1].contains("\"kind\":\"next_event\""));
            // the model file's name, not where it lies (/health answers anyone)
            assertTrue(health[1], health[1].contains("\"model\":\"" + d.zip.getName() + "\""));

            List<String> lines = ParityVectors.lines(d.vector);
            String body = String.join("\n", lines) + "\n";
            String[] scored = request("POST", base + "/score?all=true", body);
            assertEquals(scored[1], "200", scored[0]);
            List<ScoredSequence> expected = scorer.score(lines);
            String[] got = scored[1].trim().split("\n");
            assertEquals(expected.size(), got.length);
            int flagged = 0;
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected.get(i).toJson(), got[i]);
                flagged += expected.get(i).anomaly ? 1 : 0;
            }
            String[] onlyFlagged = request("POST", base + "/score", body);
            assertEquals(flagged, onlyFlagged[1].isEmpty() ? 0 : onlyFlagged[1].trim().split("\n").length);
            String[] none = request("POST", base + "/score?threshold=2", body);
            assertEquals("200", none[0]);
            assertEquals("", none[1]);

            assertEquals("405", request("GET", base + "/score", null)[0]);
            assertEquals("404", request("GET", base + "/nope", null)[0]);
            assertEquals("404", request("POST", base + "/scores", body)[0]);
            assertEquals("404", request("GET", base + "/health/more", null)[0]);
            String[] badThreshold = request("POST", base + "/score?threshold=abc", body);
            assertEquals("400", badThreshold[0]);
            assertTrue(request("GET", base + "/health", null)[1].contains("\"requests\":4"));
        } finally {
            server.stop();
        }
    }

    @Test
    public void requestsItCannotScoreGetAJsonErrorAndTheServerGoesOn() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        List<String> lines = ParityVectors.lines(d.vector);
        byte[] valid = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0, valid.length + 10);
        try {
            String url = "http://127.0.0.1:" + server.port() + "/score?all=true";
            String[] ok = request("POST", url, valid, "text/plain; charset=UTF-8", "req-1");
            assertEquals(ok[1], "200", ok[0]);
            assertEquals("req-1", ok[2]);

            String[] empty = request("POST", url, new byte[0], null, "req-2");
            assertEquals("400", empty[0]);
            assertTrue(empty[1], empty[1].startsWith("{\"error\":\"empty body"));
            assertEquals("req-2", empty[2]);

            byte[] first = (lines.get(0) + "\n" + lines.get(1) + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] bad = concat(first, new byte[]{'a', 'b', (byte) 0xff, 'c', '\n'});
            String[] notUtf8 = request("POST", url, bad, null, null);
            assertEquals("400", notUtf8[0]);
            assertTrue(notUtf8[1], notUtf8[1].contains("not valid UTF-8") && notUtf8[1].contains("\"line\":3")
                    && notUtf8[1].contains("\"byte_offset\":" + (first.length + 2)));
            String[] truncated = request("POST", url, concat(first, new byte[]{(byte) 0xe2, (byte) 0x82}), null, null);
            assertEquals(truncated[1], "400", truncated[0]);

            String[] tooLarge = request("POST", url, concat(valid, new byte[11]), null, "req-3");
            assertEquals("413", tooLarge[0]);
            assertTrue(tooLarge[1], tooLarge[1].contains("--max-body-bytes"));
            assertEquals("req-3", tooLarge[2]);
            String[] tooLargeChunked = request("POST", url, concat(valid, new byte[11]), null, null, true);
            assertEquals(tooLargeChunked[1], "413", tooLargeChunked[0]);
            String[] exactlyTheLimit = request("POST", url, concat(valid, "\n\n\n\n\n\n\n\n\n\n".getBytes(StandardCharsets.UTF_8)),
                    null, null, true);
            assertEquals(exactlyTheLimit[1], "200", exactlyTheLimit[0]);

            String[] form = request("POST", url, valid, "multipart/form-data; boundary=x", null);
            assertEquals("415", form[0]);
            assertTrue(form[1], form[1].contains("multipart/form-data"));
            String[] latin1 = request("POST", url, valid, "text/plain; charset=ISO-8859-1", null);
            assertEquals("415", latin1[0]);
            assertTrue(latin1[1], latin1[1].contains("the model reads UTF-8"));
            String[] typo = request("POST", url.replace("all=true", "treshold=2"), valid, null, null);
            assertEquals("400", typo[0]);
            assertTrue(typo[1], typo[1].contains("unknown query parameter 'treshold'"));

            // a request id that could smuggle anything is not echoed
            assertEquals(null, request("POST", url, valid, null, "bad id with spaces")[2]);
            String[] again = request("POST", url, valid, "application/x-ndjson", null);
            assertEquals(ok[1], again[1]);
            String health = request("GET", "http://127.0.0.1:" + server.port() + "/health", null)[1];
            int sequences = ok[1].trim().split("\n").length;
            assertTrue(health, health.contains("\"requests\":12") && health.contains("\"scored\":" + 4 * sequences));
        } finally {
            server.stop();
        }
    }

    @Test
    public void sessionAnswersSayHowManySequencesHadNoStepToJudgeAndHowSessionsWereCut() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_csv_sessions.json", "next_event", 0.3, 1);
        // two sessions of one event (roles "solo" and "lone") after the vector's own
        long oneEvent = d.sequences.stream().filter(q -> q.length == 1).count() + 2;
        assertTrue(d.sequences.stream().anyMatch(q -> q.length > 1));
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        byte[] body = (String.join("\n", ParityVectors.lines(d.vector)) + "\n"
                + "05/03/2024 10:00:00,solo-01,sshd,Accepted password for root,,0\n"
                + "05/03/2024 10:00:01,lone-07,sshd,Accepted password for root,,0\n").getBytes(StandardCharsets.UTF_8);
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String base = "http://127.0.0.1:" + server.port();
            String[] got = ScoringServerRobustnessTest.request("POST", base + "/score?all=true", body,
                    "X-Sequences", "X-Unjudged-Sequences", "X-Records-Without-Key", "X-Split-Sessions",
                    "X-Truncated-Records");
            assertEquals(got[1], "200", got[0]);
            assertEquals(Integer.toString(d.sequences.size() + 2), got[2]);
            assertEquals(Long.toString(oneEvent), got[3]);
            long unjudgedRows = java.util.Arrays.stream(got[1].split("\n")).filter(r -> r.contains("\"step\": -1,")).count();
            assertEquals(got[1], oneEvent, unjudgedRows);
            assertEquals("0", got[4]);
            long split = d.sequences.stream().filter(q -> q.part == 1).count();   // sessions over max_length 40
            assertTrue(split > 0);
            assertEquals(Long.toString(split), got[5]);
            assertEquals("0", got[6]);   // overflow "split": nothing cut
            ScoringServerRobustnessTest.request("POST", base + "/score", body);
            String health = ScoringServerRobustnessTest.request("GET", base + "/health", null)[1];
            assertTrue(health, health.contains("\"unjudged\":" + 2 * oneEvent + ","));
        } finally {
            server.stop();
        }
        // windows: every window has a step to judge, and no session headers
        TestDetectors w = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringServer windows = ScoringServer.start(LogAnomalyScorer.load(w.zip.toPath()), "127.0.0.1", 0);
        try {
            String[] got = ScoringServerRobustnessTest.request("POST", "http://127.0.0.1:" + windows.port() + "/score",
                    (String.join("\n", ParityVectors.lines(w.vector)) + "\n").getBytes(StandardCharsets.UTF_8),
                    "X-Unjudged-Sequences", "X-Split-Sessions");
            assertEquals(got[1], "200", got[0]);
            assertEquals("0", got[2]);
            assertEquals(null, got[3]);
        } finally {
            windows.stop();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** {status, body}. */
    static String[] request(String method, String url, String body) throws Exception {
        return request(method, url, body == null ? null : body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    /** {status, body, X-Request-Id of the response}. */
    static String[] request(String method, String url, byte[] body, String contentType, String requestId)
            throws Exception {
        return request(method, url, body, contentType, requestId, false);
    }

    /** As above; {@code chunked}: no Content-Length, the body is sent in chunks. */
    static String[] request(String method, String url, byte[] body, String contentType, String requestId,
                            boolean chunked) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setRequestMethod(method);
        if (chunked) {
            c.setChunkedStreamingMode(1024);
        }
        if (contentType != null) {
            c.setRequestProperty("Content-Type", contentType);
        }
        if (requestId != null) {
            c.setRequestProperty(ScoringServer.REQUEST_ID, requestId);
        }
        if (body != null) {
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int status = c.getResponseCode();
        InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (in != null) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                bytes.write(buf, 0, n);
            }
        }
        return new String[]{Integer.toString(status), new String(bytes.toByteArray(), StandardCharsets.UTF_8),
                c.getHeaderField(ScoringServer.REQUEST_ID)};
    }
}
