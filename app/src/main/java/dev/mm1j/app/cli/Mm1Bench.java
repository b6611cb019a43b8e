package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Config;
import dev.mm1j.model.mm1.Mm1Family;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.mm1.RandomMm1Weights;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextConfig;
import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code mm1j bench --preset NAME --random-weights} (or {@code --model DIR --images N} on an MM1 checkpoint): the
 * whole multimodal path, like llama-bench: the images encoded (vision tower + connector), a prompt of -p text
 * tokens after them prefilled with the image embeddings spliced in, then -n tokens generated one at a time. Prints
 * ms per image, prompt and generation tokens/s, and the rates they imply: encoder and prefill GFLOP/s, generation's
 * weight bandwidth (bytes of weights read per token × tokens/s).
 */
final class Mm1Bench {
    static final String USAGE = """
        usage: mm1j bench --preset NAME --random-weights [--weights q8_0] [--experts N] [--images 1] [-p 64] [-n 32] [-r 3]
               mm1j bench --model DIR --images N [-p 64] [-n 32]            (an MM1 checkpoint; LLaVA: see below)

        The MM1 path end to end on seeded random weights generated in memory (no files; matmul weights written
        straight in the --weights type, e.g. q8_0) or on a checkpoint: --images random images encoded, a prompt of
        -p text tokens plus their image positions prefilled, -n tokens generated. One warm-up, then -r runs.
          --preset NAME     mm1-3b, mm1-7b, mm1-30b, mm1-3b-moe, mm1-7b-moe (spec §3)
          --random-weights  required with --preset (MM1 weights were never released)
          --weights T       matmul weights: q8_0, q4_0, bf16, f16, f32 (default f32 for presets: as stored otherwise)
          --experts N       experts per MoE layer instead of the preset's (64 for mm1-3b-moe do not fit in 24 GiB)
          --images N        images before the prompt (default 1; 0: text only)
          -p N              text tokens of the prompt (default 64)
          -n N              generated tokens (default 32; 0 skips)
          -r N              measured runs (default 3)
          --seed S          weights and inputs seed (default 42)
          --kv-type T       KV cache f32, f16, bf16 or auto (default auto: f16 where the backend computes on it)
        """;

    int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String preset = args.get("preset", null);
        boolean random = args.flag("random-weights");
        int experts = args.getInt("experts", 0);
        int images = args.getInt("images", 1);
        int p = args.has("p") ? args.getInt("p", 64) : args.getInt("n-prompt", 64);
        int n = args.has("n") ? args.getInt("n", 32) : args.getInt("n-gen", 32);
        int r = args.has("r") ? args.getInt("r", 3) : args.getInt("repetitions", 3);
        long seed = args.getLong("seed", 42);
        ModelOptions mo = ModelOptions.read(args, "auto");
        LlavaBench.Options llavaOptions = preset == null ? LlavaBench.Options.read(args) : null;
        args.checkUnknown();
        if (preset != null && mo.model != null) throw new CliException("give --preset (random weights) or --model, not both");
        if (preset != null && !random) throw new CliException("--preset needs --random-weights (MM1 weights were never released; the presets run on random weights)");
        if (preset == null && random) throw new CliException("--random-weights needs --preset NAME");
        if (images < 0 || p < 1 || n < 0 || r < 1) throw new CliException("--images and -n must be >= 0, -p and -r >= 1");
        if (experts < 0) throw new CliException("--experts must be positive, got " + experts);

        long t0 = System.nanoTime();
        LoadedModel model;
        String weightType;
        long randomBytes = 0;
        if (preset != null) {
            Mm1Config config = Mm1Config.preset(preset, experts);
            DType dtype = mo.options.weights() != null ? mo.options.weights() : DType.F32;
            weightType = dtype.toString();
            Backend backend = Backends.create(mo.options.backend(), BackendOptions.threads(mo.options.threads()));
            try {
                Ops ops = Ops.withHostFallback(backend);
                model = LoadedModel.of(preset, backend, ops, Mm1Family.random(config, dtype, seed, ops, memoryLimit()), mo.options);
            } catch (RuntimeException | Error e) {
                backend.close();
                throw e;
            }
            randomBytes = RandomMm1Weights.bytes(config, dtype);
        } else {
            model = mo.open(mo.requireModel(), "bench", err);
            weightType = model.text().describe().replaceAll(".*weights ", "");
        }
        try (model) {
            if (model.images() instanceof dev.mm1j.model.llava.LlavaModel llava) {
                err.println("mm1j bench: " + model.name() + ": " + llava.config().describe());
                err.printf(Locale.ROOT, "mm1j bench: ready in %.1f s; backend %s%n", (System.nanoTime() - t0) / 1e9, model.ops().backend().description());
                LlavaBench.measure(model, llava, weightType, llavaOptions, p, n, r, seed, TextBench.kvDtype(mo, model), mo.threads(), out, err);
                return 0;
            }
            if (llavaOptions != null && (!llavaOptions.files().isEmpty() || llavaOptions.width() > 0)) {
                throw new CliException("--image and --image-size are for LLaVA models; MM1 benchmarks random images of its encoder size");
            }
            if (!(model.images() instanceof Mm1Model mm1)) throw new CliException(model.name() + " is not an MM1 checkpoint (model_type mm1); for text models use mm1j bench --model without --images");
            Mm1Config config = mm1.config();
            err.println("mm1j bench: " + model.name() + ": " + config.describe());
            err.printf(Locale.ROOT, "mm1j bench: ready in %.1f s%s; backend %s%n", (System.nanoTime() - t0) / 1e9,
                randomBytes == 0 ? "" : String.format(Locale.ROOT, " (%.2f GiB of random weights)", randomBytes / (double) (1L << 30)), model.ops().backend().description());
            measure(model, mm1, model.name(), weightType, images, p, n, r, seed, TextBench.kvDtype(mo, model), mo.threads(), out);
        }
        return 0;
    }

    private static void measure(LoadedModel model, Mm1Model mm1, String name, String weightType, int images, int p, int n, int r, long seed,
                                DType kv, int threads, PrintStream out) {
        Ops ops = model.ops();
        Mm1Config config = mm1.config();
        String backend = ops.backend().name();
        TextConfig tc = config.text();
        int s = config.vision().encoderImageSize(), tokensPerImage = config.vision().connector().tokensPerImage(s / config.vision().vision().patchSize());
        SplittableRandom rnd = new SplittableRandom(seed ^ 0xbe7c4L);
        // the prompt: BOS, the images, then p - 1 random text ids (never the image id)
        int[] ids = new int[images + p];
        ids[0] = Math.max(tc.bosTokenId(), 0);
        for (int i = 1; i <= images; i++) ids[i] = config.imageTokenId();
        for (int i = images + 1; i < ids.length; i++) ids[i] = randomText(rnd, tc.vocabSize(), config.imageTokenId());
        int positions = p + images * tokensPerImage;
        double[] encodeMs = new double[r], prefillTps = new double[r], genTps = new double[r];
        double[] busy = new double[3]; // process CPU seconds per wall second, per phase, over the measured runs
        double[] wall = new double[3];
        try (Tensor pixels = randomPixels(rnd, Math.max(images, 1), s); KvCache cache = model.text().newCache(positions + n, kv);
             DecodeBatch batch = model.text().newDecodeBatch(1); Tensor last = ops.allocate(DType.F32, 1, tc.vocabSize())) {
            for (int run = -1; run < r; run++) {
                // 1. images
                long a = System.nanoTime(), ca = cpuNanos();
                ImageEncoder.Encoded enc = images > 0 ? mm1.encode(mm1.inputs(pixels.slice(0, 0, images))) : null;
                ops.synchronize();
                long b = System.nanoTime(), cb = cpuNanos();
                try {
                    // 2. prompt with the image embeddings spliced in
                    cache.reset();
                    int[] expanded = ImageSplice.expand(ids, config.imageTokenId(), images, tokensPerImage);
                    ImageSplice.prefill(model.text(), cache, expanded, enc == null ? null : enc.rows(), 0, expanded.length, last);
                    ops.synchronize();
                } finally {
                    if (enc != null) enc.close();
                }
                long c = System.nanoTime(), cc = cpuNanos();
                // 3. generation, one token at a time, logits read back as sampling does
                KvCache[] one = {cache};
                int[] tok = new int[1];
                for (int i = 0; i < n; i++) {
                    tok[0] = randomText(rnd, tc.vocabSize(), config.imageTokenId());
                    batch.step(one, tok, 1);
                    batch.copyLogitsToHost(1);
                }
                long d = System.nanoTime(), cd = cpuNanos();
                if (run >= 0) {
                    busy[0] += cb - ca;
                    busy[1] += cc - cb;
                    busy[2] += cd - cc;
                    wall[0] += b - a;
                    wall[1] += c - b;
                    wall[2] += d - c;
                    encodeMs[run] = images == 0 ? 0 : (b - a) / 1e6 / images;
                    prefillTps[run] = positions * 1e9 / (c - b);
                    genTps[run] = n == 0 ? 0 : n * 1e9 / (d - c);
                }
            }
        }
        double enc = mean(encodeMs), pp = mean(prefillTps), tg = mean(genTps);
        double vitFlops = VisionBench.encoderFlops(config.vision().vision(), s / config.vision().vision().patchSize());
        double tokenFlops = 2.0 * activeParams(tc); // multiply-adds of the decoder per token (weights only)
        double bytes = model.text().bytesPerToken();
        out.printf(Locale.ROOT, "| %-14s | %-8s | %-10s | %7s | %-22s | %26s | %-26s | %5s |%n", "model", "weights", "backend", "threads", "test", "result", "implies", "cores");
        out.printf(Locale.ROOT, "| %-14s | %-8s | %-10s | %7s | %-22s | %26s | %-26s | %5s |%n", "-".repeat(14), "-".repeat(8), "-".repeat(10), "-".repeat(7), "-".repeat(22), "-".repeat(26), "-".repeat(26), "-".repeat(5));
        String row = "| %-14s | %-8s | %-10s | %7d | %-22s | %26s | %-26s | %5.2f |%n";
        if (images > 0) {
            out.printf(Locale.ROOT, row, name, weightType, backend, threads, "image " + s + "px x" + images, meanSd(encodeMs, "ms/image"),
                String.format(Locale.ROOT, "encoder %.1f GFLOP/s", vitFlops / (enc / 1e3) / 1e9), cores(busy[0], wall[0]));
        }
        out.printf(Locale.ROOT, row, name, weightType, backend, threads, "pp" + p + (images > 0 ? "+" + images * tokensPerImage + " image" : ""),
            meanSd(prefillTps, "t/s"), String.format(Locale.ROOT, "%.1f GFLOP/s", pp * tokenFlops / 1e9), cores(busy[1], wall[1]));
        if (n > 0) {
            out.printf(Locale.ROOT, row, name, weightType, backend, threads, "tg" + n, meanSd(genTps, "t/s"),
                String.format(Locale.ROOT, "weights %.1f GB/s", tg * bytes / 1e9), cores(busy[2], wall[2]));
        }
        out.println("(cores: process CPU time / wall time of the phase; below the thread count the machine was busy with other work)");
        out.printf(Locale.ROOT, "(decoder: %.2f B parameters, %.2f B active per token, %.2f GB of weights read per generated token; encoder %.0f GFLOP per image; KV cache %s)%n",
            totalParams(tc) / 1e9, activeParams(tc) / 1e9, bytes / 1e9, vitFlops / 1e9, kv);
    }

    /** Decoder weights one token multiplies with: attention, the dense FFNs, k of E experts, the head. */
    static double activeParams(TextConfig c) {
        double d = c.hiddenSize(), f = c.intermediateSize();
        double total = d * c.vocabSize();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            total += 2 * d * c.qDim() + 2 * d * c.kvDim();
            total += c.isMoeLayer(i) ? c.numExpertsPerTok() * 3 * d * f + c.numLocalExperts() * d : 3 * d * f;
        }
        return total;
    }

    static double totalParams(TextConfig c) {
        double d = c.hiddenSize(), f = c.intermediateSize();
        double total = d * c.vocabSize() * (c.tieWordEmbeddings() ? 1 : 2);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            total += 2 * d * c.qDim() + 2 * d * c.kvDim();
            total += c.isMoeLayer(i) ? c.numLocalExperts() * (3 * d * f + d) : 3 * d * f;
        }
        return total;
    }

    private static double cores(double cpu, double wallNanos) {
        return wallNanos == 0 ? 0 : cpu / wallNanos;
    }

    /** CPU time of the whole process (every thread), or 0 where the JVM does not tell. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
            ? Math.max(0, os.getProcessCpuTime()) : 0;
    }

    /**
     * The memory random weights may take: what the OS reports available now (Linux MemAvailable: free plus
     * reclaimable cache), less 1.5 GiB for activations, KV cache and the JVM; elsewhere the RAM less 3 GiB. A shared
     * machine's other work counts: a model that would fit an idle machine is refused rather than OOM-killed.
     */
    static long memoryLimit() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Math.max(1L << 30, kb * 1024 - (3L << 29));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: fall through
        }
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(1L << 30, os.getTotalMemorySize() - (3L << 30));
        }
        return Long.MAX_VALUE;
    }

    private static int randomText(SplittableRandom rnd, int vocab, int image) {
        int id;
        do {
            id = rnd.nextInt(vocab);
        } while (id == image);
        return id;
    }

    private static Tensor randomPixels(SplittableRandom rnd, int n, int size) {
        float[] px = new float[Math.toIntExact((long) n * 3 * size * size)];
        for (int i = 0; i < px.length; i++) px[i] = (float) (rnd.nextDouble() * 4 - 2);
        return Tensor.of(px, n, 3, size, size);
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    static String meanSd(double[] x, String unit) {
        double m = mean(x), ss = 0;
        for (double v : x) ss += (v - m) * (v - m);
        double sd = x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f ± %.2f %s", m, sd, unit);
    }
}
