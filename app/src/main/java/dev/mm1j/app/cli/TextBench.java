package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code mm1j bench [text] --model PATH}: prompt processing and generation speed, measured like llama.cpp's llama-bench: ppN
 * prefills N random tokens into an empty cache, tgN decodes N tokens one at a time from an empty cache; each
 * test runs once to warm up, then {@code -r} times (mean ± standard deviation). Also prints the memory
 * bandwidth generation achieves: weight bytes read per token × tokens/s.
 */
final class TextBench {
    static final String USAGE = "usage: mm1j bench [text] --model PATH [-p 128] [-n 64] [-r 3] [-t THREADS]\n\n"
            + "ppN: N random prompt tokens prefilled into an empty KV cache; tgN: N tokens decoded one at a time from\n"
            + "an empty cache. Each test runs once as a warm-up, then -r times. Prints tokens/s (mean ± sd) and, for\n"
            + "generation, the weight bandwidth (bytes of weights read per token × tokens/s).\n\noptions:\n"
            + "  -p N, --n-prompt N   prompt tokens (default 128; 0 skips the test)\n"
            + "  -n N, --n-gen N      generated tokens (default 64; 0 skips the test)\n"
            + "  -r N, --repetitions N  measured runs per test (default 3)\n"
            + "  --kv-type T          KV-cache storage f32, f16, bf16 or auto (default auto: f16 where the backend computes on it)\n"
            + TextBenchModes.HELP
            + ModelOptions.HELP;

    int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int p = args.has("p") ? args.getInt("p", 128) : args.getInt("n-prompt", 128);
        int n = args.has("n") ? args.getInt("n", 64) : args.getInt("n-gen", 64);
        int r = args.has("r") ? args.getInt("r", 3) : args.getInt("repetitions", 3);
        ModelOptions mo = ModelOptions.read(args, "auto");
        java.util.List<Integer> parallel = args.has("parallel") ? TextBenchModes.list(args.get("parallel", ""), "parallel") : java.util.List.of();
        java.util.List<Integer> depth = args.has("depth") ? TextBenchModes.list(args.get("depth", ""), "depth") : java.util.List.of();
        int ctx = args.getInt("ctx", 0);
        args.checkUnknown();
        if (p < 0 || n < 0 || (p == 0 && n == 0)) throw new CliException("-p and -n must be >= 0 and not both 0");
        if (r < 1) throw new CliException("-r must be at least 1, got " + r);
        Path path = mo.requireModel();
        err.println("mm1j bench: loading " + path + " ...");
        try (LoadedModel loaded = mo.open(path, "bench", err)) {
            TextModel model = loaded.text();
            Ops ops = loaded.ops();
            DType kv = kvDtype(mo, loaded);
            Backend backend = ops.backend();
            err.println("mm1j bench: " + model.describe() + "; backend " + backend.description() + "; KV cache " + kv);
            String modelName = model.config().modelType() + " " + human(model.parameterCount()) + " " + model.describe().replaceAll(".*weights ", "");
            out.printf(Locale.ROOT, "| %-22s | %10s | %-10s | %7s | %6s | %18s | %12s | %9s |%n", "model", "size", "backend", "threads", "test", "t/s", "weights GB/s", "t/s (CPU)");
            out.printf(Locale.ROOT, "| %-22s | %10s | %-10s | %7s | %6s | %18s | %12s | %9s |%n", "-".repeat(22), "-".repeat(10), "-".repeat(10), "-".repeat(7), "-".repeat(6), "-".repeat(18), "-".repeat(12), "-".repeat(9));
            String size = String.format(Locale.ROOT, "%.2f GiB", model.weightBytes() / (double) (1L << 30));
            int threads = mo.threads();
            SplittableRandom rnd = new SplittableRandom(1234);
            int vocab = model.config().vocabSize();
            boolean modes = !parallel.isEmpty() || !depth.isEmpty();
            if (!modes) try (KvCache cache = model.newCache(Math.max(p, n), kv)) {
                if (p > 0) {
                    double[] tps = measure(r, () -> prefill(model, cache, randomIds(rnd, p, vocab)), p, threads);
                    out.printf(Locale.ROOT, "| %-22s | %10s | %-10s | %7d | %6s | %18s | %12s | %9.2f |%n", modelName, size, backend.name(), threads, "pp" + p, meanSd(tps), "", tps[r]);
                }
                if (n > 0) {
                    try (DecodeBatch batch = model.newDecodeBatch(1)) {
                        double[] tps = measure(r, () -> generate(batch, cache, randomIds(rnd, n, vocab)), n, threads);
                        double gbs = mean(tps) * model.bytesPerToken() / 1e9;
                        out.printf(Locale.ROOT, "| %-22s | %10s | %-10s | %7d | %6s | %18s | %12.1f | %9.2f |%n", modelName, size, backend.name(), threads, "tg" + n, meanSd(tps), gbs, tps[r]);
                    }
                }
            }
            if (!parallel.isEmpty()) TextBenchModes.parallel(model, kv, parallel, p, n, r, threads, out);
            if (!depth.isEmpty()) TextBenchModes.depth(model, kv, depth, n, ctx, r, threads, modelName, out);
            err.printf(Locale.ROOT, "mm1j bench: generation reads %.3f GB of weights per token; t/s (CPU) = tokens / (process CPU time / threads),"
                + " what the rate would be with the cores to ourselves (for shared machines)%n", model.bytesPerToken() / 1e9);
        }
        return 0;
    }

    /**
     * The KV-cache dtype of a benchmark: --kv-type, or for auto what the backend computes on (F16 where it runs
     * attention on F16, as llama-bench's default cache), so that speeds compare with llama.cpp's.
     */
    static DType kvDtype(ModelOptions mo, LoadedModel model) {
        if (mo.options.kvCache() != null) return mo.options.kvCache();
        return model.computesOn(DType.F16) ? DType.F16 : DType.F32;
    }

    /** 1.24B, 75.3M, 12.0K. */
    static String human(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        return String.format(Locale.ROOT, "%.1fK", n / 1e3);
    }

    private static int[] randomIds(SplittableRandom rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }

    private static long prefill(TextModel model, KvCache cache, int[] ids) {
        cache.reset();
        try (Tensor logits = model.ops().allocate(DType.F32, 1, model.config().vocabSize())) {
            long t0 = System.nanoTime();
            model.prefill(cache, ids, logits);
            model.ops().synchronize();
            return System.nanoTime() - t0;
        }
    }

    private static long generate(DecodeBatch batch, KvCache cache, int[] ids) {
        cache.reset();
        KvCache[] one = {cache};
        int[] tok = new int[1];
        long t0 = System.nanoTime();
        for (int id : ids) {
            tok[0] = id;
            batch.step(one, tok, 1);
            batch.copyLogitsToHost(1); // generation reads the logits back to sample
        }
        return System.nanoTime() - t0;
    }

    /** One warm-up run, then r measured runs: tokens/s of each, then (last entry) tokens/s of process CPU time per thread. */
    private static double[] measure(int r, java.util.function.LongSupplier run, int tokens, int threads) {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        run.getAsLong();
        double[] tps = new double[r + 1];
        long cpu0 = os.getProcessCpuTime();
        for (int i = 0; i < r; i++) tps[i] = tokens * 1e9 / run.getAsLong();
        long cpu = os.getProcessCpuTime() - cpu0;
        tps[r] = cpu > 0 ? (double) tokens * r * 1e9 * threads / cpu : 0;
        return tps;
    }

    /** Mean of the measured runs (the last entry is the CPU-time rate). */
    private static double mean(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length - 1; i++) s += x[i];
        return s / (x.length - 1);
    }

    private static String meanSd(double[] x) {
        int n = x.length - 1;
        double m = mean(x), ss = 0;
        for (int i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f ± %.2f", m, sd);
    }
}
