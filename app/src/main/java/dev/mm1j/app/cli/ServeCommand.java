package dev.mm1j.app.cli;

import dev.mm1j.app.server.OpenAiServer;
import dev.mm1j.app.server.ServerConfig;
import dev.mm1j.core.DType;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.text.KvCache;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code mm1j serve}: the OpenAI-compatible HTTP server. */
final class ServeCommand implements Command, Main.SwitchAware {
    static final String API_KEY_ENV = "MM1J_API_KEY";

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "OpenAI-compatible HTTP server (chat with images, streaming, batching)";
    }

    @Override
    public String usage() {
        return "usage: mm1j serve [--model PATH] [options]      (default: the demo model)\n\n"
            + "Serves POST /v1/chat/completions (text and image_url parts, stream: true for server-sent events),\n"
            + "POST /v1/completions, GET /v1/models and GET /health. All active requests are decoded together\n"
            + "(continuous batching); Ctrl-C (SIGINT/SIGTERM) lets running answers finish, then exits.\n\noptions:\n"
            + "  --host ADDR         address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)\n"
            + "  --port N            TCP port (default " + ServerConfig.DEFAULT_PORT + "; 0 = any free port)\n"
            + "  --api-key KEY       require 'Authorization: Bearer KEY' on every route but /health\n"
            + "                      (default: the " + API_KEY_ENV + " environment variable; none if unset)\n"
            + "  --alias NAME        the model id clients use (default: the checkpoint folder's name)\n"
            + "  --parallel N, -np N sequences decoded together, one KV cache each (default " + ServerConfig.DEFAULT_PARALLEL + ")\n"
            + "  --queue N           requests waiting for a sequence at most; more get 429 (default " + ServerConfig.DEFAULT_QUEUE + ")\n"
            + "  --ctx N, -c N       context per sequence: prompt (images expanded) + max_tokens (default: the model's, at most 4096)\n"
            + "  --max-body BYTES    largest request body; larger get 413 (default " + ServerConfig.DEFAULT_MAX_BODY + ")\n"
            + "  --max-images N      images per request (default " + ServerConfig.DEFAULT_MAX_IMAGES + ")\n"
            + "  --max-pixels N      width x height of one decoded image (default " + ServerConfig.DEFAULT_MAX_IMAGE_PIXELS + ")\n"
            + "  --timeout SECONDS   per request, from arrival to the last token (default " + ServerConfig.DEFAULT_TIMEOUT.toSeconds() + ")\n"
            + "  --prefill-chunk N   prompt positions processed between two decode steps (default " + ServerConfig.DEFAULT_PREFILL_CHUNK + ")\n"
            + "  --allow-local-files DIR  accept file:// image URLs of files inside DIR (real paths: links out of it are refused)\n"
            + "  --max-connections N connections being read or answered at once; more get 503 (default " + ServerConfig.DEFAULT_MAX_CONNECTIONS + ")\n"
            + "  --request-timeout S a request's headers and body must arrive within S seconds of its first byte, else\n"
            + "                      the connection is closed (default " + ServerConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds() + ")\n"
            + "  --send-timeout S    one write to a client may block S seconds (a client that stopped reading), then the\n"
            + "                      connection is closed and its generation cancelled (default " + ServerConfig.DEFAULT_SEND_TIMEOUT.toSeconds() + ")\n"
            + "  --idle-timeout S    a kept-alive connection may wait S seconds for its next request (default " + ServerConfig.DEFAULT_IDLE_TIMEOUT.toSeconds() + ")\n"
            + "  --parse-special     recognise special tokens (</s>, <|im_end|>...) written in messages and prompts, as\n"
            + "                      Hugging Face's apply_chat_template does; off: they stay text and cannot forge turns\n"
            + "  --shutdown-grace S  seconds running answers may take to finish at shutdown (default " + ServerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds() + ")\n"
            + "  --warmup SECONDS    run the model on a dummy prompt this long before listening, so that the first\n"
            + "                      clients do not wait for the JIT (default " + ServerConfig.DEFAULT_WARMUP.toSeconds() + "; 0 = off)\n"
            + ModelOptions.TEMPLATE_HELP.replace("  --template NAME  ", "  --template NAME    ")
            + ModelOptions.HELP
            + "  --kv-type T         KV-cache storage: f32, f16, bf16 or auto (f32 while all caches fit in 256 MiB,\n"
            + "                      else f16 when the backend computes on it)\n";
    }

    @Override
    public Set<String> switches() {
        return Set.of("parse-special");
    }

    @Override
    public int run(Args a, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(a, "auto");
        String host = a.get("host", ServerConfig.DEFAULT_HOST);
        int port = a.getInt("port", ServerConfig.DEFAULT_PORT);
        String key = a.get("api-key", System.getenv(API_KEY_ENV));
        if (key != null && key.isBlank()) key = null;
        String alias = a.get("alias", null);
        int parallel = a.has("np") ? a.getInt("np", ServerConfig.DEFAULT_PARALLEL) : a.getInt("parallel", ServerConfig.DEFAULT_PARALLEL);
        int queue = a.getInt("queue", ServerConfig.DEFAULT_QUEUE);
        long maxBody = a.getLong("max-body", ServerConfig.DEFAULT_MAX_BODY);
        int maxImages = a.getInt("max-images", ServerConfig.DEFAULT_MAX_IMAGES);
        long maxPixels = a.getLong("max-pixels", ServerConfig.DEFAULT_MAX_IMAGE_PIXELS);
        double timeout = a.getDouble("timeout", ServerConfig.DEFAULT_TIMEOUT.toSeconds());
        int prefillChunk = a.getInt("prefill-chunk", ServerConfig.DEFAULT_PREFILL_CHUNK);
        String localFiles = a.get("allow-local-files", null);
        int maxConnections = a.getInt("max-connections", ServerConfig.DEFAULT_MAX_CONNECTIONS);
        double requestTimeout = a.getDouble("request-timeout", ServerConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds());
        double sendTimeout = a.getDouble("send-timeout", ServerConfig.DEFAULT_SEND_TIMEOUT.toSeconds());
        long idleTimeout = a.getLong("idle-timeout", ServerConfig.DEFAULT_IDLE_TIMEOUT.toSeconds());
        boolean parseSpecial = a.flag("parse-special");
        double grace = a.getDouble("shutdown-grace", ServerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds());
        double warmup = a.getDouble("warmup", ServerConfig.DEFAULT_WARMUP.toSeconds());
        a.checkUnknown();
        if (!a.positional().isEmpty()) throw new CliException("unexpected argument '" + a.positional().getFirst() + "'");
        if (!(timeout > 0) || !(grace >= 0) || !(warmup >= 0)) throw new CliException("--timeout must be > 0, --shutdown-grace and --warmup >= 0");
        if (!(requestTimeout > 0) || !(sendTimeout > 0) || idleTimeout < 1) {
            throw new CliException("--request-timeout and --send-timeout must be > 0, --idle-timeout at least 1 (seconds)");
        }
        Path path = mo.modelOrDefault();
        String name = alias != null ? alias : path.toAbsolutePath().normalize().getFileName().toString();
        err.println("mm1j serve: loading " + path + " ...");
        try (LoadedModel model = mo.open(path, "serve", err)) {
            int context = model.context();
            ServerConfig config = new ServerConfig(host, port, key, name, context, parallel, queue, maxBody, maxImages, maxPixels,
                Duration.ofMillis((long) (timeout * 1000)), prefillChunk, localFiles == null ? null : Path.of(localFiles),
                Duration.ofMillis((long) (grace * 1000)), Duration.ofMillis((long) (warmup * 1000)), maxConnections,
                Duration.ofMillis((long) (requestTimeout * 1000)), Duration.ofMillis((long) (sendTimeout * 1000)), Duration.ofSeconds(idleTimeout),
                parseSpecial);
            jdkServerProperties(config);
            OpenAiServer server = OpenAiServer.start(model, config, line -> err.println("mm1j serve: " + line));
            DType kvDtype = model.kvDtype(context, parallel);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("mm1j serve: shutting down (running answers get " + config.shutdownGrace().toSeconds() + " s to finish) ...");
                server.close();
                err.println("mm1j serve: stopped");
                stopped.countDown();
            }, "mm1j-shutdown"));
            err.println("mm1j serve: " + model.describe());
            long kv = KvCache.bytes(model.text().config(), context, kvDtype) * parallel;
            err.printf(java.util.Locale.ROOT, "mm1j serve: model '%s', context %d, %d parallel sequences (KV caches %s %.1f MiB), queue %d%s%n", name,
                context, parallel, kvDtype, kv / 1048576.0, queue, key != null ? ", API key required" : "");
            out.println("mm1j serve: listening on http://" + hostForUrl(host) + ":" + server.port() + "/v1");
            out.flush();
            stopped.await();
        }
        return 0;
    }

    /**
     * The JDK server's own limits, which are system properties read once per process (a -D given by the user wins):
     * idle kept-alive connections closed after --idle-timeout (checked every second), connections that send nothing
     * closed after --request-timeout, and a ceiling on open connections (idle ones included) above the server's own
     * --max-connections tiers.
     */
    static void jdkServerProperties(ServerConfig c) {
        setIfAbsent("sun.net.httpserver.idleInterval", c.idleTimeout().toSeconds());
        setIfAbsent("sun.net.httpserver.clockTick", 1000);
        setIfAbsent("sun.net.httpserver.maxReqTime", Math.max(1, (c.requestTimeout().toMillis() + 999) / 1000));
        setIfAbsent("jdk.httpserver.maxConnections", 2L * c.maxConnections() + 256);
    }

    private static void setIfAbsent(String key, long value) {
        if (System.getProperty(key) == null) System.setProperty(key, Long.toString(value));
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
