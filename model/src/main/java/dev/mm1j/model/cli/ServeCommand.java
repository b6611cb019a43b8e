package dev.mm1j.model.cli;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.server.OpenAiServer;
import dev.mm1j.model.server.ServedModel;
import dev.mm1j.model.server.ServedModels;
import dev.mm1j.model.server.ServerConfig;
import java.io.PrintStream;
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
        return "usage: mm1j serve --model PATH [options]\n\n"
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
            + "  --template NAME     chat format: llama3, chatml, mistral, mm1, raw (default: from the checkpoint)\n"
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
        ModelOptions mo = ModelOptions.read(a, 0, "auto");
        String host = a.get("host", ServerConfig.DEFAULT_HOST);
        int port = a.getInt("port", ServerConfig.DEFAULT_PORT);
        String key = a.get("api-key", System.getenv(API_KEY_ENV));
        if (key != null && key.isBlank()) key = null;
        String alias = a.get("alias", null);
        int parallel = a.has("np") ? a.getInt("np", ServerConfig.DEFAULT_PARALLEL) : a.getInt("parallel", ServerConfig.DEFAULT_PARALLEL);
        int queue = a.getInt("queue", ServerConfig.DEFAULT_QUEUE);
        int ctx = a.has("c") ? a.getInt("c", 0) : a.getInt("ctx", 0);
        if (ctx < 0) throw new CliException("--ctx must be positive, got " + ctx);
        long maxBody = a.getLong("max-body", ServerConfig.DEFAULT_MAX_BODY);
        int maxImages = a.getInt("max-images", ServerConfig.DEFAULT_MAX_IMAGES);
        long maxPixels = a.getLong("max-pixels", ServerConfig.DEFAULT_MAX_IMAGE_PIXELS);
        double timeout = a.getDouble("timeout", ServerConfig.DEFAULT_TIMEOUT.toSeconds());
        int prefillChunk = a.getInt("prefill-chunk", ServerConfig.DEFAULT_PREFILL_CHUNK);
        boolean localFiles = a.flag("allow-local-files");
        double grace = a.getDouble("shutdown-grace", ServerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds());
        double warmup = a.getDouble("warmup", ServerConfig.DEFAULT_WARMUP.toSeconds());
        String template = a.get("template", null);
        a.checkUnknown();
        if (!a.positional().isEmpty()) throw new CliException("unexpected argument '" + a.positional().getFirst() + "'");
        if (!(timeout > 0) || !(grace >= 0) || !(warmup >= 0)) throw new CliException("--timeout must be > 0, --shutdown-grace and --warmup >= 0");
        ChatTemplate t = template == null ? null : ChatTemplate.byName(template);
        String name = alias != null ? alias : mo.model.toAbsolutePath().normalize().getFileName().toString();

        Backend backend = mo.createBackend();
        ServedModel model;
        try {
            err.println("mm1j serve: loading " + mo.model + " on " + backend.name() + " ...");
            model = ServedModels.open(mo.model, mo.weights, ModelOptions.ops(backend), kvDtype(mo, backend, ctx, parallel), t, line -> err.println("mm1j serve: " + line));
        } catch (Exception | Error e) {
            backend.close();
            throw e;
        }
        try (backend; model) {
            int context = ctx > 0 ? ctx : Math.min(model.defaultContext(), 4096);
            ServerConfig config = new ServerConfig(host, port, key, name, context, parallel, queue, maxBody, maxImages, maxPixels,
                Duration.ofMillis((long) (timeout * 1000)), prefillChunk, localFiles, Duration.ofMillis((long) (grace * 1000)),
                Duration.ofMillis((long) (warmup * 1000)));
            OpenAiServer server = OpenAiServer.start(model, config, line -> err.println("mm1j serve: " + line));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("mm1j serve: shutting down (running answers get " + config.shutdownGrace().toSeconds() + " s to finish) ...");
                server.close();
                err.println("mm1j serve: stopped");
                stopped.countDown();
            }, "mm1j-shutdown"));
            err.println("mm1j serve: " + model.describe());
            long kv = dev.mm1j.model.text.KvCache.bytes(model.text().config(), context, model.kvDtype()) * parallel;
            err.printf(java.util.Locale.ROOT, "mm1j serve: model '%s', context %d, %d parallel sequences (KV caches %s %.1f MiB), queue %d%s%n", name,
                context, parallel, model.kvDtype(), kv / 1048576.0, queue, key != null ? ", API key required" : "");
            out.println("mm1j serve: listening on http://" + hostForUrl(host) + ":" + server.port() + "/v1");
            out.flush();
            stopped.await();
        }
        return 0;
    }

    /**
     * --kv-type, or for auto: F32 while all the caches take at most 256 MiB in F32 (exact: small models answer as
     * in PyTorch and as the Mm1 API), else what the backend computes on ({@link ModelOptions#kvDtype}).
     */
    static dev.mm1j.core.DType kvDtype(ModelOptions mo, Backend backend, int ctx, int parallel) throws java.io.IOException {
        dev.mm1j.core.DType preferred = mo.kvDtype(backend);
        java.nio.file.Path cfg = mo.model.resolve("config.json");
        if (!mo.kvType.equals("auto") || !java.nio.file.Files.isRegularFile(cfg)) return preferred;
        dev.mm1j.model.text.TextConfig c = dev.mm1j.model.text.TextConfig.load(cfg);
        int context = ctx > 0 ? ctx : Math.min(Math.min(c.maxPositionEmbeddings(), c.maxContext()), 4096);
        long f32 = dev.mm1j.model.text.KvCache.bytes(c, context, dev.mm1j.core.DType.F32) * parallel;
        return f32 <= 256L << 20 ? dev.mm1j.core.DType.F32 : preferred;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
