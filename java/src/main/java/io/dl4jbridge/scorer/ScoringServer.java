package io.dl4jbridge.scorer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dl4jbridge.etl.BadRecordException;
import io.dl4jbridge.etl.EtlException;
import io.dl4jbridge.etl.JsonText;

import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * HTTP scoring with the JDK's built-in server ({@code com.sun.net.httpserver}), one request at a time
 * (the network is not shared between threads).
 *
 * <ul>
 * <li>{@code GET /health} -> 200 {@code {"status": "ok", "model", "kind", "threshold", "sequence",
 *     "features", "requests", "scored", "flagged"}}.</li>
 * <li>{@code POST /score} with raw log lines as the body -> 200 with one JSON object per window or
 *     session ({@code application/x-ndjson}), as {@code dl4j-bridge score} prints them: the flagged
 *     ones, or all with {@code all=true}. Each request is its own stream: sessions close at the end
 *     of the body. {@code threshold=T} overrides the threshold. A bad line in strict mode gives 400
 *     {@code {"error", "line", "field"}}.</li>
 * </ul>
 *
 * <p>Requests the server cannot score get a JSON {@code {"error": ...}} that says what to send instead:
 * 400 for an empty body, a body that is not valid text in the model's encoding (with {@code line} and
 * {@code byte_offset}), a bad line in strict mode, or an unknown or invalid query parameter; 413 for a
 * body over {@code maxBodyBytes}; 415 for a content type that is not log text (e.g. a multipart form)
 * or a charset other than the model's. An {@code X-Request-Id} header (letters, digits, {@code ._:-},
 * at most 128 characters) is echoed on the response, so a client can match every answer to its request.
 */
public final class ScoringServer {
    /** Default limit of a request body: 32 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;
    static final String REQUEST_ID = "X-Request-Id";
    private static final Pattern REQUEST_ID_VALUE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final List<String> QUERY_PARAMETERS = Arrays.asList("threshold", "all");
    private static final List<String> TEXT_TYPES = Arrays.asList("application/x-ndjson", "application/ndjson",
            "application/jsonl", "application/x-jsonlines", "application/json-lines", "application/json",
            "application/octet-stream", "application/x-www-form-urlencoded");

    private final LogAnomalyScorer scorer;
    private final HttpServer server;
    private final long maxBodyBytes;
    private long requests;
    private long scored;
    private long flagged;

    private ScoringServer(LogAnomalyScorer scorer, HttpServer server, long maxBodyBytes) {
        this.scorer = scorer;
        this.server = server;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving. */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port) throws IOException {
        return start(scorer, host, port, DEFAULT_MAX_BODY_BYTES);
    }

    /** As {@link #start(LogAnomalyScorer, String, int)}, refusing request bodies over {@code maxBodyBytes}. */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port, long maxBodyBytes)
            throws IOException {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ScoringServer s = new ScoringServer(scorer, http, maxBodyBytes);
        http.createContext("/health", s::health);
        http.createContext("/score", s::score);
        http.createContext("/", s::notFound);
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dl4j-bridge-serve");
            t.setDaemon(false);
            return t;
        }));
        http.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void stop() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** The JDK routes by path prefix ("/scores" reaches the "/score" context): only exact paths are served. */
    private boolean exactPath(HttpExchange exchange, String path) throws IOException {
        if (path.equals(exchange.getRequestURI().getPath())) {
            return true;
        }
        notFound(exchange);
        return false;
    }

    private void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, error("no such endpoint: use GET /health or POST /score"));
    }

    private void health(HttpExchange exchange) throws IOException {
        if (!exactPath(exchange, "/health")) {
            return;
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            send(exchange, 405, error("use GET /health"));
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "ok");
        out.put("model", scorer.detectorFile().path.toString());
        out.put("kind", scorer.kind());
        out.put("threshold", scorer.threshold());
        out.put("sequence", scorer.etlSpec().sequenceKind());
        out.put("features", scorer.etlSpec().nFeatures());
        out.put("requests", requests);
        out.put("scored", scored);
        out.put("flagged", flagged);
        send(exchange, 200, JsonText.dumpsCompact(out) + "\n");
    }

    private void score(HttpExchange exchange) throws IOException {
        if (!exactPath(exchange, "/score")) {
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            send(exchange, 405, error("POST the log lines to /score"));
            return;
        }
        requests++;
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        for (String name : query.keySet()) {
            if (!QUERY_PARAMETERS.contains(name)) {
                send(exchange, 400, error("unknown query parameter '" + name + "': use threshold=T and all=true"));
                return;
            }
        }
        Charset charset = scorer.etlSpec().charset();
        String typeProblem = contentTypeProblem(exchange.getRequestHeaders().getFirst("Content-Type"), charset);
        if (typeProblem != null) {
            send(exchange, 415, error(typeProblem));
            return;
        }
        String declaredLength = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declaredLength != null && declaredLength.trim().matches("\\d{1,18}")
                && Long.parseLong(declaredLength.trim()) > maxBodyBytes) {
            send(exchange, 413, error(new RequestBody.TooLargeException(maxBodyBytes).getMessage()));
            return;
        }
        LogAnomalyScorer s = scorer;
        try {
            if (query.containsKey("threshold")) {
                s = scorer.withThreshold(Double.parseDouble(query.get("threshold")));
            }
        } catch (IllegalArgumentException e) {
            send(exchange, 400, error("threshold must be a number, got '" + query.get("threshold") + "'"));
            return;
        }
        boolean all = "true".equals(query.get("all")) || "1".equals(query.get("all"));
        StringBuilder body = new StringBuilder();
        ScoringStream stream = s.open("<request " + requests + ">");
        long[] counts = new long[3];  // lines read, sequences scored, flagged
        try (RequestBody in = new RequestBody(exchange.getRequestBody(), charset, maxBodyBytes)) {
            java.util.function.Consumer<ScoredSequence> out = r -> {
                counts[1]++;
                if (r.anomaly) {
                    counts[2]++;
                }
                if (all || r.anomaly) {
                    body.append(r.toJson()).append('\n');
                }
            };
            try {
                LineSplitter.split(in, line -> {
                    counts[0]++;
                    stream.accept(line, out);
                }, null);
            } catch (RequestBody.MalformedTextException e) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", e.getMessage());
                err.put("line", counts[0] + 1);
                err.put("byte_offset", e.byteOffset);
                send(exchange, 400, JsonText.dumpsCompact(err) + "\n");
                return;
            } catch (RequestBody.TooLargeException e) {
                send(exchange, 413, error(e.getMessage()));
                return;
            }
            if (in.bytesRead() == 0) {
                send(exchange, 400, error("empty body: POST the log lines to score as the request body"));
                return;
            }
            stream.finish(out);
        } catch (BadRecordException e) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("error", e.getMessage());
            err.put("line", e.line());
            err.put("field", e.field());
            send(exchange, 400, JsonText.dumpsCompact(err) + "\n");
            return;
        } catch (EtlException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            send(exchange, 500, error(e.toString()));
            return;
        }
        scored += counts[1];
        flagged += counts[2];
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson; charset=utf-8");
        send(exchange, 200, body.toString());
    }

    /** Why a request's Content-Type cannot be scored, or null when it can (absent means log text). */
    static String contentTypeProblem(String contentType, Charset modelCharset) {
        if (contentType == null || contentType.trim().isEmpty()) {
            return null;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.startsWith("text/") && !TEXT_TYPES.contains(type)) {
            return "unsupported Content-Type '" + type + "': POST the raw log lines as the body "
                    + "(text/plain or application/x-ndjson), not as a form or file upload";
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length == 2 && "charset".equals(kv[0].trim().toLowerCase(Locale.ROOT))) {
                String name = kv[1].trim().replace("\"", "");
                boolean same;
                try {
                    same = Charset.forName(name).equals(modelCharset);
                } catch (IllegalArgumentException unknown) {
                    same = false;
                }
                if (!same) {
                    return "the model reads " + modelCharset.name() + " but the body is declared as charset '" + name
                            + "': send the lines encoded as " + modelCharset.name();
                }
            }
        }
        return null;
    }

    private static String error(String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("error", message);
        return JsonText.dumpsCompact(err) + "\n";
    }

    private void send(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (!exchange.getResponseHeaders().containsKey("Content-Type")) {
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        }
        String requestId = exchange.getRequestHeaders().getFirst(REQUEST_ID);
        if (requestId != null && REQUEST_ID_VALUE.matcher(requestId).matches()) {
            exchange.getResponseHeaders().set(REQUEST_ID, requestId);
        }
        if (!drain(exchange, maxBodyBytes)) {
            exchange.getResponseHeaders().set("Connection", "close");  // the rest of the body is not read
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    /**
     * Reads up to {@code budget} bytes the client sent and the handler did not read, so the client
     * does not see a reset connection; false when more remains (the connection is then closed).
     */
    private static boolean drain(HttpExchange exchange, long budget) {
        byte[] buf = new byte[8192];
        long left = budget;
        try {
            InputStream in = exchange.getRequestBody();
            int n;
            while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, left)))) > 0) {
                left -= n;
                if (left < 0) {
                    return false;
                }
            }
        } catch (IOException alreadyClosed) {
            // the body was read to its end and closed by the handler
        }
        return true;
    }

    private static Map<String, String> query(String raw) throws java.io.UnsupportedEncodingException {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), "UTF-8");
            out.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), "UTF-8"));
        }
        return out;
    }
}
