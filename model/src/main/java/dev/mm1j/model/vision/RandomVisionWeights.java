package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Quant;
import dev.mm1j.core.weights.MapWeightSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Seeded random weights for the vision path under the spec §4/§5 names (benchmarks, tests): matrices and
 * convolutions uniform with standard deviation {@value #STD} (so activations stay O(1) through the 32 layers of
 * ViT-H), norm weights 1, biases and embeddings small. Matrices and convs in F32, F16 or BF16; norms, biases and
 * embeddings F32.
 */
public final class RandomVisionWeights {
    /** Standard deviation of the matrix entries (uniform in ±STD·√3). */
    public static final float STD = 0.02f;

    private RandomVisionWeights() {}

    /** Every tensor {@link VisionTower#load} and {@link Connector#load} read for {@code cfg}. */
    public static MapWeightSource create(VisionPipelineConfig cfg, long textHidden, DType dtype, long seed) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) throw new Mm1jException("random vision weights: dtype " + dtype + " is not F32, F16 or BF16");
        SplittableRandom rnd = new SplittableRandom(seed);
        MapWeightSource src = new MapWeightSource("random vision weights (" + dtype + ", seed " + seed + ")");
        VisionConfig v = cfg.vision();
        long w = v.hiddenSize(), inter = v.intermediateSize(), p = v.patchSize();
        String vp = VisionTower.PREFIX + ".";
        src.put(vp + "embeddings.patch_embedding.weight", random(rnd, dtype, STD, w, 3, p, p));
        src.put(vp + "embeddings.class_embedding", random(rnd, DType.F32, STD, w));
        src.put(vp + "embeddings.position_embedding.weight", random(rnd, DType.F32, STD, v.numPositions(), w));
        src.put(vp + "pre_layrnorm.weight", constant(1f, w));
        src.put(vp + "pre_layrnorm.bias", constant(0f, w));
        for (int i = 0; i < v.numHiddenLayers(); i++) {
            String l = vp + "encoder.layers." + i + ".";
            for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
                src.put(l + ln + ".weight", constant(1f, w));
                src.put(l + ln + ".bias", constant(0f, w));
            }
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                src.put(l + "self_attn." + proj + ".weight", random(rnd, dtype, STD, w, w));
                src.put(l + "self_attn." + proj + ".bias", random(rnd, DType.F32, STD, w));
            }
            src.put(l + "mlp.fc1.weight", random(rnd, dtype, STD, inter, w));
            src.put(l + "mlp.fc1.bias", random(rnd, DType.F32, STD, inter));
            src.put(l + "mlp.fc2.weight", random(rnd, dtype, STD, w, inter));
            src.put(l + "mlp.fc2.bias", random(rnd, DType.F32, STD, w));
        }
        ConnectorConfig cc = cfg.connector();
        if (!cc.isCAbstractor()) {
            String mp = MlpProjector.PREFIX + ".";
            src.put(mp + "linear_1.weight", random(rnd, dtype, STD, textHidden, w));
            src.put(mp + "linear_1.bias", random(rnd, DType.F32, STD, textHidden));
            src.put(mp + "linear_2.weight", random(rnd, dtype, STD, textHidden, textHidden));
            src.put(mp + "linear_2.bias", random(rnd, DType.F32, STD, textHidden));
            return src;
        }
        String cp = CAbstractor.PREFIX + ".";
        long c = cc.hiddenSize(), g = v.grid();
        if (cc.posEmb()) src.put(cp + "pos_emb", random(rnd, DType.F32, STD, 1, g * g, w));
        for (int stage : new int[] {0, 2}) {
            for (int b = 0; b < cc.depth(); b++) {
                long in = stage == 0 && b == 0 ? w : c;
                String bp = cp + "net." + stage + ".b" + (b + 1) + ".";
                long se = cc.seChannels((int) in);
                src.put(bp + "conv1.conv.weight", random(rnd, dtype, STD, c, in, 1, 1));
                src.put(bp + "conv2.conv.weight", random(rnd, dtype, 0.2f, c, 1, 3, 3));
                src.put(bp + "se.fc1.weight", random(rnd, dtype, STD, se, c, 1, 1));
                src.put(bp + "se.fc1.bias", random(rnd, DType.F32, STD, se));
                src.put(bp + "se.fc2.weight", random(rnd, dtype, STD, c, se, 1, 1));
                src.put(bp + "se.fc2.bias", random(rnd, DType.F32, STD, c));
                src.put(bp + "conv3.conv.weight", random(rnd, dtype, STD, c, c, 1, 1));
                for (String n : in != c ? new String[] {"conv1", "conv2", "conv3", "downsample"} : new String[] {"conv1", "conv2", "conv3"}) {
                    src.put(bp + n + ".bn.weight", constant(1f, c));
                    src.put(bp + n + ".bn.bias", constant(0f, c));
                }
                if (in != c) src.put(bp + "downsample.conv.weight", random(rnd, dtype, STD, c, in, 1, 1));
            }
        }
        long in = cc.depth() > 0 ? c : w;
        for (int k = 0; k < cc.mlpDepth(); k++) {
            src.put(cp + "readout." + 2 * k + ".weight", random(rnd, dtype, STD, textHidden, k == 0 ? in : textHidden));
            src.put(cp + "readout." + 2 * k + ".bias", random(rnd, DType.F32, STD, textHidden));
        }
        return src;
    }

    /** Uniform values with standard deviation {@code std}, written straight into {@code dtype} a block at a time. */
    private static Tensor random(SplittableRandom rnd, DType dtype, float std, long... shape) {
        Tensor t = Tensor.allocateHost(dtype, shape);
        double bound = std * Math.sqrt(3);
        float[] buf = new float[4096];
        long n = t.numel();
        for (long i = 0; i < n; i += buf.length) {
            int m = (int) Math.min(buf.length, n - i);
            for (int j = 0; j < m; j++) buf[j] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            if (dtype == DType.F32) {
                MemorySegment.copy(buf, 0, t.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4, m);
            } else {
                for (int j = 0; j < m; j++) {
                    short h = dtype == DType.BF16 ? Quant.f32ToBf16(buf[j]) : Quant.f32ToF16(buf[j]);
                    t.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, (i + j) * 2, h);
                }
            }
        }
        return t;
    }

    private static Tensor constant(float value, long n) {
        float[] a = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(a, value);
        return Tensor.of(a, n);
    }
}
