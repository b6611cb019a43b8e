package dev.mm1j.app.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.serving.EngineConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of {@code mm1j serve}: where it listens, who may call it, and the limits that keep one machine
 * safe from its clients. Every limit has a default sized for a small machine; all are validated here.
 *
 * @param host              the address to bind (127.0.0.1 by default: only this machine can connect); while it is
 *                          a loopback address the Host header must name this machine too (DNS rebinding)
 * @param port              the TCP port (0: any free port, see {@link OpenAiServer#port()})
 * @param apiKey            the key every route except /health requires as {@code Authorization: Bearer KEY}; null: none
 * @param modelName         the model id clients name in requests and /v1/models lists
 * @param context           KV-cache positions per sequence: prompt (images expanded) + max_tokens must fit
 * @param parallel          sequences decoded together at most (one KV cache each, allocated at start)
 * @param queue             requests waiting for a free sequence at most; with {@code parallel} the requests in
 *                          flight at most (from their body's first byte to their answer's last); more get 429
 * @param maxBodyBytes      the largest request body; larger ones are refused with 413
 * @param maxImages         images per request at most
 * @param maxImagePixels    width × height of one decoded image at most
 * @param timeout           a request's limit from arrival to its last token
 * @param prefillChunk      prompt positions processed between two decode steps (images count their positions)
 * @param localFiles        the folder {@code file://} image URLs may name (real paths inside it only); null: none
 * @param shutdownGrace     how long in-flight streams may finish at shutdown before they are cancelled
 * @param warmup            how long to run the model on a dummy prompt before listening (0: not at all)
 * @param maxConnections    connections being read or answered at most; more get 503 and are closed (twice as
 *                          many are closed at once, unanswered)
 * @param requestTimeout    from a request's first byte until its headers and body are in; then the connection is closed
 * @param sendTimeout       how long one write to a client may block (a client that stopped reading); then the
 *                          connection is closed and its generation cancelled
 * @param idleTimeout       how long a kept-alive connection may wait for its next request (the JDK server's
 *                          {@code sun.net.httpserver.idleInterval}, set process-wide by {@code mm1j serve})
 * @param parseSpecial      whether special tokens written in messages and prompts are recognised (off: they stay text)
 */
public record ServerConfig(String host, int port, String apiKey, String modelName, int context, int parallel, int queue,
                           long maxBodyBytes, int maxImages, long maxImagePixels, Duration timeout, int prefillChunk,
                           Path localFiles, Duration shutdownGrace, Duration warmup, int maxConnections,
                           Duration requestTimeout, Duration sendTimeout, Duration idleTimeout, boolean parseSpecial) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_PARALLEL = EngineConfig.DEFAULT_PARALLEL;
    public static final int DEFAULT_QUEUE = EngineConfig.DEFAULT_QUEUE;
    public static final long DEFAULT_MAX_BODY = 20L << 20;
    public static final int DEFAULT_MAX_IMAGES = 8;
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 4096L * 4096;
    public static final Duration DEFAULT_TIMEOUT = EngineConfig.DEFAULT_TIMEOUT;
    public static final int DEFAULT_PREFILL_CHUNK = EngineConfig.DEFAULT_PREFILL_CHUNK;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WARMUP = EngineConfig.DEFAULT_WARMUP;
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    public ServerConfig {
        if (host == null || host.isBlank()) throw new Mm1jException("serve: the host must not be empty");
        if (port < 0 || port > 65535) throw bad("port", port, "must be in 0..65535");
        if (apiKey != null && apiKey.isEmpty()) throw new Mm1jException("serve: the API key must not be empty (leave it out for no key)");
        if (modelName == null || modelName.isBlank()) throw new Mm1jException("serve: the model name must not be empty");
        if (maxBodyBytes < 1024 || maxBodyBytes > Integer.MAX_VALUE - 16) throw bad("max-body", maxBodyBytes, "must be in 1 KiB..2 GiB");
        if (maxImages < 0) throw bad("max-images", maxImages, "must be >= 0");
        if (maxImagePixels < 1) throw bad("max-pixels", maxImagePixels, "must be >= 1");
        if (shutdownGrace == null || shutdownGrace.isNegative()) throw new Mm1jException("serve: --shutdown-grace must be >= 0");
        if (maxConnections < 1 || maxConnections > 1_000_000) throw bad("max-connections", maxConnections, "must be in 1..1000000");
        positive("request-timeout", requestTimeout);
        positive("send-timeout", sendTimeout);
        if (idleTimeout == null || idleTimeout.toSeconds() < 1) throw new Mm1jException("serve: --idle-timeout must be at least 1 second");
        if (localFiles != null && !Files.isDirectory(localFiles)) {
            throw new Mm1jException("serve: --allow-local-files " + localFiles + ": no such folder (name the one folder whose images clients may read)");
        }
        try {
            new EngineConfig(context, parallel, queue, prefillChunk, timeout, warmup);
        } catch (Mm1jException e) {
            throw new Mm1jException("serve: " + e.getMessage());
        }
    }

    /** The engine's part of the settings. */
    public EngineConfig engine() {
        return new EngineConfig(context, parallel, queue, prefillChunk, timeout, warmup);
    }

    /** Requests in flight at most: one per sequence and one per queue place. */
    public int inFlight() {
        return parallel + queue;
    }

    /** Whether the server is bound to a loopback address only (then Host headers are checked). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The defaults for a model called {@code modelName} with a context of {@code context} positions. */
    public static ServerConfig defaults(String modelName, int context) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, null, modelName, context, DEFAULT_PARALLEL, DEFAULT_QUEUE, DEFAULT_MAX_BODY,
            DEFAULT_MAX_IMAGES, DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_TIMEOUT, DEFAULT_PREFILL_CHUNK, null, DEFAULT_SHUTDOWN_GRACE,
            DEFAULT_WARMUP, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SEND_TIMEOUT, DEFAULT_IDLE_TIMEOUT, false);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withLimits(int parallel, int queue, long maxBodyBytes, int maxImages, long maxImagePixels, Duration timeout) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withContext(int ctx) {
        return new ServerConfig(host, port, apiKey, modelName, ctx, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    /** {@code folder}: the one folder file:// image URLs may name; null: none. */
    public ServerConfig withLocalFiles(Path folder) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, folder, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withWarmup(Duration w) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, w, maxConnections, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withConnections(int max, Duration requestTimeout, Duration sendTimeout, Duration idleTimeout) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, max, requestTimeout, sendTimeout, idleTimeout, parseSpecial);
    }

    public ServerConfig withParseSpecial(boolean parse) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, localFiles, shutdownGrace, warmup, maxConnections, requestTimeout, sendTimeout, idleTimeout, parse);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new Mm1jException("serve: --" + name + " must be positive");
    }

    private static Mm1jException bad(String name, long v, String why) {
        return new Mm1jException("serve: --" + name + "=" + v + " " + why);
    }
}
