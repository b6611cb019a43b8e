package dev.mm1j.app.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonException;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.serving.Engine;
import dev.mm1j.model.serving.EngineException;
import dev.mm1j.model.serving.Request;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code mm1j serve}: an OpenAI-compatible HTTP API on the JDK's built-in server (jdk.httpserver), one virtual
 * thread per exchange, generation by one {@link Engine}.
 *
 * <pre>
 * POST /v1/chat/completions   messages with text and image_url parts; stream: true for server-sent events
 * POST /v1/completions        a text prompt
 * GET  /v1/models             the served model
 * GET  /health                model loaded, sequences in use, queue depth (no API key needed)
 * </pre>
 *
 * Errors are answered in OpenAI's shape ({@link ApiException}), always: the writer cannot fail and a last-resort
 * handler answers anything unexpected with a 500 that carries only a request id (the details go to the log).
 * Before any route: connections over {@code --max-connections} get 503 ({@link ConnectionGuard}, which also
 * bounds the time to send a request and each write of an answer), and while bound to a loopback address a Host
 * header that names another machine gets 403 (DNS rebinding). Generation routes require
 * {@code Content-Type: application/json} (415: a web page cannot send it without a CORS preflight, which this
 * server does not answer) and a place in flight before their body is read ({@link Admission}: 429).
 *
 * <p>A streaming client that disconnects is noticed at the next write (a token or a keep-alive comment every
 * second) and its sequence is dropped at once; a non-streaming one is noticed within {@link #PROBE_NANOS} by
 * looking at its socket ({@link PeerProbe}).
 */
public final class OpenAiServer implements AutoCloseable {
    /** Seconds between SSE keep-alive comments while a stream has nothing to send (they also detect disconnects). */
    static final long KEEPALIVE_MILLIS = 1000;
    /** How often a non-streaming request looks whether its client is still connected ({@link PeerProbe}). */
    static final long PROBE_NANOS = 250_000_000L;

    private final LoadedModel model;
    private final ServerConfig config;
    private final Consumer<String> log;
    private final Engine engine;
    private final Requests requests;
    private final HttpServer http;
    private final ConnectionGuard guard;
    private final Admission admission;
    private final byte[] keyDigest; // SHA-256 of the API key, or null
    private final boolean checkHost; // bound to a loopback address: Host headers must name this machine
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicLong submitted = new AtomicLong(), internalErrors = new AtomicLong(), forbiddenHosts = new AtomicLong(),
        wrongMediaType = new AtomicLong();
    private volatile boolean closed;

    private OpenAiServer(LoadedModel model, ServerConfig config, Consumer<String> log) throws IOException {
        this.model = model;
        this.config = config;
        this.log = log;
        this.keyDigest = config.apiKey() == null ? null : sha256(config.apiKey());
        this.checkHost = config.loopbackOnly();
        this.requests = new Requests(model, config);
        this.admission = new Admission(config);
        this.engine = new Engine(model, config.engine(), log);
        try {
            // SSE chunks are small: send them at once instead of waiting for Nagle's algorithm (read when the
            // server classes load, so set before the first server is made)
            if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
            this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        } catch (java.net.BindException e) {
            engine.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
        this.guard = new ConnectionGuard(config.maxConnections(), config.requestTimeout(), config.sendTimeout());
        http.setExecutor(guard);
        http.createContext("/", this::handle);
        http.start();
        if (!PeerProbe.available()) log.accept("note: non-streaming clients that disconnect are noticed only when their answer is written: " + PeerProbe.unavailableReason());
    }

    /** Starts serving {@code model} (which the caller closes after the server); {@code log} hears startup and errors. */
    public static OpenAiServer start(LoadedModel model, ServerConfig config, Consumer<String> log) throws IOException {
        return new OpenAiServer(model, config, log);
    }

    /** The port it listens on (the chosen one when the configured port was 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /**
     * Graceful shutdown: new requests get 503, queued ones too; running generations may finish within the grace
     * period, then they are cancelled (streams end with an error event); the listener closes.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        engine.shutdown(config.shutdownGrace());
        http.stop(1);
        guard.close();
        admission.close();
        engine.close();
    }

    // ================================================================== routing

    /** Every exchange: never throws, always answers unless the connection is gone. */
    void handle(HttpExchange ex) {
        String rid = "req_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        try (ex) {
            try {
                ex.getResponseHeaders().set("X-Request-Id", rid);
                route(ex, rid);
            } catch (ApiException e) {
                answer(ex, e);
            } catch (IOException e) {
                // the client went away, or a limit closed the connection: nothing can be told
            } catch (InterruptedException e) {
                // a limit of the ConnectionGuard ran out while waiting: the connection is closed
            } catch (Throwable t) {
                internalErrors.incrementAndGet();
                try {
                    log.accept("request " + rid + ": internal error on " + describe(ex) + ": " + stackTrace(t));
                } catch (Throwable ignored) {
                    // a failing log must not stop the answer
                }
                answer(ex, internal(rid));
            }
        } catch (Throwable ignored) {
            // closing failed: the connection is dropped by the JDK's server
        }
    }

    /** An error answer (as the last event of a stream already under way); never throws. */
    private static void answer(HttpExchange ex, ApiException e) {
        try {
            if (ex.getResponseCode() != -1) {
                if (String.valueOf(ex.getResponseHeaders().getFirst("Content-Type")).startsWith("text/event-stream")) {
                    java.io.OutputStream os = ex.getResponseBody();
                    HttpIo.event(os, e.body());
                    HttpIo.write(os, DONE);
                }
                return;
            }
            if (e.status() == 429 || e.status() == 503) ex.getResponseHeaders().set("Retry-After", "1");
            if (unreadBody(ex)) ex.getResponseHeaders().set("Connection", "close"); // the server closes it: say so, or a client may reuse it
            HttpIo.sendJson(ex, e.status(), e.body());
        } catch (Throwable ignored) {
            // the client is gone
        }
    }

    /** Whether the request has a body the handler did not read (the JDK's server then closes the connection). */
    private static boolean unreadBody(HttpExchange ex) {
        ConnectionGuard.Exchange g = HttpIo.guard();
        if (g != null && g.bodyDone()) return false;
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        return ex.getRequestHeaders().containsKey("Transfer-Encoding") || length != null && !length.trim().equals("0");
    }

    private static ApiException internal(String rid) {
        return ApiException.internal("Internal server error (request id " + rid + "); the details are in the server's log");
    }

    /** "METHOD /path" of an exchange, whatever state it is in. */
    private static String describe(HttpExchange ex) {
        try {
            return ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath();
        } catch (Throwable t) {
            return "(a request that cannot be described: " + t.getClass().getSimpleName() + ")";
        }
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private void route(HttpExchange ex, String rid) throws IOException, InterruptedException {
        ConnectionGuard.Exchange g = HttpIo.guard();
        if (g != null && g.overloaded()) {
            ex.getResponseHeaders().set("Connection", "close");
            throw ApiException.unavailable("The server has " + config.maxConnections() + " connections open (--max-connections); retry later");
        }
        checkHost(ex);
        String path = ex.getRequestURI().getPath();
        if (path == null) path = "/";
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(ex, method, path, "GET");
            HttpIo.sendJson(ex, engine.accepting() ? 200 : 503, health());
            return;
        }
        authorize(ex);
        switch (path) {
            case "/v1/models" -> {
                requireMethod(ex, method, path, "GET");
                HttpIo.sendJson(ex, 200, Responses.models(config.modelName(), created));
            }
            case "/v1/chat/completions" -> {
                requireMethod(ex, method, path, "POST");
                generate(ex, true, rid);
            }
            case "/v1/completions" -> {
                requireMethod(ex, method, path, "POST");
                generate(ex, false, rid);
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    requireMethod(ex, method, path, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(config.modelName())) throw ApiException.modelNotFound(JsonFields.cut(id), config.modelName());
                    HttpIo.sendJson(ex, 200, Responses.model(id, created));
                    return;
                }
                throw ApiException.notFound("Unknown route: " + JsonFields.cut(method) + " " + JsonFields.cut(path)
                    + " (this server has POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health)");
            }
        }
    }

    /**
     * While bound to a loopback address, the Host header must name this machine (localhost, a 127.x address, ::1
     * or the bound address): a web page whose name an attacker points at 127.0.0.1 (DNS rebinding) sends its own.
     */
    private void checkHost(HttpExchange ex) {
        if (!checkHost) return;
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || isLocalName(host, config.host())) return;
        forbiddenHosts.incrementAndGet();
        throw new ApiException(403, "invalid_request_error", "forbidden_host", null, "The Host header '" + JsonFields.cut(host)
            + "' does not name this server, which listens on " + config.host() + " only; use http://127.0.0.1:" + port()
            + " or http://localhost:" + port() + " (start it with --host to serve other names)");
    }

    /** Whether a Host header value (name[:port]) names the loopback interface. */
    static boolean isLocalName(String hostHeader, String bound) {
        String h = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0) return false;
            name = h.substring(1, end);
            if (end + 1 < h.length() && !h.substring(end + 1).matches(":[0-9]{1,5}")) return false;
        } else {
            int colon = h.indexOf(':');
            name = colon < 0 ? h : h.substring(0, colon);
            if (colon >= 0 && !h.substring(colon).matches(":[0-9]{1,5}")) return false;
        }
        if (name.equals("localhost") || name.equals("localhost.") || name.equals("::1") || name.equals(bound.toLowerCase(java.util.Locale.ROOT))) return true;
        return name.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    }

    /** Generation takes JSON only: other media types (text/plain, forms) are what a web page can send unasked. */
    private void requireJson(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (media.equals("application/json")) return;
        wrongMediaType.incrementAndGet();
        ex.getResponseHeaders().set("Connection", "close");
        throw new ApiException(415, "invalid_request_error", "unsupported_media_type", null, type == null
            ? "The request has no Content-Type: send the JSON body with 'Content-Type: application/json'"
            : "The Content-Type is '" + JsonFields.cut(type) + "': send the JSON body with 'Content-Type: application/json'");
    }

    private static void requireMethod(HttpExchange ex, String method, String path, String allowed) {
        if (method.equals(allowed) || (method.equals("HEAD") && allowed.equals("GET"))) return;
        ex.getResponseHeaders().set("Allow", allowed);
        throw ApiException.methodNotAllowed(method, path, allowed);
    }

    /** Requires {@code Authorization: Bearer KEY} when a key is set; compares digests in constant time. */
    private void authorize(HttpExchange ex) {
        if (keyDigest == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : "";
        if (!MessageDigest.isEqual(keyDigest, sha256(given))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw ApiException.unauthorized();
        }
    }

    private Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", engine.accepting() ? "ok" : "shutting_down");
        h.put("model", config.modelName());
        h.put("model_loaded", true);
        h.put("slots_total", config.parallel());
        h.put("slots_busy", engine.active());
        h.put("queue_depth", engine.queued());
        h.put("queue_limit", config.queue());
        h.put("requests_completed", engine.completed());
        h.put("requests_cancelled", engine.cancelledCount());
        h.put("requests_failed", engine.failedCount());
        h.put("tokens_generated", engine.tokensGenerated());
        h.put("engine_steps", engine.steps());
        h.put("engine_step_ms", engine.stepNanos() / 1_000_000);
        h.put("engine_image_ms", engine.imageNanos() / 1_000_000);
        h.put("requests_in_flight", admission.inFlight());
        h.put("requests_submitted", submitted.get());
        h.put("requests_refused", admission.refused());
        h.put("connections_active", guard.active());
        h.put("connections_started", guard.started());
        h.put("connections_overloaded", guard.overloaded());
        h.put("connections_dropped", guard.dropped());
        h.put("request_timeouts", guard.requestTimeouts());
        h.put("send_timeouts", guard.sendTimeouts());
        h.put("forbidden_hosts", forbiddenHosts.get());
        h.put("unsupported_media_types", wrongMediaType.get());
        h.put("internal_errors", internalErrors.get());
        Runtime rt = Runtime.getRuntime();
        h.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
        return h;
    }

    // ================================================================== generation

    private void generate(HttpExchange ex, boolean chat, String rid) throws IOException, InterruptedException {
        requireJson(ex);
        long arrival = System.nanoTime();
        try (Admission.Place place = admission.enter()) {
            byte[] bytes = HttpIo.readBody(ex, config.maxBodyBytes());
            String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            long left = config.timeout().toNanos() - (System.nanoTime() - arrival);
            Requests.Parsed p = admission.prepare(Math.max(0, left), () -> {
                Object json;
                try {
                    json = Json.parse(bytes, "request body");
                } catch (JsonException e) {
                    throw ApiException.badRequest(null, "The request body is not valid JSON: " + e.getMessage());
                }
                JsonFields body = JsonFields.root(json);
                return chat ? requests.chat(body, id) : requests.completion(body, id);
            }, parsed -> parsed.gen().release());
            Request gen = p.gen();
            try {
                engine.submit(gen);
            } catch (EngineException e) {
                gen.release();
                throw apiError(e, rid);
            } catch (RuntimeException e) {
                gen.release();
                throw e;
            }
            submitted.incrementAndGet();
            Responses out = new Responses(id, System.currentTimeMillis() / 1000, config.modelName(), "fp_mm1j", chat);
            boolean finished = false;
            try {
                if (p.stream()) stream(ex, gen, out, chat, p.includeUsage(), rid);
                else whole(ex, gen, out, rid);
                finished = true;
            } finally {
                if (!finished) gen.cancel(); // the client went away, or a limit stopped this thread: free the sequence now
            }
        }
    }

    /** The HTTP answer to an engine's refusal or failure; the engine's own failures are logged, not shown. */
    private ApiException apiError(EngineException e, String rid) {
        if (e.kind() != EngineException.Kind.INTERNAL) return ApiException.from(e);
        internalErrors.incrementAndGet();
        log.accept("request " + rid + ": engine error: " + e.getMessage());
        return internal(rid);
    }

    private void whole(HttpExchange ex, Request gen, Responses out, String rid) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder();
        boolean probing = PeerProbe.available();
        long nextProbe = System.nanoTime() + PROBE_NANOS;
        while (true) {
            Request.Event e = gen.next(PROBE_NANOS / 1_000_000);
            if (probing && !(e instanceof Request.Done || e instanceof Request.Failed) && System.nanoTime() - nextProbe >= 0) {
                nextProbe = System.nanoTime() + PROBE_NANOS;
                switch (PeerProbe.probe(ex)) {
                    case CLOSED -> throw new IOException("the client closed the connection"); // generate() cancels
                    case PIPELINED -> {
                        // a byte of the client's next request was read: answer this one, then close
                        ex.getResponseHeaders().set("Connection", "close");
                        probing = false;
                    }
                    case OPEN, UNKNOWN -> {}
                }
            }
            switch (e) {
                case null -> {}
                case Request.Delta d -> text.append(d.text());
                case Request.Done d -> {
                    HttpIo.sendJson(ex, 200, out.complete(text.toString(), d.finishReason(), d.promptTokens(), d.completionTokens()));
                    return;
                }
                case Request.Failed f -> {
                    ApiException err = apiError(f.error(), rid);
                    HttpIo.sendJson(ex, err.status(), err.body());
                    return;
                }
            }
        }
    }

    private void stream(HttpExchange ex, Request gen, Responses out, boolean chat, boolean usage, String rid) throws IOException, InterruptedException {
        OutputStream os = HttpIo.startEvents(ex);
        if (chat) HttpIo.event(os, out.chunk("assistant", "", null, usage));
        while (true) {
            Request.Event e = gen.next(KEEPALIVE_MILLIS);
            switch (e) {
                case null -> HttpIo.write(os, KEEPALIVE);
                case Request.Delta d -> HttpIo.event(os, out.chunk(null, d.text(), null, usage));
                case Request.Done d -> {
                    HttpIo.event(os, out.chunk(null, chat ? null : "", d.finishReason(), usage));
                    if (usage) HttpIo.event(os, out.usageChunk(d.promptTokens(), d.completionTokens()));
                    HttpIo.write(os, DONE);
                    HttpIo.finish(os);
                    return;
                }
                case Request.Failed f -> {
                    HttpIo.event(os, apiError(f.error(), rid).body());
                    HttpIo.write(os, DONE);
                    HttpIo.finish(os);
                    return;
                }
            }
        }
    }

    private static final byte[] KEEPALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    LoadedModel model() {
        return model;
    }

    /** The engine (for tests). */
    Engine engine() {
        return engine;
    }
}
