package io.dl4jbridge.scorer;

import io.dl4jbridge.etl.ParityVectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.BindException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * What an operator trial found: stalled clients froze the server, errors went unanswered and unseen, degraded
 * input was not reported, shutdown dropped requests, loose query parameters, unhelpful start-up messages.
 */
public class ScoringServerRobustnessTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** {status, body, then header values in the order asked}. */
    static String[] request(String method, String url, byte[] body, String... headers) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(10_000);
        c.setReadTimeout(60_000);
        if (body != null) {
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int status = c.getResponseCode();
        InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
        String text = in == null ? "" : new String(readAll(in), StandardCharsets.UTF_8);
        String[] out = new String[2 + headers.length];
        out[0] = Integer.toString(status);
        out[1] = text;
        for (int i = 0; i < headers.length; i++) {
            out[2 + i] = c.getHeaderField(headers[i]);
        }
        return out;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            bytes.write(buf, 0, n);
        }
        return bytes.toByteArray();
    }

    private static Socket stall(int port, String sent) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(sent.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    /** What the server sends on a stalled connection before it closes it (waits at most {@code seconds}). */
    private static String answerOf(Socket s, int seconds) throws IOException {
        s.setSoTimeout(seconds * 1000);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = s.getInputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            fail("the server neither answered nor closed a stalled connection in " + seconds + " s; got: " + got);
        } catch (IOException reset) {
            // closed by the server
        }
        return new String(got.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    private static String body(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }

    @Test
    public void aDeclaredLengthOverTheLimitIs413AtOnceWithoutReadingTheBody() throws Exception {
        // it used to drain up to --max-body-bytes first: a tiny body with Content-Length 10^12 got 408 after 30 s
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0, new ScoringServer.Options().readTimeoutSeconds(30));
        try {
            long started = System.nanoTime();
            Socket s = stall(server.port(), "POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\nabc");
            String answer = answerOf(s, 10);
            assertTrue(answer, answer.startsWith("HTTP/1.1 413"));
            assertTrue(answer, answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"));
            assertTrue(answer, answer.contains("--max-body-bytes"));
            assertTrue("seconds: " + (System.nanoTime() - started) / 1e9, System.nanoTime() - started < 10_000_000_000L);
        } finally {
            server.stop();
        }
    }

    @Test
    public void stalledClientsDoNotHoldUpHealthOrScoringAndTimeOut() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0, new ScoringServer.Options().readTimeoutSeconds(3));
        try {
            String base = "http://127.0.0.1:" + server.port();
            List<String> lines = ParityVectors.lines(d.vector);
            request("GET", base + "/health", null);  // warm
            request("POST", base + "/score?all=true", body(lines).getBytes(StandardCharsets.UTF_8));
            long started = System.nanoTime();
            List<Socket> stalled = new ArrayList<>();
            stalled.add(stall(server.port(), "GE"));
            stalled.add(stall(server.port(), "POST /score HTTP/1.1\r\nHost: x\r\nContent-Len"));
            stalled.add(stall(server.port(), "POST /score HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\n"
                    + "Content-Length: 1000\r\n\r\nJan  1 00:00:00 host sshd[1]: partial\n"));
            Thread.sleep(300);  // the server has begun reading all three

            long t = System.nanoTime();
            String[] health = request("GET", base + "/health", null);
            double healthSeconds = (System.nanoTime() - t) / 1e9;
            assertEquals("200", health[0]);
            assertTrue("GET /health took " + healthSeconds + " s behind stalled clients", healthSeconds < 1.5);

            t = System.nanoTime();
            String[] scored = request("POST", base + "/score?all=true", body(lines).getBytes(StandardCharsets.UTF_8));
            double scoreSeconds = (System.nanoTime() - t) / 1e9;
            assertEquals(scored[1], "200", scored[0]);
            StringBuilder expected = new StringBuilder();
            for (ScoredSequence s : scorer.score(lines)) {
                expected.append(s.toJson()).append('\n');
            }
            assertEquals(expected.toString(), scored[1]);
            assertTrue("POST /score took " + scoreSeconds + " s behind stalled clients", scoreSeconds < 2.5);

            // the stalled body gets 408; a stalled request line or headers cannot be answered: closed
            String bodyStall = answerOf(stalled.get(2), 10);
            assertTrue(bodyStall, bodyStall.startsWith("HTTP/1.1 408 "));
            assertTrue(bodyStall, bodyStall.contains("--read-timeout-seconds") && bodyStall.contains("slow-1"));
            assertEquals("", answerOf(stalled.get(0), 10));
            assertEquals("", answerOf(stalled.get(1), 10));
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue("stalled connections ended after " + seconds + " s (read timeout 3 s)", seconds > 2.9 && seconds < 8);

            health = request("GET", base + "/health", null);
            assertTrue(health[1], health[1].contains("\"read_timeouts\":3") && health[1].contains("\"status\":\"ok\""));
            // the threads that were interrupted serve the next requests as usual
            for (int i = 0; i < 20; i++) {
                assertEquals(scored[1], request("POST", base + "/score?all=true", body(lines).getBytes(StandardCharsets.UTF_8))[1]);
            }
        } finally {
            server.stop();
        }
    }

    @Test
    public void serverErrorsAreAnsweredCountedAndShownInHealth() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String base = "http://127.0.0.1:" + server.port();
            byte[] valid = body(ParityVectors.lines(d.vector)).getBytes(StandardCharsets.UTF_8);
            server.beforeScoring = () -> {
                throw new OutOfMemoryError("Java heap space");
            };
            String[] oom = request("POST", base + "/score", valid, "Content-Type");
            assertEquals("503", oom[0]);
            assertTrue(oom[1], oom[1].startsWith("{\"error\":\"out of memory") && oom[1].contains("did not fit")
                    && oom[1].contains("--threads") && oom[1].contains("--batch") && oom[1].contains("JAVA_OPTS=-Xmx"));
            assertTrue(oom[2], oom[2].startsWith("application/json"));
            String health = request("GET", base + "/health", null)[1];
            assertTrue(health, health.contains("\"status\":\"degraded\"") && health.contains("\"errors\":1")
                    && health.contains("\"last_error\":") && health.contains("out of memory"));

            server.beforeScoring = () -> {
                throw new IllegalStateException("a bug");
            };
            String[] bug = request("POST", base + "/score", valid);
            assertEquals("500", bug[0]);
            assertTrue(bug[1], bug[1].contains("a bug"));

            server.beforeScoring = null;
            assertEquals("200", request("POST", base + "/score", valid)[0]);
            health = request("GET", base + "/health", null)[1];
            assertTrue(health, health.contains("\"status\":\"ok\"") && health.contains("\"errors\":2"));
        } finally {
            server.stop();
        }
    }

    @Test
    public void scoreHeadersSayWhatTheBodyGave() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String url = "http://127.0.0.1:" + server.port() + "/score?all=true";
            List<String> lines = ParityVectors.lines(d.vector);  // lenient, with 2 bad lines
            String[] full = request("POST", url, body(lines).getBytes(StandardCharsets.UTF_8),
                    "X-Lines", "X-Sequences", "X-Flagged", "X-Bad-Lines", "X-Absent-Fields", "X-Unwindowed-Records",
                    "X-Records", "X-Continuation-Lines", "X-Blank-Lines");
            assertEquals("200", full[0]);
            List<ScoredSequence> expected = scorer.score(lines);
            long flagged = expected.stream().filter(s -> s.anomaly).count();
            assertEquals(Integer.toString(lines.size()), full[2]);
            assertEquals(Integer.toString(expected.size()), full[3]);
            assertEquals(Long.toString(flagged), full[4]);
            assertEquals("2", full[5]);
            assertNull(full[6]);
            // every line accounted for: lines = records + continuation + blank + bad
            List<ScoreSummary> whole = new java.util.ArrayList<>();
            scorer.score(lines, whole::add);
            Map<String, Object> read = whole.get(0).counts;
            assertEquals(String.valueOf(read.get("records")), full[8]);
            assertEquals(String.valueOf(read.get("continuation_lines")), full[9]);
            assertEquals(String.valueOf(read.get("blank_lines")), full[10]);
            assertEquals(Long.parseLong(full[2]), Long.parseLong(full[8]) + Long.parseLong(full[9])
                    + Long.parseLong(full[10]) + Long.parseLong(full[5]));

            // too short for one window of 10: 200, no rows, and the headers say so
            String[] shortBody = request("POST", url, body(lines.subList(0, 3)).getBytes(StandardCharsets.UTF_8),
                    "X-Sequences", "X-Lines", "X-Unwindowed-Records");
            assertEquals("200", shortBody[0]);
            assertEquals("", shortBody[1]);
            assertEquals("0", shortBody[2]);
            assertEquals("3", shortBody[3]);
            // ... and that its records were in no window (they were dropped without a word)
            List<ScoreSummary> offline = new java.util.ArrayList<>();
            scorer.score(lines.subList(0, 3), offline::add);
            Object unwindowed = offline.get(0).counts.get("unwindowed_records");
            assertTrue(String.valueOf(unwindowed), unwindowed instanceof Number && ((Number) unwindowed).longValue() > 0);
            assertEquals(unwindowed.toString(), shortBody[4]);
            assertNull("no header for a count of 0", full[7]);

            String health = request("GET", "http://127.0.0.1:" + server.port() + "/health", null)[1];
            assertTrue(health, health.contains("\"scored\":" + expected.size()) && health.contains("\"bad_lines\":2")
                    && health.contains("\"lines\":" + (lines.size() + 3)));

            // every line bad (lenient): the wrong model for this log, not "nothing flagged"
            String[] allBad = request("POST", url, "not a log line\nnor this one\n\n".getBytes(StandardCharsets.UTF_8),
                    "X-Lines", "X-Bad-Lines", "Content-Type");
            assertEquals("422", allBad[0]);
            assertTrue(allBad[1], allBad[1].contains("every line was bad (2 bad line(s), no record): nothing was scored")
                    && allBad[1].contains("\"bad_lines\":2") && allBad[1].contains("\"no format match\":2"));
            assertEquals("3", allBad[2]);
            assertEquals("2", allBad[3]);
            assertTrue(allBad[4], allBad[4].startsWith("application/json"));
            // blank lines alone are not bad lines: 200, nothing to score
            assertEquals("200", request("POST", url, "\n \n".getBytes(StandardCharsets.UTF_8))[0]);

            // a compressed body: 415 saying to decompress first, not 400 "not valid UTF-8"
            java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(packed)) {
                gz.write(body(lines).getBytes(StandardCharsets.UTF_8));
            }
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setRequestMethod("POST");
            c.setRequestProperty("Content-Encoding", "gzip");
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(packed.toByteArray());
            }
            assertEquals(415, c.getResponseCode());
            String said = new String(readAll(c.getErrorStream()), StandardCharsets.UTF_8);
            assertTrue(said, said.contains("unsupported Content-Encoding 'gzip': POST the log lines uncompressed"));
        } finally {
            server.stop();
        }

        // JSON lines without a field the spec may lack (the label): named in X-Absent-Fields
        TestDetectors j = TestDetectors.write(tmp.newFolder(), "etl_jsonl_windows.json", "next_event", 0.3, 1);
        server = ScoringServer.start(LogAnomalyScorer.load(j.zip.toPath()), "127.0.0.1", 0);
        try {
            StringBuilder noLabel = new StringBuilder();
            for (String line : ParityVectors.lines(j.vector)) {
                noLabel.append(line.replaceAll("\"label\": ?[^,}]*,?", "")).append('\n');
            }
            String[] got = request("POST", "http://127.0.0.1:" + server.port() + "/score",
                    noLabel.toString().getBytes(StandardCharsets.UTF_8), "X-Absent-Fields");
            assertEquals(got[1], "200", got[0]);
            assertEquals("label", got[2]);
        } finally {
            server.stop();
        }
    }

    @Test
    public void queryParametersTakeOnlyTheirValuesOnce() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            String base = "http://127.0.0.1:" + server.port() + "/score";
            byte[] valid = body(ParityVectors.lines(d.vector)).getBytes(StandardCharsets.UTF_8);
            String[][] refused = {
                {"all=yes", "'all'", "all=true or all=false"}, {"all=TRUE", "'all'", "all=true or all=false"},
                {"all=1", "'all'", "all=true or all=false"}, {"all", "'all'", "a bare 'all'"},
                {"all=true&all=false", "'all'", "more than once"}, {"threshold=0.1&threshold=0.2", "'threshold'", "more than once"},
                {"threshold=1e400", "'threshold'", "finite"}, {"threshold=inf", "'threshold'", "finite"},
                {"threshold=NaN", "'threshold'", "finite"}, {"threshold=-Infinity", "'threshold'", "finite"},
                {"threshold=0x1p3", "'threshold'", "finite"}, {"threshold", "'threshold'", "a bare 'threshold'"},
                {"threshold=1f", "'threshold'", "finite"}, {"al=true", "'al'", "unknown query parameter"},
            };
            for (String[] r : refused) {
                String[] got = request("POST", base + "?" + r[0], valid);
                assertEquals(r[0] + ": " + got[1], "400", got[0]);
                assertTrue(r[0] + ": " + got[1], got[1].contains(r[1]) && got[1].contains(r[2]));
            }
            String all = request("POST", base + "?all=true", valid)[1];
            String flaggedOnly = request("POST", base + "?all=false&threshold=0.3", valid)[1];
            assertEquals(flaggedOnly, request("POST", base, valid)[1]);
            assertTrue(!all.isEmpty() && all.length() >= flaggedOnly.length());
            assertEquals("", request("POST", base + "?threshold=1e300", valid)[1]);
        } finally {
            server.stop();
        }
    }

    @Test
    public void stopAnswersRequestsInFlightThenCloses() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer server = ScoringServer.start(scorer, "127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.port();
        byte[] valid = body(ParityVectors.lines(d.vector)).getBytes(StandardCharsets.UTF_8);
        String expected = request("POST", base + "/score?all=true", valid)[1];
        server.beforeScoring = () -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted");
            }
        };
        CompletableFuture<String[]> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return request("POST", base + "/score?all=true", valid);
            } catch (IOException e) {
                return new String[]{"no answer", e.toString()};
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long t = System.nanoTime();
        assertEquals(0, server.stop(10));
        double seconds = (System.nanoTime() - t) / 1e9;
        String[] answer = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(answer[1], "200", answer[0]);
        assertEquals(expected, answer[1]);
        assertTrue("stop took " + seconds + " s", seconds < 5);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
            fail("the server still accepts connections after stop");
        } catch (ConnectException expectedRefusal) {
            // closed
        }

        ScoringServer idle = ScoringServer.start(scorer, "127.0.0.1", 0);
        t = System.nanoTime();
        assertEquals(0, idle.stop(10));
        assertTrue("an idle server took " + (System.nanoTime() - t) / 1e9 + " s to stop", System.nanoTime() - t < 2e9);
    }

    @Test
    public void startUpProblemsNameTheAddressAndTheRange() throws Exception {
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        LogAnomalyScorer scorer = LogAnomalyScorer.load(d.zip.toPath());
        ScoringServer first = ScoringServer.start(scorer, "127.0.0.1", 0);
        try {
            try {
                ScoringServer.start(scorer, "127.0.0.1", first.port()).stop();
                fail("a second server bound a busy port");
            } catch (BindException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port() + ": "));
            }
            String model = d.zip.getPath();
            Object[] busy = launcher("serve", "--model", model, "--port", Integer.toString(first.port()));
            assertEquals(busy[1].toString(), 3, busy[0]);
            assertTrue(busy[1].toString(), busy[1].toString().contains("cannot listen on 127.0.0.1:" + first.port()));
        } finally {
            first.stop();
        }
        Object[] range = launcher("serve", "--model", "no-such.zip", "--port", "99999");
        assertEquals(2, range[0]);
        assertTrue(range[1].toString(), range[1].toString().contains("--port must be from 0 to 65535 (0 picks a free port), got 99999"));
        Object[] missing = launcher("serve", "--model", "no-such.zip");
        assertEquals(2, missing[0]);
        assertTrue(missing[1].toString(), missing[1].toString().contains("missing --port"));
        Object[] timeout = launcher("serve", "--model", "no-such.zip", "--port", "0", "--read-timeout-seconds", "0");
        assertEquals(2, timeout[0]);
        assertTrue(timeout[1].toString(), timeout[1].toString().contains("--read-timeout-seconds must be from 1"));
    }

    /** {exit status, stderr} of the launcher's {@code Main.run} (package-private: called reflectively). */
    private static Object[] launcher(String... args) throws Exception {
        Method run = Class.forName("io.dl4jbridge.Main").getDeclaredMethod("run", String[].class);
        run.setAccessible(true);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, "UTF-8"));
        try {
            int status = (Integer) run.invoke(null, (Object) args);
            return new Object[]{status, new String(captured.toByteArray(), StandardCharsets.UTF_8)};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    public void aGzipBodyWithoutContentEncodingIs415SayingSoNotInvalidText() throws Exception {
        // it was 400 "the request body is not valid UTF-8: malformed bytes at byte offset 1", while score decompresses
        // the same bytes: the 415 names gzip and what to send instead, as for Content-Encoding: gzip
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringServer server = ScoringServer.start(LogAnomalyScorer.load(d.zip.toPath()), "127.0.0.1", 0);
        try {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
                out.write(body(ParityVectors.lines(d.vector)).getBytes(StandardCharsets.UTF_8));
            }
            String[] r = request("POST", "http://127.0.0.1:" + server.port() + "/score", gz.toByteArray());
            assertEquals(r[1], "415", r[0]);
            assertTrue(r[1], r[1].contains("gzip-compressed") && r[1].contains("zcat"));
        } finally {
            server.stop();
        }
    }

    @Test
    public void aBodyEndingBeforeItsContentLengthOrWithBrokenChunksIs400NotASilentClose() throws Exception {
        // the connection used to be closed without an answer (the JDK's "premature EOF" reached the handler)
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringServer server = ScoringServer.start(LogAnomalyScorer.load(d.zip.toPath()), "127.0.0.1", 0);
        try {
            String lines = body(ParityVectors.lines(d.vector));
            byte[] bytes = lines.getBytes(StandardCharsets.UTF_8);
            int sent = bytes.length;
            Socket s = stall(server.port(), "POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: " + (sent + 50)
                    + "\r\n\r\n");
            s.getOutputStream().write(bytes);
            s.shutdownOutput();
            String answer = answerOf(s, 10);
            assertTrue(answer, answer.startsWith("HTTP/1.1 400"));
            assertTrue(answer, answer.contains("ended before it was complete (" + sent + " bytes arrived of the "
                    + (sent + 50) + " its Content-Length declared"));
            assertTrue(answer, answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"));
            Socket chunked = stall(server.port(), "POST /score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                    + "\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
            String broken = answerOf(chunked, 10);
            assertTrue(broken, broken.startsWith("HTTP/1.1 400") && broken.contains("chunked transfer encoding"));
            // the server goes on answering
            assertEquals("200", request("POST", "http://127.0.0.1:" + server.port() + "/score",
                    lines.getBytes(StandardCharsets.UTF_8))[0]);
        } finally {
            server.stop();
        }
    }

    @Test
    public void loneSurrogateEscapesAndCarriageReturnsThatScoreReportsAreCountedInHeaders() throws Exception {
        // score's summary (and Python's) counted undecodable_lines 1 for "\\ud800" in a JSON string; the 200 said nothing
        TestDetectors j = TestDetectors.write(tmp.getRoot(), "etl_jsonl_windows.json", "next_event", 0.3, 1);
        ScoringServer server = ScoringServer.start(LogAnomalyScorer.load(j.zip.toPath()), "127.0.0.1", 0);
        try {
            List<String> lines = new ArrayList<>(ParityVectors.lines(j.vector));
            String first = lines.get(0);
            lines.set(0, first.replaceFirst("\"level\":\"", "\"level\":\"\\\\udc80"));
            assertTrue(lines.get(0), !lines.get(0).equals(first));
            String url = "http://127.0.0.1:" + server.port() + "/score";
            String[] got = request("POST", url, body(lines).getBytes(StandardCharsets.UTF_8), "X-Undecodable-Lines");
            assertEquals(got[1], "200", got[0]);
            assertEquals("1", got[2]);
            String[] clean = request("POST", url, body(ParityVectors.lines(j.vector)).getBytes(StandardCharsets.UTF_8),
                    "X-Undecodable-Lines");
            assertNull(clean[2]);   // 0: left out, as the other counts
        } finally {
            server.stop();
        }
        // a text log with CR line endings: one line, as score reads it, which score warns about and the answer now says
        TestDetectors t = TestDetectors.write(tmp.newFolder(), "etl_text_windows.json", "next_event", 0.3, 1);
        server = ScoringServer.start(LogAnomalyScorer.load(t.zip.toPath()), "127.0.0.1", 0);
        try {
            String url = "http://127.0.0.1:" + server.port() + "/score";
            String[] cr = request("POST", url, String.join("\r", ParityVectors.lines(t.vector).subList(0, 12))
                    .getBytes(StandardCharsets.UTF_8), "X-Lines", "X-Carriage-Return-Lines");
            assertEquals(cr[1], "1", cr[2]);
            assertEquals("1", cr[3]);
            assertNull(request("POST", url, body(ParityVectors.lines(t.vector)).getBytes(StandardCharsets.UTF_8),
                    "X-Carriage-Return-Lines")[2]);
        } finally {
            server.stop();
        }
    }
    /** Sends {@code head} (with {@code Connection: close}) and {@code body} on a raw socket; the whole answer. */
    private static String raw(int port, String head, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                s.getOutputStream().write(body);
            }
            s.getOutputStream().flush();
            return new String(answerOf(s, 20).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }
    }

    @Test
    public void requestsTheJdkPassesOnUncheckedGetJsonAnswersThatSayWhatToDo() throws Exception {
        // a 405 had no Allow header; any HTTP version (HTTP/2.0, FOO) was answered as HTTP/1.1; an Expect other than
        // 100-continue was ignored
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringServer server = ScoringServer.start(LogAnomalyScorer.load(d.zip.toPath()), "127.0.0.1", 0,
                new ScoringServer.Options().maxBodyBytes(1000));
        try {
            int port = server.port();
            String url = "http://127.0.0.1:" + port;
            String[] put = request("PUT", url + "/health", new byte[0], "Allow", "Content-Type");
            assertEquals("405", put[0]);
            assertEquals("GET, HEAD", put[2]);
            assertTrue(put[3], put[3].startsWith("application/json"));
            String[] get = request("GET", url + "/score", null, "Allow");
            assertEquals("405", get[0]);
            assertEquals("POST", get[2]);
            for (String version : new String[] {"HTTP/2.0", "FOO"}) {
                String answer = raw(port, "GET /health " + version + "\r\nHost: x\r\n", null);
                assertTrue(answer, answer.startsWith("HTTP/1.1 505"));
                assertTrue(answer, answer.contains("application/json") && answer.contains("\"error\":\"HTTP version '"
                        + version + "' is not supported: send HTTP/1.1"));
            }
            assertTrue(raw(port, "GET /health HTTP/1.0\r\n", null).startsWith("HTTP/1.1 200"));
            String expect = raw(port, "POST /score HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 3\r\n",
                    "abc".getBytes(StandardCharsets.US_ASCII));
            assertTrue(expect, expect.startsWith("HTTP/1.1 417"));
            assertTrue(expect, expect.contains("unsupported Expect '200-ok': the server supports only Expect: 100-continue"));
            // Expect: 100-continue is answered by the JDK before any handler runs (README): its 100, then the 413 at
            // once, before the client sends anything of the body
            try (Socket s = stall(port, "POST /score HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5000\r\n\r\n")) {
                String answer = answerOf(s, 10);
                assertTrue(answer, answer.startsWith("HTTP/1.1 100 Continue\r\n"));
                assertTrue(answer, answer.contains("HTTP/1.1 413") && answer.contains("--max-body-bytes"));
            }
            // what the JDK answers itself, in HTML, before any handler: README lists these
            String slashes = raw(port, "GET //score HTTP/1.1\r\nHost: x\r\n", null);
            assertTrue(slashes, slashes.startsWith("HTTP/1.1 404") && slashes.contains("text/html"));
            String gzip = raw(port, "POST /score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n", null);
            assertTrue(gzip, gzip.startsWith("HTTP/1.1 501") && gzip.contains("text/html"));
            // normal requests are answered as before
            assertEquals("200", request("GET", url + "/health", null)[0]);
        } finally {
            server.stop();
        }
    }

    @Test
    public void aFormBodyOfOneLineWithoutLineEndSaysThatCurlDJoinedTheLines() throws Exception {
        // curl -d @app.log strips the newlines and sends application/x-www-form-urlencoded: the whole file was read
        // as one line, and the 200 was empty (a window needs more lines) or scored one long record
        TestDetectors d = TestDetectors.write(tmp.getRoot(), "etl_text_windows.json", "next_event", 0.3, 1);
        ScoringServer server = ScoringServer.start(LogAnomalyScorer.load(d.zip.toPath()), "127.0.0.1", 0);
        try {
            int port = server.port();
            List<String> lines = ParityVectors.lines(d.vector).subList(0, 30);
            byte[] joined = String.join("", lines).getBytes(StandardCharsets.UTF_8);
            String form = "POST /score?all=true HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n";
            String text = "POST /score?all=true HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n";
            String refused = raw(port, form + "Content-Length: " + joined.length + "\r\n", joined);
            assertTrue(refused, refused.startsWith("HTTP/1.1 400"));
            assertTrue(refused, refused.contains("curl -d @file removes the file's newlines")
                    && refused.contains("curl --data-binary @app.log"));
            // the same bytes declared as text are read as they are; a body with line ends is scored whatever its type
            String asText = raw(port, text + "Content-Length: " + joined.length + "\r\n", joined);
            assertTrue(asText, asText.startsWith("HTTP/1.1 200"));
            byte[] good = body(lines).getBytes(StandardCharsets.UTF_8);
            String goodForm = raw(port, form + "Content-Length: " + good.length + "\r\n", good);
            String goodText = raw(port, text + "Content-Length: " + good.length + "\r\n", good);
            assertTrue(goodForm, goodForm.startsWith("HTTP/1.1 200"));
            String rows = goodForm.substring(goodForm.indexOf("\r\n\r\n"));
            assertTrue(rows, rows.contains("\"index\": 0"));
            assertEquals(rows, goodText.substring(goodText.indexOf("\r\n\r\n")));
        } finally {
            server.stop();
        }
        // JSON lines joined into one are a bad line: the 422 (lenient) says why
        TestDetectors j = TestDetectors.write(tmp.newFolder(), "etl_jsonl_windows.json", "next_event", 0.3, 1);
        server = ScoringServer.start(LogAnomalyScorer.load(j.zip.toPath()), "127.0.0.1", 0);
        try {
            byte[] joined = String.join("", ParityVectors.lines(j.vector).subList(3, 20)).getBytes(StandardCharsets.UTF_8);
            String[] r = request("POST", "http://127.0.0.1:" + server.port() + "/score", joined);   // a form, as curl -d
            assertEquals(r[1], "422", r[0]);
            assertTrue(r[1], r[1].contains("every line was bad") && r[1].contains("curl --data-binary @app.log"));
        } finally {
            server.stop();
        }
    }
}
