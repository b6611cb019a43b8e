package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The extra modes of {@code mm1j bench text}, measured like llama.cpp's tools so the figures compare:
 * <ul>
 *   <li>{@code --parallel 8,32} (llama-batched-bench {@code -npp P -ntg N -npl 8,32}): B sequences, each prefilled
 *       with P random tokens in its own cache (PP: B·P tokens / time), then N decode steps over all B sequences at
 *       once (TG: B·N tokens / time), the logits read back every step; S = (B·P + B·N) / total time.</li>
 *   <li>{@code --depth 100,4000} (llama-bench {@code -d}): tgN after D tokens already in the cache (a context of
 *       {@code --ctx}, default D + N), so decode attention reads D + i keys at step i.</li>
 * </ul>
 */
final class TextBenchModes {
    private TextBenchModes() {}

    static final String HELP = "  --parallel LIST      also: LIST (e.g. 8,32) sequences prefilled with -p tokens each, then -n decode steps\n"
            + "                       over all of them at once (aggregate t/s, like llama-batched-bench -npl)\n"
            + "  --depth LIST         also: tg after D tokens already in the cache, for each D (like llama-bench -d)\n"
            + "  --ctx N              KV-cache positions for --depth (default D + n)\n"
            + "                       (with --parallel or --depth only those tests run)\n";

    static List<Integer> list(String value, String option) {
        List<Integer> l = new ArrayList<>();
        for (String s : value.split(",")) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < (option.equals("depth") ? 0 : 1)) throw new NumberFormatException();
                l.add(v);
            } catch (NumberFormatException e) {
                throw new CliException("--" + option + " takes a comma-separated list of " + (option.equals("depth") ? "counts >= 0" : "counts >= 1") + ", got '" + value + "'");
            }
        }
        return l;
    }

    /** llama-batched-bench: B caches prefilled with p tokens, then n steps of B rows; r repetitions, best and mean printed. */
    static void parallel(TextModel model, DType kv, List<Integer> batches, int p, int n, int r, int threads, PrintStream out) {
        SplittableRandom rnd = new SplittableRandom(4321);
        int vocab = model.config().vocabSize();
        out.printf(Locale.ROOT, "%n| %6s | %6s | %6s | %10s | %10s | %10s | %10s | %10s |%n", "PP", "TG", "B", "T_PP s", "S_PP t/s", "T_TG s", "S_TG t/s", "S t/s");
        out.printf(Locale.ROOT, "| %6s | %6s | %6s | %10s | %10s | %10s | %10s | %10s |%n", "-".repeat(6), "-".repeat(6), "-".repeat(6), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(10));
        for (int b : batches) {
            KvCache[] caches = new KvCache[b];
            try (DecodeBatch batch = model.newDecodeBatch(b); Tensor logits = model.ops().allocate(DType.F32, 1, vocab)) {
                for (int i = 0; i < b; i++) caches[i] = model.newCache(p + n, kv);
                int[] tokens = new int[b];
                for (int rep = -1; rep < r; rep++) { // rep -1: warm-up
                    long t0 = System.nanoTime();
                    for (KvCache c : caches) {
                        c.reset();
                        if (p > 0) model.prefill(c, randomIds(rnd, p, vocab), logits);
                    }
                    model.ops().backend().synchronize();
                    long t1 = System.nanoTime();
                    for (int step = 0; step < n; step++) {
                        for (int i = 0; i < b; i++) tokens[i] = rnd.nextInt(vocab);
                        batch.step(caches, tokens, b);
                        batch.copyLogitsToHost(b);
                    }
                    long t2 = System.nanoTime();
                    if (rep < 0) continue;
                    double tpp = (t1 - t0) / 1e9, ttg = (t2 - t1) / 1e9;
                    out.printf(Locale.ROOT, "| %6d | %6d | %6d | %10.3f | %10.2f | %10.3f | %10.2f | %10.2f |%n", p, n, b, tpp, b * p / tpp, ttg, b * n / ttg,
                        b * (double) (p + n) / (tpp + ttg));
                }
            } finally {
                for (KvCache c : caches) if (c != null) c.close();
            }
        }
    }

    /** llama-bench -d: n tokens decoded one at a time after d tokens prefilled, in a cache of ctx positions (0: d + n). */
    static void depth(TextModel model, DType kv, List<Integer> depths, int n, int ctx, int r, int threads, String name, PrintStream out) {
        SplittableRandom rnd = new SplittableRandom(5678);
        int vocab = model.config().vocabSize();
        out.printf(Locale.ROOT, "%n| %-22s | %7s | %7s | %12s | %18s |%n", "model", "threads", "ctx", "test", "t/s");
        out.printf(Locale.ROOT, "| %-22s | %7s | %7s | %12s | %18s |%n", "-".repeat(22), "-".repeat(7), "-".repeat(7), "-".repeat(12), "-".repeat(18));
        for (int d : depths) {
            int capacity = ctx > 0 ? ctx : d + n;
            if (d + n > capacity) throw new CliException("--depth " + d + " and -n " + n + " need " + (d + n) + " positions, --ctx is " + capacity);
            try (KvCache cache = model.newCache(capacity, kv); DecodeBatch batch = model.newDecodeBatch(1);
                 Tensor logits = model.ops().allocate(DType.F32, 1, vocab)) {
                int[] prompt = randomIds(rnd, d, vocab);
                KvCache[] one = {cache};
                int[] tok = new int[1];
                double[] tps = new double[r];
                for (int rep = -1; rep < r; rep++) {
                    cache.reset();
                    if (d > 0) model.prefill(cache, prompt, logits);
                    model.ops().backend().synchronize();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        tok[0] = rnd.nextInt(vocab);
                        batch.step(one, tok, 1);
                        batch.copyLogitsToHost(1);
                    }
                    if (rep >= 0) tps[rep] = n * 1e9 / (System.nanoTime() - t0);
                }
                double m = 0, ss = 0;
                for (double v : tps) m += v / r;
                for (double v : tps) ss += (v - m) * (v - m);
                out.printf(Locale.ROOT, "| %-22s | %7d | %7d | %12s | %18s |%n", name, threads, capacity, "tg" + n + " @ d" + d,
                    String.format(Locale.ROOT, "%.2f ± %.2f", m, r > 1 ? Math.sqrt(ss / (r - 1)) : 0));
            }
        }
    }

    private static int[] randomIds(SplittableRandom rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }
}
