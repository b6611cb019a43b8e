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
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
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
 * Errors are answered in OpenAI's shape ({@link ApiException}). A streaming client that disconnects is noticed
 * at the next write (a token or a keep-alive comment every second) and its sequence is dropped at once; a
 * non-streaming one is noticed within {@link #PROBE_NANOS} by looking at its socket ({@link PeerProbe}).
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
    private final ExecutorService executor;
    private final byte[] keyDigest; // SHA-256 of the API key, or null
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean closed;

    private OpenAiServer(LoadedModel model, ServerConfig config, Consumer<String> log) throws IOException {
        this.model = model;
        this.config = config;
        this.log = log;
        this.keyDigest = config.apiKey() == null ? null : sha256(config.apiKey());
        this.requests = new Requests(model, config);
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
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
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
        executor.shutdown();
        engine.close();
    }

    // ================================================================== routing

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                sendJson(ex, e.status(), e.body());
            } catch (IOException e) {
                // the client went away while we answered: nothing to tell it
            } catch (RuntimeException | Error e) {
                log.accept("internal error on " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": " + e);
                sendJson(ex, 500, ApiException.internal("Internal error: " + e).body());
            }
        } catch (IOException ignored) {
            // the error answer could not be written either
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(ex, method, path, "GET");
            sendJson(ex, engine.accepting() ? 200 : 503, health());
            return;
        }
        authorize(ex);
        switch (path) {
            case "/v1/models" -> {
                requireMethod(ex, method, path, "GET");
                sendJson(ex, 200, Responses.models(config.modelName(), created));
            }
            case "/v1/chat/completions" -> {
                requireMethod(ex, method, path, "POST");
                generate(ex, true);
            }
            case "/v1/completions" -> {
                requireMethod(ex, method, path, "POST");
                generate(ex, false);
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    requireMethod(ex, method, path, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(config.modelName())) throw ApiException.modelNotFound(id, config.modelName());
                    sendJson(ex, 200, Responses.model(id, created));
                    return;
                }
                throw ApiException.notFound("Unknown route: " + method + " " + path
                    + " (this server has POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health)");
            }
        }
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
        Runtime rt = Runtime.getRuntime();
        h.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
        return h;
    }

    // ================================================================== generation

    private void generate(HttpExchange ex, boolean chat) throws IOException {
        JsonFields body = JsonFields.root(readJson(ex));
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Requests.Parsed p = chat ? requests.chat(body, id) : requests.completion(body, id);
        Request gen = p.gen();
        try {
            engine.submit(gen);
        } catch (EngineException e) {
            gen.release();
            throw ApiException.from(e);
        } catch (RuntimeException e) {
            gen.release();
            throw e;
        }
        Responses out = new Responses(id, System.currentTimeMillis() / 1000, config.modelName(), "fp_mm1j", chat);
        boolean finished = false;
        try {
            if (p.stream()) stream(ex, gen, out, chat, p.includeUsage());
            else whole(ex, gen, out);
            finished = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!finished) gen.cancel(); // the client went away (or this thread was stopped): free the sequence now
        }
    }

    private void whole(HttpExchange ex, Request gen, Responses out) throws IOException, InterruptedException {
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
                    sendJson(ex, 200, out.complete(text.toString(), d.finishReason(), d.promptTokens(), d.completionTokens()));
                    return;
                }
                case Request.Failed f -> {
                    ApiException err = ApiException.from(f.error());
                    sendJson(ex, err.status(), err.body());
                    return;
                }
            }
        }
    }

    private void stream(HttpExchange ex, Request gen, Responses out, boolean chat, boolean usage) throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream os = ex.getResponseBody();
        if (chat) send(os, out.chunk("assistant", "", null, usage));
        while (true) {
            Request.Event e = gen.next(KEEPALIVE_MILLIS);
            switch (e) {
                case null -> {
                    os.write(": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII));
                    os.flush();
                }
                case Request.Delta d -> send(os, out.chunk(null, d.text(), null, usage));
                case Request.Done d -> {
                    send(os, out.chunk(null, chat ? null : "", d.finishReason(), usage));
                    if (usage) send(os, out.usageChunk(d.promptTokens(), d.completionTokens()));
                    done(os);
                    return;
                }
                case Request.Failed f -> {
                    send(os, ApiException.from(f.error()).body());
                    done(os);
                    return;
                }
            }
        }
    }

    private static void send(OutputStream os, Map<String, Object> json) throws IOException {
        os.write(("data: " + Json.write(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    private static void done(OutputStream os) throws IOException {
        os.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        os.flush();
    }

    // ================================================================== bodies

    /** The request body as JSON: 413 past the size limit, 400 when it is not JSON. */
    private Object readJson(HttpExchange ex) throws IOException {
        long limit = config.maxBodyBytes();
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            long declared;
            try {
                declared = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "invalid Content-Length '" + cl + "'");
            }
            if (declared > limit) throw bodyTooLarge(ex, declared + " bytes");
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes((int) limit + 1);
        }
        if (bytes.length > limit) throw bodyTooLarge(ex, "more than " + limit + " bytes");
        if (bytes.length == 0) throw ApiException.badRequest(null, "The request body is empty: send a JSON object");
        try {
            return Json.parse(bytes, "request body");
        } catch (JsonException e) {
            throw ApiException.badRequest(null, "The request body is not valid JSON: " + e.getMessage());
        }
    }

    private ApiException bodyTooLarge(HttpExchange ex, String size) {
        ex.getResponseHeaders().set("Connection", "close");
        return ApiException.tooLarge(null, "The request body is " + size + ", over this server's limit of " + config.maxBodyBytes()
            + " bytes (images count with their base64 text; the limit is set with --max-body)");
    }

    private static void sendJson(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

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
