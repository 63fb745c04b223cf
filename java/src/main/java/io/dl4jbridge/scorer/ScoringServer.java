package io.dl4jbridge.scorer;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.dl4jbridge.etl.BadRecordException;
import io.dl4jbridge.etl.CountingDecoder;
import io.dl4jbridge.etl.EtlException;
import io.dl4jbridge.etl.JsonText;
import io.dl4jbridge.etl.ReadReport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * HTTP scoring with the JDK's built-in server ({@code com.sun.net.httpserver}).
 *
 * <ul>
 * <li>{@code GET /health} (or {@code HEAD}: no body) -> 200 {@code {"status": "ok", "model", "model_sha256", "model_verified",
 *     "model_loaded_at", "kind", "threshold", "sequence", "features", "requests", "scored", "flagged", "unjudged", "lines",
 *     "bad_lines", ("unknown_template_records" for a model with templates), "errors", "read_timeouts",
 *     "write_timeouts", "busy", "in_flight"}}
 *     ({@code "status": "degraded"} while the last scoring request failed with a server error, with
 *     {@code last_error}; 503 {@code "stopping"} once the server is stopping).</li>
 * <li>{@code POST /score} with raw log lines as the body -> 200 with one JSON object per window or
 *     session ({@code application/x-ndjson}), as {@code dl4j-bridge score} prints them: the flagged
 *     ones, or all with {@code all=true}. Each request is its own stream: sessions close at the end
 *     of the body. {@code threshold=T} overrides the threshold. Headers {@code X-Lines}, {@code X-Sequences},
 *     {@code X-Flagged}, {@code X-Bad-Lines}, {@code X-Records}, {@code X-Continuation-Lines}, {@code X-Blank-Lines}
 *     ({@code X-Header-Lines} for a CSV body), {@code X-Unjudged-Sequences} (and {@code X-Absent-Fields} when
 *     mapped fields are missing on every line; for sessions {@code X-Records-Without-Key}, {@code X-Split-Sessions},
 *     {@code X-Truncated-Records}; when not 0 {@code X-Undecodable-Lines} (JSON lone surrogate escapes, read as
 *     U+FFFD), {@code X-Carriage-Return-Lines} (lines holding a CR that does not end them: CR line endings read
 *     as one line, as {@code score} warns), {@code X-Unparsable-Times}, {@code X-Backward-Times},
 *     {@code X-Non-Numeric-Values}, {@code X-Duplicate-Key-Lines}, {@code X-Unknown-Template-Records},
 *     {@code X-Unwindowed-Records}, {@code X-Gap-Sessions}) say what the body gave. A bad line in strict mode gives 400 {@code {"error", "line", "field"}};
 *     a body whose every line is bad in lenient mode (no record: almost surely the wrong model for the log) gives 422
 *     {@code {"error", "bad_lines", "bad_by_reason"}} with the same headers, not an empty 200.</li>
 * </ul>
 *
 * <p>Requests are read on a pool of {@link Options#threads} + {@link #RESERVED_THREADS} threads; at most
 * {@link Options#threads} {@code POST /score} requests hold one at once (more get 503 busy at once), so a slow or
 * stalled client does not hold up {@code /health}. An answer must be written within
 * {@link Options#writeTimeoutSeconds} (a client that stops reading has its connection closed then); a request must arrive in full within {@link Options#readTimeoutSeconds} of the server starting
 * to read it (a body that stalls gets 408, a request line or headers that stall get their connection closed:
 * the JDK server gives no way to answer before it has read them). Scoring runs on one thread, one request after
 * another (the network is not shared between threads), once the whole body has arrived.
 *
 * <p>Requests the server cannot score get a JSON {@code {"error": ...}} that says what to send instead:
 * 400 for an empty body, a body that is not valid text in the model's encoding (with {@code line} and
 * {@code byte_offset}), a body without the byte-order mark a {@code utf-16} / {@code utf-32} model needs, a body that ends before its {@code Content-Length} or has broken chunked encoding, a bad
 * line in strict mode, or an unknown, repeated or invalid query parameter; 408 for
 * a body that stops arriving; 413 for a body over {@code maxBodyBytes}; 415 for a content type that is not log
 * text (e.g. a multipart form), a charset other than the model's or a compressed body ({@code Content-Encoding}, or
 * gzip's magic bytes without it); 503 when the JVM ran out of memory
 * scoring the request (smaller requests, a smaller {@code --batch} or more memory help) or the server is
 * stopping; 500 for any other failure. A form body ({@code application/x-www-form-urlencoded}, what {@code curl -d}
 * sends) of one line with no line end, which {@code curl -d @file} makes of a whole file, gets 400 saying so when it gave
 * nothing to score, and that advice on its 400 / 422. A 405 carries {@code Allow}; an HTTP version other than 1.0 / 1.1
 * gets 505, an {@code Expect} other than {@code 100-continue} 417 (the JDK answers
 * {@code 100-continue} itself, before any handler). An {@code X-Request-Id} header (letters, digits, {@code ._:-},
 * at most 128 characters) is echoed on the response, so a client can match every answer to its request.
 *
 * <p>The JDK's server answers some malformed requests itself, in HTML, before any handler runs (a bad request line, a
 * target that is not a URI or whose path does not start with {@code /}, conflicting lengths, a transfer coding other
 * than {@code chunked}): README lists them.
 */
public final class ScoringServer {
    /** Default limit of a request body: 32 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;
    /** Largest limit of a request body (bodies are held in one byte array while they are scored). */
    public static final long MAX_BODY_BYTES_LIMIT = Integer.MAX_VALUE - 64;
    public static final int DEFAULT_READ_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
    public static final int DEFAULT_WRITE_TIMEOUT_SECONDS = 30;
    /** Requests read (and answered) at once. */
    public static final int DEFAULT_THREADS = 16;
    /**
     * Threads beyond {@link Options#threads} that {@code POST /score} never holds: {@code /health} (and 404/405
     * answers) keep a thread while every scoring request is stalled reading, waiting or writing.
     */
    public static final int RESERVED_THREADS = 2;
    static final String REQUEST_ID = "X-Request-Id";
    /** Body bytes read from a request refused as busy before its connection is closed. */
    private static final long BUSY_DRAIN_BYTES = 64 << 10;
    private static final Pattern REQUEST_ID_VALUE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final List<String> QUERY_PARAMETERS = Arrays.asList("threshold", "all");
    private static final List<String> TEXT_TYPES = Arrays.asList("application/x-ndjson", "application/ndjson",
            "application/jsonl", "application/x-jsonlines", "application/json-lines", "application/json",
            "application/octet-stream", "application/x-www-form-urlencoded");

    /** How a server reads and scores requests; the setters return this. */
    public static final class Options {
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private long readTimeoutMillis = DEFAULT_READ_TIMEOUT_SECONDS * 1000L;
        private long writeTimeoutMillis = DEFAULT_WRITE_TIMEOUT_SECONDS * 1000L;
        private int batch = LogAnomalyScorer.DEFAULT_BATCH;
        private int threads = DEFAULT_THREADS;

        /** Request bodies over this get 413 (1 to {@link #MAX_BODY_BYTES_LIMIT}). */
        public Options maxBodyBytes(long bytes) {
            if (bytes < 1 || bytes > MAX_BODY_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxBodyBytes must be from 1 to " + MAX_BODY_BYTES_LIMIT + ", got " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** A request (line, headers and body) must arrive within this many seconds of the server reading it. */
        public Options readTimeoutSeconds(int seconds) {
            if (seconds < 1) {
                throw new IllegalArgumentException("the read timeout must be >= 1 second, got " + seconds);
            }
            this.readTimeoutMillis = seconds * 1000L;
            return this;
        }

        /**
         * An answer (status line, headers and body) must be taken by the client within this many seconds of the
         * server starting to write it; otherwise its connection is closed (counted in {@code write_timeouts}).
         */
        public Options writeTimeoutSeconds(int seconds) {
            if (seconds < 1) {
                throw new IllegalArgumentException("the write timeout must be >= 1 second, got " + seconds);
            }
            this.writeTimeoutMillis = seconds * 1000L;
            return this;
        }

        /** Sequences per forward pass (see {@link LogAnomalyScorer#open(String, String, java.io.Writer, long, int)}). */
        public Options batch(int sequences) {
            if (sequences < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + sequences);
            }
            this.batch = sequences;
            return this;
        }

        /**
         * {@code POST /score} requests read, waiting to be scored or answered at once (more get 503 at once);
         * {@link #RESERVED_THREADS} more threads answer the other requests. Scoring itself is on one more thread.
         */
        public Options threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + n);
            }
            this.threads = n;
            return this;
        }

        public long maxBodyBytes() {
            return maxBodyBytes;
        }

        public int readTimeoutSeconds() {
            return (int) (readTimeoutMillis / 1000);
        }

        public int writeTimeoutSeconds() {
            return (int) (writeTimeoutMillis / 1000);
        }

        public int batch() {
            return batch;
        }

        public int threads() {
            return threads;
        }
    }

    private final LogAnomalyScorer scorer;
    private final HttpServer server;
    private final Options options;
    private final ThreadPoolExecutor exchanges;
    private final ExecutorService scoring;
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadLocal<Watch> watch = new ThreadLocal<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong scored = new AtomicLong();
    private final AtomicLong flagged = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong badLines = new AtomicLong();
    /** Records given the unknown-template id (summary key {@code unknown_template_records}), as {@link #badLines}. */
    private final AtomicLong unknownTemplateRecords = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong readTimeouts = new AtomicLong();
    private final AtomicLong writeTimeouts = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong unjudged = new AtomicLong();
    /** {@code POST /score} requests between their handler's start and their answer's end; at most {@link Options#threads}. */
    private final Semaphore scoreSlots;
    private final String modelSha256;
    private final Instant modelLoadedAt;
    private volatile boolean lastScoringFailed;
    private volatile String lastError;
    /** Tests: runs on the scoring thread before each body is scored (e.g. throws an OutOfMemoryError). */
    volatile Runnable beforeScoring;

    private ScoringServer(LogAnomalyScorer scorer, HttpServer server, Options options) {
        this.scorer = scorer;
        this.server = server;
        this.options = options;
        this.scoreSlots = new Semaphore(options.threads);
        this.modelLoadedAt = Instant.now();
        this.modelSha256 = sha256(scorer.detectorFile().path);
        int pool = options.threads + RESERVED_THREADS;
        this.exchanges = new ThreadPoolExecutor(pool, pool, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("dl4j-bridge-http-", false));
        this.exchanges.allowCoreThreadTimeOut(true);
        this.scoring = Executors.newSingleThreadExecutor(named("dl4j-bridge-score", false));
        this.timer = new ScheduledThreadPoolExecutor(1, named("dl4j-bridge-timeouts", true));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** The SHA-256 (hex) of the model file, read when the server starts, right after the model was loaded. */
    private static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[65536];
            while (in.read(buf) >= 0) {
                // digesting
            }
            StringBuilder hex = new StringBuilder();
            for (byte b : ((DigestInputStream) in).getMessageDigest().digest()) {
                hex.append(String.format("%02x", b & 0xff));
            }
            return hex.toString();
        } catch (IOException | NoSuchAlgorithmException e) {
            return null;  // the file went away since it was loaded: /health says null
        }
    }

    /** Binds {@code host:port} (port 0 picks a free one) and starts serving. */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port) throws IOException {
        return start(scorer, host, port, new Options());
    }

    /** As {@link #start(LogAnomalyScorer, String, int)}, refusing request bodies over {@code maxBodyBytes}. */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port, long maxBodyBytes)
            throws IOException {
        return start(scorer, host, port, new Options().maxBodyBytes(maxBodyBytes));
    }

    /**
     * Binds {@code host:port} (port 0 picks a free one) and starts serving.
     *
     * @throws BindException naming {@code host:port} when it cannot be bound (e.g. another process listens there)
     */
    public static ScoringServer start(LogAnomalyScorer scorer, String host, int port, Options options)
            throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException("cannot listen on " + host + ":" + port + ": unknown host '" + host
                    + "' (--host takes an address or name of this machine, e.g. 127.0.0.1 or 0.0.0.0)");
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (BindException e) {
            String why = e.getMessage() == null ? "cannot bind" : e.getMessage();
            String hint = why.toLowerCase(Locale.ROOT).contains("in use")
                    ? "another process is listening there: stop it, or choose another --port (0 picks a free one)"
                    : "--host must be an address of this machine, and ports under 1024 need privileges";
            BindException named = new BindException("cannot listen on " + host + ":" + port + ": " + why + " (" + hint + ")");
            named.initCause(e);
            throw named;
        }
        ScoringServer s = new ScoringServer(scorer, http, options);
        http.createContext("/health", s.guarded(s::health));
        http.createContext("/score", s.guarded(s::score));
        http.createContext("/", s.guarded(s::notFound));
        http.setExecutor(task -> s.exchanges.execute(() -> s.runWatched(task)));
        http.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Options options() {
        return options;
    }

    /** Requests being read, scored or answered now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Stops at once: requests in flight get no answer. */
    public void stop() {
        stop(0);
    }

    /**
     * Stops serving: from now on requests get 503 (and {@code /health} says "stopping"), requests in flight get
     * up to {@code graceSeconds} to be answered, then every connection is closed.
     *
     * @return requests still in flight when the grace period ended (they got no answer)
     */
    public int stop(int graceSeconds) {
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, graceSeconds));
        try {
            while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = inFlight.get();
        server.stop(0);
        exchanges.shutdownNow();
        scoring.shutdownNow();
        timer.shutdownNow();
        return left;
    }

    // ------------------------------------------------------------------------------------------------
    // reading with a timeout

    /**
     * The read deadline of one exchange task (request line, headers, body). The JDK server reads the request
     * line and headers on our executor's thread, in blocking mode, before any handler runs; the only way to
     * end a read that never completes is to interrupt the thread, which closes the channel
     * (ClosedByInterruptException), and the JDK then closes the connection. Once the handler runs, a 408 is
     * written first. Phases move HEADERS -> BODY -> DONE, or to EXPIRED when the deadline passes first.
     */
    private static final class Watch {
        static final int HEADERS = 0;
        static final int BODY = 1;
        static final int DONE = 2;
        static final int EXPIRED = 3;
        final Thread thread = Thread.currentThread();
        final AtomicInteger phase = new AtomicInteger(HEADERS);
        final CountDownLatch expiredHandled = new CountDownLatch(1);
        volatile HttpExchange exchange;
        volatile ScheduledFuture<?> deadline;

        /** The handler runs: a timeout from now on is answered 408. False if the deadline passed already. */
        boolean handlerStarted(HttpExchange e) {
            exchange = e;
            return phase.compareAndSet(HEADERS, BODY);
        }

        /** The request has been read: no timeout from now on. False if the deadline passed first. */
        boolean readDone() {
            while (true) {
                int p = phase.get();
                if (p == DONE) {
                    return true;
                }
                if (p == EXPIRED) {
                    return false;
                }
                if (phase.compareAndSet(p, DONE)) {
                    return true;
                }
            }
        }

        boolean expired() {
            return phase.get() == EXPIRED;
        }
    }

    private void runWatched(Runnable task) {
        Watch w = new Watch();
        watch.set(w);
        try {
            w.deadline = timer.schedule(() -> expire(w), options.readTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // the server is stopping: no deadline
        }
        try {
            task.run();
        } finally {
            watch.remove();
            ScheduledFuture<?> d = w.deadline;
            if (d != null) {
                d.cancel(false);
            }
            if (!w.readDone()) {  // the deadline passed: let its 408 and interrupt finish before the next task
                while (true) {
                    try {
                        w.expiredHandled.await();
                        break;
                    } catch (InterruptedException e) {
                        // that interrupt: cleared below
                    }
                }
            }
            Thread.interrupted();  // the interrupt of an expired read must not reach the next task
        }
    }

    private void expire(Watch w) {
        while (true) {
            int p = w.phase.get();
            if (p == Watch.DONE || p == Watch.EXPIRED) {
                return;
            }
            if (w.phase.compareAndSet(p, Watch.EXPIRED)) {
                readTimeouts.incrementAndGet();
                try {
                    if (p == Watch.BODY) {
                        answerTimeout(w.exchange);
                    }
                } catch (Throwable ignored) {
                    // the client is gone: the connection is closed below
                } finally {
                    w.thread.interrupt();  // ends the blocked read; the JDK closes the connection
                    w.expiredHandled.countDown();
                }
                return;
            }
        }
    }

    /** 408 from the timer thread while the handler's thread is blocked reading the body (it writes nothing more). */
    private void answerTimeout(HttpExchange exchange) throws IOException {
        byte[] bytes = error("the request did not arrive within " + options.readTimeoutSeconds() + " s (the server's "
                + "--read-timeout-seconds): send the whole body without pausing, with a Content-Length that "
                + "matches it").getBytes(StandardCharsets.UTF_8);
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", "application/json; charset=utf-8");
        h.set("Connection", "close");
        echoRequestId(exchange);
        exchange.sendResponseHeaders(408, bytes.length);
        OutputStream os = exchange.getResponseBody();
        os.write(bytes);
        os.flush();  // not closed: closing would drain the rest of the body, which is not coming
    }

    // ------------------------------------------------------------------------------------------------
    // handlers

    private interface Handler {
        void handle(HttpExchange exchange) throws Exception;
    }

    /** Counts the request in flight, answers 503 while stopping, and turns any failure into a JSON 500 / 503. */
    private HttpHandler guarded(Handler handler) {
        return exchange -> {
            Watch w = watch.get();
            if (w != null && !w.handlerStarted(exchange)) {
                throw new IOException("read timeout");  // the JDK closes the connection
            }
            inFlight.incrementAndGet();
            try {
                if (refusedProtocol(exchange)) {
                    return;
                }
                handler.handle(exchange);
            } catch (IOException e) {
                throw e;  // the client went away, or the read timed out: the JDK closes the connection
            } catch (Throwable t) {
                failed(exchange, t, -1);
            } finally {
                inFlight.decrementAndGet();
            }
        };
    }

    /**
     * Answers what the JDK's server passes to every handler unchecked: a request line whose version is not HTTP/1.0
     * or HTTP/1.1 (the JDK answers any version as HTTP/1.1) gets 505, an {@code Expect} other than
     * {@code 100-continue} (which the JDK answers itself with {@code 100 Continue} before any handler runs) 417.
     *
     * @return true when the request was answered here
     */
    private boolean refusedProtocol(HttpExchange exchange) throws IOException {
        String version = exchange.getProtocol();
        if (!"HTTP/1.1".equalsIgnoreCase(version) && !"HTTP/1.0".equalsIgnoreCase(version)) {
            Map<String, String> close = new LinkedHashMap<>();
            close.put("Connection", "close");
            send(exchange, 505, error("HTTP version '" + version + "' is not supported: send HTTP/1.1 (or HTTP/1.0) "
                    + "requests, e.g. with curl --http1.1").getBytes(StandardCharsets.UTF_8), close);
            return true;
        }
        List<String> expect = exchange.getRequestHeaders().get("Expect");
        if (expect != null) {
            for (String value : expect) {
                if (!"100-continue".equalsIgnoreCase(value.trim())) {
                    send(exchange, 417, error("unsupported Expect '" + value.trim() + "': the server supports only "
                            + "Expect: 100-continue; send the request without this Expect header"));
                    return true;
                }
            }
        }
        return false;
    }

    /** The JDK routes by path prefix ("/scores" reaches the "/score" context): only exact paths are served. */
    private boolean exactPath(HttpExchange exchange, String path) throws IOException {
        if (path.equals(exchange.getRequestURI().getPath())) {
            return true;
        }
        notFound(exchange);
        return false;
    }

    /** The {@code Allow} header a 405 must carry (RFC 9110 15.5.6): the methods the path takes. */
    private static Map<String, String> allow(String methods) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Allow", methods);
        return h;
    }

    private void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, error("no such endpoint: use GET /health or POST /score"));
    }

    private void health(HttpExchange exchange) throws IOException {
        if (!exactPath(exchange, "/health")) {
            return;
        }
        if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
            send(exchange, 405, error("use GET /health (or HEAD /health)").getBytes(StandardCharsets.UTF_8),
                    allow("GET, HEAD"));
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", stopping ? "stopping" : lastScoringFailed ? "degraded" : "ok");
        Path modelName = scorer.detectorFile().path.getFileName();   // not the directory: /health answers anyone
        out.put("model", modelName == null ? "" : modelName.toString());
        out.put("model_sha256", modelSha256);
        out.put("model_verified", scorer.detectorFile().verified);
        out.put("model_loaded_at", modelLoadedAt.toString());
        out.put("kind", scorer.kind());
        out.put("threshold", scorer.threshold());
        out.put("sequence", scorer.etlSpec().sequenceKind());
        out.put("features", scorer.etlSpec().nFeatures());
        out.put("requests", requests.get());
        out.put("scored", scored.get());
        out.put("flagged", flagged.get());
        out.put("unjudged", unjudged.get());
        out.put("lines", lines.get());
        out.put("bad_lines", badLines.get());
        if (scorer.etlSpec().templateText(io.dl4jbridge.etl.TemplateMatcher.OOV_ID) != null) {   // a template transform
            out.put("unknown_template_records", unknownTemplateRecords.get());
        }
        out.put("errors", errors.get());
        out.put("read_timeouts", readTimeouts.get());
        out.put("write_timeouts", writeTimeouts.get());
        out.put("busy", busy.get());
        out.put("in_flight", inFlight.get() - 1);  // not this request
        if (lastError != null) {
            out.put("last_error", lastError);
        }
        send(exchange, stopping ? 503 : 200, JsonText.dumpsCompact(out) + "\n");
    }

    private void score(HttpExchange exchange) throws IOException {
        if (!exactPath(exchange, "/score")) {
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            send(exchange, 405, error("POST the log lines to /score").getBytes(StandardCharsets.UTF_8), allow("POST"));
            return;
        }
        long number = requests.incrementAndGet();
        if (stopping) {
            send(exchange, 503, error("the server is stopping: send the request again once it is back (or to another instance)"));
            return;
        }
        if (!scoreSlots.tryAcquire()) {
            busy.incrementAndGet();
            Map<String, String> retry = new LinkedHashMap<>();
            retry.put("Retry-After", "1");
            send(exchange, 503, error("the server is busy: " + options.threads + " scoring requests are being read, "
                    + "scored or answered (the server's threads); send the request again in a moment")
                    .getBytes(StandardCharsets.UTF_8), retry, BUSY_DRAIN_BYTES);
            return;
        }
        try {
            scoreHeld(exchange, number);
        } finally {
            scoreSlots.release();
        }
    }

    private void scoreHeld(HttpExchange exchange, long number) throws IOException {
        Map<String, String> query;
        try {
            query = query(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        }
        Charset charset = scorer.etlSpec().charset();
        String typeProblem = contentTypeProblem(exchange.getRequestHeaders().getFirst("Content-Type"), charset);
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        if (typeProblem == null && encoding != null && !encoding.trim().isEmpty()
                && !"identity".equalsIgnoreCase(encoding.trim())) {
            typeProblem = "unsupported Content-Encoding '" + encoding.trim() + "': POST the log lines uncompressed "
                    + "(zcat app.log.gz | curl --data-binary @- ...)";
        }
        if (typeProblem != null) {
            send(exchange, 415, error(typeProblem));
            return;
        }
        long declared = -1;
        String declaredLength = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declaredLength != null && declaredLength.trim().matches("\\d{1,18}")) {
            declared = Long.parseLong(declaredLength.trim());
            if (declared > options.maxBodyBytes) {   // at once, with Connection: close: nothing of the body is read
                answerAndClose(exchange, 413, error(tooLarge()));
                return;
            }
        }
        LogAnomalyScorer s = scorer;
        if (query.containsKey("threshold")) {
            s = scorer.withThreshold(Double.parseDouble(query.get("threshold")));  // checked by query()
        }
        boolean all = "true".equals(query.get("all"));
        Body body;
        try {
            body = readBody(exchange, declared);
        } catch (IncompleteBody e) {   // the client ended its body early: a 400 that says so, not a silent close
            answerAndClose(exchange, 400, error(incomplete(e, declared)));
            return;
        }
        if (body == null) {
            send(exchange, 413, error(tooLarge()));
            return;
        }
        Watch w = watch.get();
        if (w != null && !w.readDone()) {
            throw new IOException("read timeout");
        }
        if (body.length == 0) {
            send(exchange, 400, error("empty body: POST the log lines to score as the request body"));
            return;
        }
        if (body.length >= 2 && body.bytes[0] == (byte) 0x1f && body.bytes[1] == (byte) 0x8b) {
            // gzip's magic number (no log line starts with byte 1f): not "invalid UTF-8 at byte offset 1"
            send(exchange, 415, error("the body is gzip-compressed (it starts with gzip's magic bytes 1f 8b): POST "
                    + "the log lines uncompressed (zcat app.log.gz | curl --data-binary @- ...), or score the .gz "
                    + "file with dl4j-bridge score --input app.log.gz"));
            return;
        }
        String noMark = io.dl4jbridge.etl.EncodingException.missingBomMessage(
                Arrays.copyOf(body.bytes, Math.min(body.length, 4)), s.etlSpec().encoding());
        if (noMark != null) {   // as score refuses such a file: utf-16 / utf-32 read without a mark came out garbled
            send(exchange, 400, error("the request body: " + noMark));
            return;
        }
        LogAnomalyScorer chosen = s;
        boolean joined = isForm(exchange.getRequestHeaders().getFirst("Content-Type")) && noLineEnd(body);
        Future<Answer> future = scoring.submit(() -> scoreBody(body, chosen, all, number, joined));
        Answer answer;
        try {
            answer = future.get();
        } catch (ExecutionException e) {
            failed(exchange, e.getCause(), body.length);
            return;
        } catch (InterruptedException e) {
            future.cancel(true);
            throw new IOException("stopped while scoring");
        }
        if (answer.status == 200) {
            lastScoringFailed = false;
        }
        send(exchange, answer.status, answer.bytes, answer.headers);
    }

    private String tooLarge() {
        return "the request body is larger than " + options.maxBodyBytes + " bytes (the server's --max-body-bytes): "
                + "split the lines over several requests (each request is its own stream: windows that would cross "
                + "a split are not scored and sessions end at it; split at session boundaries or overlap the parts "
                + "by a window), or start the server with a larger --max-body-bytes";
    }

    /** What the 400 of a body that ended early says. */
    private static String incomplete(IncompleteBody e, long declared) {
        return "the request body ended before it was complete (" + e.received + " bytes arrived"
                + (declared >= 0 ? " of the " + declared + " its Content-Length declared" : "") + "; "
                + e.getMessage() + "): send the whole body, with a Content-Length that matches it "
                + "(curl --data-binary @app.log sets it) or well-formed chunked transfer encoding";
    }

    /** The body stopped before its declared end (the connection closed early) or its chunked encoding is broken. */
    private static final class IncompleteBody extends IOException {
        final long received;

        IncompleteBody(long received, IOException cause) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
            this.received = received;
        }
    }

    /** A request body held in memory. */
    private static final class Body {
        final byte[] bytes;
        final int length;

        Body(byte[] bytes, int length) {
            this.bytes = bytes;
            this.length = length;
        }
    }

    /**
     * The whole body (null when it is over the limit); each read checks the deadline. A body that ends before its
     * {@code Content-Length} or has broken chunked encoding throws {@link IncompleteBody}. The buffer grows as
     * bytes arrive (a Content-Length alone, from a client that then stalls, allocates little).
     */
    private Body readBody(HttpExchange exchange, long declared) throws IOException {
        long max = options.maxBodyBytes;
        long limit = (declared >= 0 ? Math.min(declared, max) : max) + 1;  // one more byte: past the limit
        byte[] buf = new byte[(int) Math.min(limit, 65536)];
        int length = 0;
        Watch w = watch.get();
        InputStream in = exchange.getRequestBody();
        while (true) {
            if (length == buf.length) {
                if (length > max) {
                    return null;
                }
                buf = Arrays.copyOf(buf, (int) Math.min(limit, 2L * length));
            }
            int n;
            try {
                n = in.read(buf, length, buf.length - length);
            } catch (IOException e) {
                if (w != null && w.expired() || Thread.currentThread().isInterrupted()) {
                    throw new IOException("read timeout", e);   // the timer answered 408
                }
                throw new IncompleteBody(length, e);
            }
            if (w != null && w.expired()) {
                throw new IOException("read timeout");
            }
            if (n < 0) {
                break;
            }
            length += n;
        }
        return length > max ? null : new Body(buf, length);
    }

    /** What the scoring thread sends back. */
    private static final class Answer {
        final int status;
        final byte[] bytes;
        final Map<String, String> headers = new LinkedHashMap<>();

        Answer(int status, String text) {
            this.status = status;
            this.bytes = text.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Whether a Content-Type is a form's ({@code application/x-www-form-urlencoded}, what {@code curl -d} sends). */
    static boolean isForm(String contentType) {
        return contentType != null
                && "application/x-www-form-urlencoded".equalsIgnoreCase(contentType.split(";")[0].trim());
    }

    /** Whether a body holds neither {@code \n} nor {@code \r}: one line with no line end. */
    private static boolean noLineEnd(Body body) {
        for (int i = 0; i < body.length; i++) {
            if (body.bytes[i] == '\n' || body.bytes[i] == '\r') {
                return false;
            }
        }
        return true;
    }

    /** What an answer to a form body of one line without a line end adds: {@code curl -d @file} joins the lines. */
    static final String JOINED_LINES = "the body is one line with no line end, sent as a form (Content-Type "
            + "application/x-www-form-urlencoded, as curl -d sends it): curl -d @file removes the file's newlines, "
            + "joining its lines into one; POST the file with curl --data-binary @app.log instead (a one-line body "
            + "that ends with a newline is read as it is)";

    /**
     * Runs on the scoring thread: the very code of the streaming scorer, over the body in memory.
     *
     * @param joined the body is a form of one line with no line end (likely {@code curl -d @file}): an error answer
     *               adds {@link #JOINED_LINES}, and an answer that would be a 200 without any sequence is a 400 saying so
     */
    private Answer scoreBody(Body body, LogAnomalyScorer s, boolean all, long number, boolean joined) throws IOException {
        Runnable fault = beforeScoring;
        if (fault != null) {
            fault.run();
        }
        StringBuilder text = new StringBuilder();
        ScoringStream stream = s.open("<request " + number + ">", s.etlSpec().mode(), null, 0, options.batch);
        long[] counts = new long[3];  // lines read, sequences scored, flagged
        Consumer<ScoredSequence> out = r -> {
            counts[1]++;
            if (r.anomaly) {
                counts[2]++;
            }
            if (all || r.anomaly) {
                text.append(r.toJson()).append('\n');
            }
        };
        try (CountingDecoder in = CountingDecoder.strict(new ByteArrayInputStream(body.bytes, 0, body.length),
                s.etlSpec().charset())) {
            try {
                LineSplitter.split(in, line -> {
                    counts[0]++;
                    stream.accept(line, out);
                }, null);
            } catch (CountingDecoder.MalformedTextException e) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", e.getMessage());
                err.put("line", counts[0] + 1);
                err.put("byte_offset", e.byteOffset);
                return new Answer(400, JsonText.dumpsCompact(err) + "\n");
            }
            stream.finish(out);
        } catch (BadRecordException e) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("error", joined ? e.getMessage() + "; " + JOINED_LINES : e.getMessage());
            err.put("line", e.line());
            err.put("field", e.field());
            return new Answer(400, JsonText.dumpsCompact(err) + "\n");
        } catch (EtlException e) {
            return new Answer(400, error(joined ? e.getMessage() + "; " + JOINED_LINES : e.getMessage()));
        }
        ReadReport report = stream.etl().report();
        Answer answer;
        if (report.records == 0 && report.badLines > 0) {   // lenient, yet nothing was a record: not "nothing flagged"
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("error", "<request " + number + ">: every line was bad (" + report.badLines + " bad line(s), no "
                    + "record): nothing was scored; is this the model for this log (its reader and fields)? Score a "
                    + "few of these lines with dl4j-bridge score --strict to see why the first one is bad"
                    + (joined ? "; " + JOINED_LINES : ""));
            err.put("bad_lines", report.badLines);
            err.put("bad_by_reason", report.badByReason);
            answer = new Answer(422, JsonText.dumpsCompact(err) + "\n");
            answer.headers.put("Content-Type", "application/json; charset=utf-8");
        } else if (joined && counts[1] == 0) {   // nothing scored from a joined file: say why, not an empty 200
            answer = new Answer(400, error("<request " + number + ">: nothing was scored (" + report.lines + " line, "
                    + report.records + " record(s), no window or session to score): " + JOINED_LINES));
            answer.headers.put("Content-Type", "application/json; charset=utf-8");
        } else {
            answer = new Answer(200, text.toString());
            answer.headers.put("Content-Type", "application/x-ndjson; charset=utf-8");
        }
        answer.headers.put("X-Lines", Long.toString(report.lines));
        answer.headers.put("X-Sequences", Long.toString(counts[1]));
        answer.headers.put("X-Flagged", Long.toString(counts[2]));
        answer.headers.put("X-Bad-Lines", Long.toString(report.badLines));
        // the rest of X-Lines, so that every line is accounted for: lines = records + continuation + blank + bad
        answer.headers.put("X-Records", Long.toString(report.records));
        answer.headers.put("X-Continuation-Lines", Long.toString(report.continuationLines));
        answer.headers.put("X-Blank-Lines", Long.toString(report.blankLines));
        if (report.headerLines > 0) {
            answer.headers.put("X-Header-Lines", Long.toString(report.headerLines));
        }
        if (!report.absentFields.isEmpty()) {
            answer.headers.put("X-Absent-Fields", String.join(",", report.absentFields));
        }
        answer.headers.put("X-Unjudged-Sequences", Long.toString(stream.unjudged()));
        if (stream.etl().assembler() instanceof io.dl4jbridge.etl.SessionAssembler) {
            io.dl4jbridge.etl.SessionAssembler sessions = (io.dl4jbridge.etl.SessionAssembler) stream.etl().assembler();
            answer.headers.put("X-Records-Without-Key", Long.toString(sessions.recordsWithoutKey()));
            answer.headers.put("X-Split-Sessions", Long.toString(sessions.splitSessions()));
            answer.headers.put("X-Truncated-Records", Long.toString(sessions.truncatedRecords()));
        }
        // what a body gave but no window scored, or scored with a value the model could not read as given: counted
        // in headers as dl4j-bridge score counts them in its summary, never silently (0 counts are left out)
        Map<String, Object> summary = stream.summary().counts;
        for (String key : BODY_COUNT_HEADERS) {
            Object value = summary.get(key);
            if (value instanceof Number && ((Number) value).longValue() > 0) {
                answer.headers.put(header(key), value.toString());
            }
        }
        if (report.carriageReturnLines > 0) {   // score warns: a body with CR line endings reads as one line
            answer.headers.put("X-Carriage-Return-Lines", Long.toString(report.carriageReturnLines));
        }
        if (answer.status == 400) {
            return answer;   // counted as the other 400s: not in scored, lines, bad_lines
        }
        unjudged.addAndGet(stream.unjudged());
        scored.addAndGet(counts[1]);
        flagged.addAndGet(counts[2]);
        lines.addAndGet(report.lines);
        badLines.addAndGet(report.badLines);
        Object unknown = summary.get("unknown_template_records");
        if (unknown instanceof Number) {
            unknownTemplateRecords.addAndGet(((Number) unknown).longValue());
        }
        return answer;
    }

    /** Summary counts a {@code POST /score} answer carries as headers when not 0 ({@code unparsable_times} ->
     *  {@code X-Unparsable-Times}). */
    static final List<String> BODY_COUNT_HEADERS = java.util.Arrays.asList("undecodable_lines", "unparsable_times",
            "backward_times",
            "non_numeric_values", "duplicate_key_lines", "unknown_template_records", "unwindowed_records",
            "gap_sessions");

    /** {@code unwindowed_records} -> {@code X-Unwindowed-Records}. */
    static String header(String key) {
        StringBuilder name = new StringBuilder("X");
        for (String word : key.split("_")) {
            name.append('-').append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return name.toString();
    }

    /** A failure of the server, not of the request: counted, logged, answered 503 (out of memory) or 500. */
    private void failed(HttpExchange exchange, Throwable t, long bodyBytes) throws IOException {
        errors.incrementAndGet();
        lastScoringFailed = true;
        String message;
        int status;
        if (t instanceof OutOfMemoryError) {
            status = 503;
            long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
            message = "out of memory while handling this request" + (bodyBytes >= 0 ? " (" + bodyBytes + " bytes)" : "")
                    + ": " + t.getMessage() + ". The requests being handled at once did not fit in the JVM's memory "
                    + "(heap limit " + heapMiB + " MiB; each holds its body and its sequences, up to --threads "
                    + "requests at a time): send fewer lines per request, start the server with fewer --threads or a "
                    + "smaller --batch (sequences per forward pass, now " + options.batch + "), or give it more memory "
                    + "(JAVA_OPTS=-Xmx4g for the heap; -Dorg.bytedeco.javacpp.maxbytes=... and maxphysicalbytes for "
                    + "ND4J's off-heap memory)";
        } else {
            status = 500;
            message = "internal error: " + t;
        }
        lastError = Instant.now() + " HTTP " + status + ": " + message;
        System.err.println("dl4j-bridge: serve: " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                + " failed (answered " + status + "): " + t);
        if (!(t instanceof OutOfMemoryError)) {
            t.printStackTrace();
        }
        if (exchange.getResponseCode() != -1) {
            throw new IOException("failed after the answer started", t);  // the JDK closes the connection
        }
        send(exchange, status, error(message));
    }

    // ------------------------------------------------------------------------------------------------
    // requests and answers

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

    /**
     * The query's parameters, checked: only {@code threshold} (a finite decimal number) and {@code all}
     * ({@code true} or {@code false}), each at most once.
     *
     * @throws IllegalArgumentException naming the parameter and what it accepts
     */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? null : decode(pair.substring(eq + 1));
            if (!QUERY_PARAMETERS.contains(key)) {
                throw new IllegalArgumentException("unknown query parameter '" + key + "': use threshold=T and all=true");
            }
            if (out.containsKey(key)) {
                throw new IllegalArgumentException("query parameter '" + key + "' is given more than once: give it once");
            }
            if ("all".equals(key) && !"true".equals(value) && !"false".equals(value)) {
                throw new IllegalArgumentException("query parameter 'all' must be all=true or all=false, got "
                        + (value == null ? "a bare 'all'" : "'" + value + "'"));
            }
            if ("threshold".equals(key)) {
                String problem = value == null ? "a bare 'threshold'"
                        : !DECIMAL.matcher(value).matches() ? "'" + value + "'"
                        : Double.isInfinite(Double.parseDouble(value)) ? "'" + value + "' (out of range)" : null;
                if (problem != null) {
                    throw new IllegalArgumentException("query parameter 'threshold' must be a finite decimal number "
                            + "(threshold=T, e.g. 0.5 or 1e-3), got " + problem);
                }
            }
            out.put(key, value);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, "UTF-8");
        } catch (java.io.UnsupportedEncodingException e) {
            throw new AssertionError(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed query string (" + e.getMessage() + "): "
                    + "use ?threshold=T and/or ?all=true, percent-encoded");
        }
    }

    private static String error(String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("error", message);
        return JsonText.dumpsCompact(err) + "\n";
    }

    /** How long the body of a request refused by its declared length is read after the answer (a lingering close,
     *  so that a client still sending it gets the answer, not a reset connection). */
    static final long LINGER_MILLIS = 2000;

    /**
     * Answers at once with {@code Connection: close}, before reading anything of the body (a declared length over
     * the limit), then reads what the client sends for at most {@link #LINGER_MILLIS} (and {@code maxBodyBytes}) and
     * closes the connection. The JDK's server drains the body when an exchange is closed; a read on an interrupted
     * thread closes the channel instead, as the timer's 408 does.
     */
    private void answerAndClose(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Watch w = watch.get();
        if (w != null && !w.readDone()) {
            throw new IOException("read timeout");  // the timer answered 408
        }
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", "application/json; charset=utf-8");
        h.set("Connection", "close");
        echoRequestId(exchange);
        exchange.sendResponseHeaders(status, bytes.length);
        OutputStream os = exchange.getResponseBody();
        os.write(bytes);
        os.flush();
        Thread me = Thread.currentThread();
        AtomicInteger state = new AtomicInteger();  // 0 lingering, 1 done, 2 interrupted by the timer
        CountDownLatch interrupted = new CountDownLatch(1);
        ScheduledFuture<?> linger = null;
        try {
            linger = timer.schedule(() -> {
                if (state.compareAndSet(0, 2)) {
                    me.interrupt();
                    interrupted.countDown();
                }
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            me.interrupt();   // the server is stopping: no lingering
        }
        try {
            if (!drain(exchange, options.maxBodyBytes)) {
                me.interrupt();   // more is coming: close without reading it
            }
            exchange.close();
        } catch (RuntimeException closed) {
            // the channel closed by the interrupt
        } finally {
            if (linger != null) {
                linger.cancel(false);
            }
            if (linger != null && !state.compareAndSet(0, 1)) {   // the timer's interrupt: wait for it, then clear it
                awaitTimerInterrupt(interrupted);
            }
            Thread.interrupted();
        }
    }

    private void send(HttpExchange exchange, int status, String text) throws IOException {
        send(exchange, status, text.getBytes(StandardCharsets.UTF_8), null);
    }

    private void send(HttpExchange exchange, int status, byte[] bytes, Map<String, String> headers) throws IOException {
        send(exchange, status, bytes, headers, options.maxBodyBytes);
    }

    /**
     * Reads what is left of the body (up to {@code drainBudget} bytes), ends the read deadline, then answers
     * within the write deadline. HEAD gets the status and headers (with the Content-Length of GET) and no body.
     */
    private void send(HttpExchange exchange, int status, byte[] bytes, Map<String, String> headers, long drainBudget)
            throws IOException {
        boolean drained = drain(exchange, drainBudget);
        Watch w = watch.get();
        if (w != null && !w.readDone()) {
            throw new IOException("read timeout");  // the timer answered 408
        }
        Headers h = exchange.getResponseHeaders();
        if (headers != null) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                h.set(e.getKey(), e.getValue());
            }
        }
        if (!h.containsKey("Content-Type")) {
            h.set("Content-Type", "application/json; charset=utf-8");
        }
        echoRequestId(exchange);
        if (!drained || stopping) {
            h.set("Connection", "close");  // the rest of the body is not read, or the server is stopping
        }
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        if (head) {
            h.set("Content-Length", Integer.toString(bytes.length));  // the JDK warns when HEAD is given a length
        }
        write(exchange, status, head ? -1 : bytes.length == 0 ? -1 : bytes.length, head ? new byte[0] : bytes);
    }

    /**
     * Writes the answer within {@link Options#writeTimeoutSeconds}: a client that does not take it (never reads, or
     * reads too slowly) has its connection closed when the deadline passes. The JDK writes to the socket in blocking
     * mode on this thread; as for reads, interrupting the thread closes the channel (ClosedByInterruptException)
     * and the JDK then closes the connection, so the thread is free again.
     */
    private void write(HttpExchange exchange, int status, long length, byte[] bytes) throws IOException {
        Thread me = Thread.currentThread();
        AtomicInteger state = new AtomicInteger();  // 0 writing, 1 written, 2 expired
        CountDownLatch interrupted = new CountDownLatch(1);
        ScheduledFuture<?> deadline = null;
        try {
            deadline = timer.schedule(() -> {
                if (state.compareAndSet(0, 2)) {
                    writeTimeouts.incrementAndGet();
                    me.interrupt();
                    interrupted.countDown();
                }
            }, options.writeTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // the server is stopping (stop() closes every connection)
        }
        try {
            exchange.sendResponseHeaders(status, length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        } catch (IOException e) {
            if (state.get() == 2) {
                throw new IOException("write timeout: the client did not take the answer within "
                        + options.writeTimeoutSeconds() + " s", e);
            }
            throw e;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (!state.compareAndSet(0, 1)) {  // expired: wait for its interrupt, then clear it
                awaitTimerInterrupt(interrupted);
                Thread.interrupted();
            }
        }
    }

    /** Waits until a timer that has fired has also interrupted this thread (its latch counted down), so that its
     * interrupt cannot reach a later call of this thread; the caller then clears the interrupt. */
    private static void awaitTimerInterrupt(CountDownLatch interrupted) {
        while (true) {
            try {
                interrupted.await();
                return;
            } catch (InterruptedException e) {
                // that interrupt
            }
        }
    }

    private static void echoRequestId(HttpExchange exchange) {
        String requestId = exchange.getRequestHeaders().getFirst(REQUEST_ID);
        if (requestId != null && REQUEST_ID_VALUE.matcher(requestId).matches()) {
            exchange.getResponseHeaders().set(REQUEST_ID, requestId);
        }
    }

    /**
     * Reads up to {@code budget} bytes the client sent and the handler did not read, so the client
     * does not see a reset connection; false when more remains (the connection is then closed).
     */
    private static boolean drain(HttpExchange exchange, long budget) throws IOException {
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
            // the body was read to its end and closed by the handler, or the read timed out (checked next)
        }
        return true;
    }

    private static ThreadFactory named(String name, boolean daemon) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name.endsWith("-") ? name + n.incrementAndGet() : name);
            t.setDaemon(daemon);
            return t;
        };
    }
}
