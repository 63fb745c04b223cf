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
            String[] badThreshold = request("POST", base + "/score?threshold=abc", body);
            assertEquals("400", badThreshold[0]);
            assertTrue(request("GET", base + "/health", null)[1].contains("\"requests\":4"));
        } finally {
            server.stop();
        }
    }

    /** {status, body}. */
    static String[] request(String method, String url, String body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setRequestMethod(method);
        if (body != null) {
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
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
        return new String[]{Integer.toString(status), new String(bytes.toByteArray(), StandardCharsets.UTF_8)};
    }
}
