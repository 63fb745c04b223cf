package io.dl4jbridge.scorer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dl4jbridge.etl.BadRecordException;
import io.dl4jbridge.etl.EtlException;
import io.dl4jbridge.etl.JsonText;

import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

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
 */
public final class ScoringServer {
    private final LogAnomalyScorer scorer;
    private final HttpServer server;
    private long requests;
    private long scored;
    private long flagged;

    private ScoringServer(LogAnomalyScorer scorer, HttpServer server) {
        this.scorer = scorer;
        this.server = server;
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving. */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ScoringServer s = new ScoringServer(scorer, http);
        http.createContext("/health", s::health);
        http.createContext("/score", s::score);
        http.createContext("/", exchange -> s.send(exchange, 404, error("no such endpoint: use GET /health or POST /score")));
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

    private void health(HttpExchange exchange) throws IOException {
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
        if (!"POST".equals(exchange.getRequestMethod())) {
            send(exchange, 405, error("POST the log lines to /score"));
            return;
        }
        requests++;
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
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
        Charset charset = Charset.forName(scorer.etlSpec().encoding());
        try (Reader in = new InputStreamReader(exchange.getRequestBody(), charset)) {
            java.util.function.Consumer<ScoredSequence> out = r -> {
                scored++;
                if (r.anomaly) {
                    flagged++;
                }
                if (all || r.anomaly) {
                    body.append(r.toJson()).append('\n');
                }
            };
            LineSplitter.split(in, line -> stream.accept(line, out), null);
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
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson; charset=utf-8");
        send(exchange, 200, body.toString());
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
        drain(exchange);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** Reads what the client sent and was not read, so it does not see a reset connection. */
    private static void drain(HttpExchange exchange) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = exchange.getRequestBody();
            while (in.read(buf) > 0) {
                continue;
            }
        } catch (IOException alreadyClosed) {
            // the body was read to its end and closed by the handler
        }
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
