package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.vision.Connector;
import dev.mm1j.model.vision.ConnectorConfig;
import dev.mm1j.model.vision.ImagePreprocessConfig;
import dev.mm1j.model.vision.ImageSplitConfig;
import dev.mm1j.model.vision.RandomVisionWeights;
import dev.mm1j.model.vision.VisionConfig;
import dev.mm1j.model.vision.VisionPipelineConfig;
import dev.mm1j.model.vision.VisionTower;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code mm1j bench vision}: times the ViT forward and the connector on seeded random weights of a preset,
 * for each weight dtype asked for, and prints ms per image (min and median over the timed runs), the
 * encoder's GFLOP/s and the CPU time the process spent per image in the encoder (all threads: compared with
 * the wall time it shows how well the threads were used, and it is less sensitive to other load).
 */
final class VisionBench {
    /** The text hidden size d of each MM1 preset (spec §3): the connector's output width. */
    static final Map<String, Long> PRESET_TEXT_HIDDEN = Map.of(
        "mm1-3b", 3072L, "mm1-7b", 4096L, "mm1-30b", 6656L, "mm1-3b-moe", 3072L, "mm1-7b-moe", 4096L);

    static final String USAGE = """
        usage: mm1j bench vision [--preset mm1-3b] [--dtype f32,bf16] [--threads N] [--backend NAME]
                                 [--batch N] [--image-size S] [--layers N] [--warmup N] [--iters N] [--seed N]

        Times the vision encoder (ViT-H/14-378 for every MM1 preset) and the C-Abstractor on random weights.
          --preset      mm1-3b, mm1-7b, mm1-30b, mm1-3b-moe, mm1-7b-moe (the connector's output width)
          --dtype       weight dtypes to time, comma-separated: f32, bf16, f16 (default f32,bf16)
          --threads     backend threads (default: all cores)
          --backend     auto, cpu, reference, ... (default auto; unsupported ops fall back to reference)
          --batch       images per forward (default 1)
          --image-size  pixels per side (default image_size; e.g. 672 for a split tile)
          --layers      encoder layers to run (default all: a smaller number gives a quick estimate)
          --warmup      untimed runs first (default 1)
          --iters       timed runs (default 3)
        """;

    int run(Args args, PrintStream out, PrintStream err) {
        String preset = args.get("preset", "mm1-3b");
        String dtypes = args.get("dtype", "f32,bf16");
        int threads = args.getInt("threads", 0);
        String backendName = args.get("backend", "auto");
        int batch = args.getInt("batch", 1);
        int warmup = args.getInt("warmup", 1), iters = args.getInt("iters", 3);
        long seed = args.getLong("seed", 42);
        Long d = PRESET_TEXT_HIDDEN.get(preset);
        if (d == null) throw new CliException("unknown preset '" + preset + "' (" + String.join(", ", PRESET_TEXT_HIDDEN.keySet().stream().sorted().toList()) + ")");
        VisionConfig v = VisionConfig.vitH14x378();
        int layers = args.getInt("layers", v.numHiddenLayers());
        int size = args.getInt("image-size", v.imageSize());
        args.checkUnknown();
        if (layers < 1 || layers > v.numHiddenLayers()) throw new CliException("--layers must be in 1.." + v.numHiddenLayers());
        if (size < v.patchSize() || size % v.patchSize() != 0) throw new CliException("--image-size must be a positive multiple of " + v.patchSize());
        if (batch < 1 || iters < 1 || warmup < 0 || threads < 0) throw new CliException("--batch and --iters must be >= 1, --warmup and --threads >= 0");
        List<DType> types = new ArrayList<>();
        for (String s : dtypes.split(",")) {
            DType t = DType.byName(s.trim());
            if (t != DType.F32 && t != DType.BF16 && t != DType.F16) throw new CliException("--dtype: '" + s + "' is not f32, bf16 or f16");
            types.add(t);
        }
        v = new VisionConfig(v.hiddenSize(), v.intermediateSize(), layers, v.numAttentionHeads(), v.imageSize(), v.patchSize(), 3, v.hiddenAct(), v.layerNormEps());
        VisionPipelineConfig cfg = new VisionPipelineConfig(v, ConnectorConfig.mm1(), ImagePreprocessConfig.defaults(), ImageSplitConfig.disabled(), -1);

        Backend backend = Backends.create(backendName, BackendOptions.threads(threads));
        Ops ops = Ops.withHostFallback(backend);
        int g = size / v.patchSize();
        long tokens = (long) g * g + 1;
        double gflop = encoderFlops(v, g) / 1e9;
        out.printf(Locale.ROOT, "mm1j bench vision: preset %s: ViT-H/14 (%d of 32 layers, W %d, %d tokens at %dx%d) + C-Abstractor (depth %d, %d tokens, d %d)%n",
            preset, layers, v.hiddenSize(), tokens, size, size, cfg.connector().depth(), cfg.connector().numImageTokens(), d);
        out.printf(Locale.ROOT, "backend %s, %d threads, batch %d, %d timed runs after %d warm-up; encoder %.1f GFLOP per image%n",
            backend.description(), BackendOptions.threads(threads).effectiveThreads(), batch, iters, warmup, gflop);
        if (layers < 32) out.printf(Locale.ROOT, "(%d layers: the full encoder would take about %.1fx the encoder time)%n", layers, encoderFlops(VisionConfig.vitH14x378(), g) / encoderFlops(v, g));
        out.printf(Locale.ROOT, "%-5s %24s %9s %12s %24s%n", "dtype", "encoder ms/image min/med", "GFLOP/s", "CPU ms/image", "connector ms/image min/med");
        for (DType t : types) {
            err.print("generating random " + t + " weights... ");
            err.flush();
            long t0 = System.nanoTime();
            try (MapWeightSource src = RandomVisionWeights.create(cfg, d, t, seed)) {
                err.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - t0) / 1e9);
                Weights w = new Weights(src);
                try (VisionTower vit = VisionTower.load(w, cfg, ops); Connector conn = Connector.load(w, cfg, d, ops);
                     Tensor pixels = randomPixels(batch, size, seed)) {
                    double[] enc = new double[iters], con = new double[iters], cpu = new double[iters];
                    for (int i = -warmup; i < iters; i++) {
                        long cpu0 = processCpuNanos();
                        long a = System.nanoTime();
                        Tensor f = vit.features(pixels);
                        long b = System.nanoTime();
                        long cpu1 = processCpuNanos();
                        Tensor e = conn.embeddings(f);
                        long c = System.nanoTime();
                        if (i == -warmup || i == iters - 1) checkFinite(e, "embeddings");
                        f.close();
                        e.close();
                        if (i >= 0) {
                            enc[i] = (b - a) / 1e6 / batch;
                            con[i] = (c - b) / 1e6 / batch;
                            cpu[i] = (cpu1 - cpu0) / 1e6 / batch;
                        } else {
                            err.printf(Locale.ROOT, "  warm-up: encoder %.0f ms, connector %.0f ms per image%n", (b - a) / 1e6 / batch, (c - b) / 1e6 / batch);
                        }
                    }
                    Arrays.sort(enc);
                    Arrays.sort(con);
                    Arrays.sort(cpu);
                    out.printf(Locale.ROOT, "%-5s %11.1f / %10.1f %9.1f %12.1f %11.1f / %10.1f%n", t, enc[0], enc[iters / 2], gflop / (enc[0] / 1e3),
                        cpu[0], con[0], con[iters / 2]);
                }
            }
        }
        return 0;
    }

    /** Multiply-adds ×2 of the encoder per image: patchify, then per layer q/k/v/out and the MLP (2·L·W·(4W + 2I)) and attention (4·L²·W). */
    static double encoderFlops(VisionConfig v, int g) {
        double len = (double) g * g + 1, w = v.hiddenSize(), inter = v.intermediateSize(), p = v.patchSize();
        double patch = 2.0 * g * g * w * 3 * p * p;
        double layer = 2 * len * w * (4 * w + 2 * inter) + 4 * len * len * w;
        return patch + v.numHiddenLayers() * layer;
    }

    /** CPU time of the whole process (all threads), or 0 where the JVM cannot tell. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(os.getProcessCpuTime(), 0);
        }
        return 0;
    }

    private static Tensor randomPixels(int n, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
        float[] px = new float[Math.toIntExact((long) n * 3 * size * size)];
        for (int i = 0; i < px.length; i++) px[i] = (float) (r.nextDouble() * 4 - 2);
        return Tensor.of(px, n, 3, size, size);
    }

    private static void checkFinite(Tensor t, String what) {
        if (!t.isHost()) return;
        for (float x : t.toFloatArray()) {
            if (!Float.isFinite(x)) throw new dev.mm1j.core.Mm1jException("bench: the " + what + " hold non-finite values (a kernel is broken)");
        }
    }
}
