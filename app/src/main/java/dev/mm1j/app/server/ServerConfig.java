package dev.mm1j.app.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.serving.EngineConfig;
import java.time.Duration;

/**
 * The settings of {@code mm1j serve}: where it listens, who may call it, and the limits that keep one machine
 * safe from its clients. Every limit has a default sized for a small machine; all are validated here.
 *
 * @param host              the address to bind (127.0.0.1 by default: only this machine can connect)
 * @param port              the TCP port (0: any free port, see {@link OpenAiServer#port()})
 * @param apiKey            the key every route except /health requires as {@code Authorization: Bearer KEY}; null: none
 * @param modelName         the model id clients name in requests and /v1/models lists
 * @param context           KV-cache positions per sequence: prompt (images expanded) + max_tokens must fit
 * @param parallel          sequences decoded together at most (one KV cache each, allocated at start)
 * @param queue             requests waiting for a free sequence at most; more are refused with 429
 * @param maxBodyBytes      the largest request body; larger ones are refused with 413
 * @param maxImages         images per request at most
 * @param maxImagePixels    width × height of one decoded image at most
 * @param timeout           a request's limit from arrival to its last token
 * @param prefillChunk      prompt positions processed between two decode steps (images count their positions)
 * @param allowLocalFiles   whether {@code file://} image URLs are read from this machine's disk
 * @param shutdownGrace     how long in-flight streams may finish at shutdown before they are cancelled
 * @param warmup            how long to run the model on a dummy prompt before listening (0: not at all)
 */
public record ServerConfig(String host, int port, String apiKey, String modelName, int context, int parallel, int queue,
                           long maxBodyBytes, int maxImages, long maxImagePixels, Duration timeout, int prefillChunk,
                           boolean allowLocalFiles, Duration shutdownGrace, Duration warmup) {

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

    public ServerConfig {
        if (host == null || host.isBlank()) throw new Mm1jException("serve: the host must not be empty");
        if (port < 0 || port > 65535) throw bad("port", port, "must be in 0..65535");
        if (apiKey != null && apiKey.isEmpty()) throw new Mm1jException("serve: the API key must not be empty (leave it out for no key)");
        if (modelName == null || modelName.isBlank()) throw new Mm1jException("serve: the model name must not be empty");
        if (maxBodyBytes < 1024 || maxBodyBytes > Integer.MAX_VALUE - 16) throw bad("max-body", maxBodyBytes, "must be in 1 KiB..2 GiB");
        if (maxImages < 0) throw bad("max-images", maxImages, "must be >= 0");
        if (maxImagePixels < 1) throw bad("max-pixels", maxImagePixels, "must be >= 1");
        if (shutdownGrace == null || shutdownGrace.isNegative()) throw new Mm1jException("serve: --shutdown-grace must be >= 0");
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

    /** The defaults for a model called {@code modelName} with a context of {@code context} positions. */
    public static ServerConfig defaults(String modelName, int context) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, null, modelName, context, DEFAULT_PARALLEL, DEFAULT_QUEUE, DEFAULT_MAX_BODY,
            DEFAULT_MAX_IMAGES, DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_TIMEOUT, DEFAULT_PREFILL_CHUNK, false, DEFAULT_SHUTDOWN_GRACE,
            DEFAULT_WARMUP);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allowLocalFiles, shutdownGrace, warmup);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allowLocalFiles, shutdownGrace, warmup);
    }

    public ServerConfig withLimits(int parallel, int queue, long maxBodyBytes, int maxImages, long maxImagePixels, Duration timeout) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allowLocalFiles, shutdownGrace, warmup);
    }

    public ServerConfig withContext(int ctx) {
        return new ServerConfig(host, port, apiKey, modelName, ctx, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allowLocalFiles, shutdownGrace, warmup);
    }

    public ServerConfig withLocalFiles(boolean allow) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allow, shutdownGrace, warmup);
    }

    public ServerConfig withWarmup(Duration w) {
        return new ServerConfig(host, port, apiKey, modelName, context, parallel, queue, maxBodyBytes, maxImages, maxImagePixels, timeout,
            prefillChunk, allowLocalFiles, shutdownGrace, w);
    }

    private static Mm1jException bad(String name, long v, String why) {
        return new Mm1jException("serve: --" + name + "=" + v + " " + why);
    }
}
