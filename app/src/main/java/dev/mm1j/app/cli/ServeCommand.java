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
            + "  --allow-local-files accept file:// image URLs (read from this machine's disk)\n"
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
        return Set.of("allow-local-files");
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
        boolean localFiles = a.flag("allow-local-files");
        double grace = a.getDouble("shutdown-grace", ServerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds());
        double warmup = a.getDouble("warmup", ServerConfig.DEFAULT_WARMUP.toSeconds());
        a.checkUnknown();
        if (!a.positional().isEmpty()) throw new CliException("unexpected argument '" + a.positional().getFirst() + "'");
        if (!(timeout > 0) || !(grace >= 0) || !(warmup >= 0)) throw new CliException("--timeout must be > 0, --shutdown-grace and --warmup >= 0");
        Path path = mo.modelOrDefault();
        String name = alias != null ? alias : path.toAbsolutePath().normalize().getFileName().toString();
        err.println("mm1j serve: loading " + path + " ...");
        try (LoadedModel model = mo.open(path, "serve", err)) {
            int context = model.context();
            ServerConfig config = new ServerConfig(host, port, key, name, context, parallel, queue, maxBody, maxImages, maxPixels,
                Duration.ofMillis((long) (timeout * 1000)), prefillChunk, localFiles, Duration.ofMillis((long) (grace * 1000)),
                Duration.ofMillis((long) (warmup * 1000)));
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

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
