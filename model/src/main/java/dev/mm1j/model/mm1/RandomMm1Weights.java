package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.quant.Quant;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.vision.CAbstractor;
import dev.mm1j.model.vision.ConnectorConfig;
import dev.mm1j.model.vision.MlpProjector;
import dev.mm1j.model.vision.VisionConfig;
import dev.mm1j.model.vision.VisionTower;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Seeded random weights for every tensor of an MM1 config (spec §4–§6 names), generated in memory for benchmarks
 * ({@code --random-weights}): matmul weights uniform with standard deviation {@value #STD}, written straight into
 * the requested dtype a row block at a time (Q8_0 for mm1-3b needs 3.7 GB and never the 12 GB of F32), norm weights
 * 1, biases and embeddings small. Tensors whose rows cannot hold quantization blocks (convolutions, a row length
 * not a multiple of 32) stay F32. Row blocks have their own seeds and are filled in parallel, so the values do not
 * depend on the thread count.
 */
public final class RandomMm1Weights implements WeightSource {
    /** Standard deviation of matrix entries (uniform in ±STD·√3): activations stay O(1) through deep stacks. */
    public static final float STD = 0.02f;
    private static final int ROWS_PER_BLOCK = 64;

    private enum Kind { MATRIX, F32_RANDOM, ONES, ZEROS }

    private record Spec(long[] shape, Kind kind) {}

    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final DType dtype;
    private final long seed;
    private final String description;

    /**
     * Generates every tensor now ({@code dtype}: F32, F16, BF16, Q8_0 or Q4_0 for the matmul weights), with a progress
     * line on a terminal. Fails before allocating when the weights would exceed {@code maxBytes}.
     */
    public RandomMm1Weights(Mm1Config c, DType dtype, long seed, long maxBytes) {
        this(c, dtype, seed);
        long bytes = byteSize();
        if (bytes > maxBytes) {
            throw new Mm1jException(String.format(java.util.Locale.ROOT, "the random weights would take %.1f GiB in %s, more than the %.1f GiB of memory available%s",
                bytes / (double) (1L << 30), dtype, maxBytes / (double) (1L << 30),
                c.text().numLocalExperts() > 0 ? " (use fewer experts, e.g. --experts 8, or --weights q4_0)" : " (try --weights q8_0 or q4_0)"));
        }
        try (Progress p = Progress.bytes("generating " + description, bytes)) {
            for (Map.Entry<String, Spec> e : specs.entrySet()) {
                Tensor t = generate(e.getKey(), e.getValue());
                tensors.put(e.getKey(), t);
                p.advance(t.byteSize());
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    private RandomMm1Weights(Mm1Config c, DType dtype, long seed) {
        if (!(dtype.isFloat() || dtype == DType.Q8_0 || dtype == DType.Q4_0)) throw new Mm1jException("random weights: dtype " + dtype + " is not f32, f16, bf16, q8_0 or q4_0");
        this.dtype = dtype;
        this.seed = seed;
        this.description = "random weights (" + dtype + ", seed " + seed + ")";
        vision(c.vision().vision(), c.vision().layersToRun());
        connector(c.vision().connector(), c.vision().vision(), c.text().hiddenSize());
        text(c.text());
    }

    /** Bytes the weights of {@code c} take with matmul weights in {@code dtype} (nothing is allocated). */
    public static long bytes(Mm1Config c, DType dtype) {
        return new RandomMm1Weights(c, dtype, 0).byteSize();
    }

    /** Bytes the tensors take in memory. */
    public long byteSize() {
        long b = 0;
        for (Map.Entry<String, Spec> e : specs.entrySet()) b += storedType(e.getValue()).byteSize(Tensor.numel(e.getValue().shape()));
        return b;
    }

    private void vision(VisionConfig v, int layers) {
        String p = VisionTower.PREFIX + ".";
        long w = v.hiddenSize(), inter = v.intermediateSize(), ps = v.patchSize();
        put(p + "embeddings.patch_embedding.weight", Kind.F32_RANDOM, w, 3, ps, ps);
        put(p + "embeddings.class_embedding", Kind.F32_RANDOM, w);
        put(p + "embeddings.position_embedding.weight", Kind.F32_RANDOM, v.numPositions(), w);
        put(p + "pre_layrnorm.weight", Kind.ONES, w);
        put(p + "pre_layrnorm.bias", Kind.ZEROS, w);
        for (int i = 0; i < layers; i++) { // the layers vision_feature_layer needs
            String l = p + "encoder.layers." + i + ".";
            for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
                put(l + ln + ".weight", Kind.ONES, w);
                put(l + ln + ".bias", Kind.ZEROS, w);
            }
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                put(l + "self_attn." + proj + ".weight", Kind.MATRIX, w, w);
                put(l + "self_attn." + proj + ".bias", Kind.F32_RANDOM, w);
            }
            put(l + "mlp.fc1.weight", Kind.MATRIX, inter, w);
            put(l + "mlp.fc1.bias", Kind.F32_RANDOM, inter);
            put(l + "mlp.fc2.weight", Kind.MATRIX, w, inter);
            put(l + "mlp.fc2.bias", Kind.F32_RANDOM, w);
        }
    }

    private void connector(ConnectorConfig cc, VisionConfig v, long d) {
        long w = v.hiddenSize();
        if (!cc.isCAbstractor()) {
            String mp = MlpProjector.PREFIX + ".";
            put(mp + "linear_1.weight", Kind.MATRIX, d, w);
            put(mp + "linear_1.bias", Kind.F32_RANDOM, d);
            put(mp + "linear_2.weight", Kind.MATRIX, d, d);
            put(mp + "linear_2.bias", Kind.F32_RANDOM, d);
            return;
        }
        String cp = CAbstractor.PREFIX + ".";
        long c = cc.hiddenSize(), g = v.grid();
        if (cc.posEmb()) put(cp + "pos_emb", Kind.F32_RANDOM, 1, g * g, w);
        for (int stage : new int[] {0, 2}) {
            for (int b = 0; b < cc.depth(); b++) {
                long in = stage == 0 && b == 0 ? w : c;
                String bp = cp + "net." + stage + ".b" + (b + 1) + ".";
                long se = cc.seChannels((int) in);
                put(bp + "conv1.conv.weight", Kind.F32_RANDOM, c, in, 1, 1);
                put(bp + "conv2.conv.weight", Kind.F32_RANDOM, c, 1, 3, 3);
                put(bp + "se.fc1.weight", Kind.F32_RANDOM, se, c, 1, 1);
                put(bp + "se.fc1.bias", Kind.F32_RANDOM, se);
                put(bp + "se.fc2.weight", Kind.F32_RANDOM, c, se, 1, 1);
                put(bp + "se.fc2.bias", Kind.F32_RANDOM, c);
                put(bp + "conv3.conv.weight", Kind.F32_RANDOM, c, c, 1, 1);
                for (String n : in != c ? new String[] {"conv1", "conv2", "conv3", "downsample"} : new String[] {"conv1", "conv2", "conv3"}) {
                    put(bp + n + ".bn.weight", Kind.ONES, c);
                    put(bp + n + ".bn.bias", Kind.ZEROS, c);
                }
                if (in != c) put(bp + "downsample.conv.weight", Kind.F32_RANDOM, c, in, 1, 1);
            }
        }
        long in = cc.depth() > 0 ? c : w;
        for (int k = 0; k < cc.mlpDepth(); k++) {
            put(cp + "readout." + 2 * k + ".weight", Kind.MATRIX, d, k == 0 ? in : d);
            put(cp + "readout." + 2 * k + ".bias", Kind.F32_RANDOM, d);
        }
    }

    private void text(TextConfig c) {
        String p = "language_model.";
        long d = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        put(p + "model.embed_tokens.weight", Kind.MATRIX, v, d);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = p + "model.layers." + i + ".";
            put(l + "input_layernorm.weight", Kind.ONES, d);
            put(l + "post_attention_layernorm.weight", Kind.ONES, d);
            put(l + "self_attn.q_proj.weight", Kind.MATRIX, c.qDim(), d);
            put(l + "self_attn.k_proj.weight", Kind.MATRIX, c.kvDim(), d);
            put(l + "self_attn.v_proj.weight", Kind.MATRIX, c.kvDim(), d);
            put(l + "self_attn.o_proj.weight", Kind.MATRIX, d, c.qDim());
            if (c.attentionBias()) {
                put(l + "self_attn.q_proj.bias", Kind.F32_RANDOM, c.qDim());
                put(l + "self_attn.k_proj.bias", Kind.F32_RANDOM, c.kvDim());
                put(l + "self_attn.v_proj.bias", Kind.F32_RANDOM, c.kvDim());
            }
            if (c.isMoeLayer(i)) {
                put(l + "block_sparse_moe.gate.weight", Kind.F32_RANDOM, c.numLocalExperts(), d);
                for (int e = 0; e < c.numLocalExperts(); e++) {
                    String x = l + "block_sparse_moe.experts." + e + ".";
                    put(x + "w1.weight", Kind.MATRIX, f, d);
                    put(x + "w3.weight", Kind.MATRIX, f, d);
                    put(x + "w2.weight", Kind.MATRIX, d, f);
                }
            } else {
                put(l + "mlp.gate_proj.weight", Kind.MATRIX, f, d);
                put(l + "mlp.up_proj.weight", Kind.MATRIX, f, d);
                put(l + "mlp.down_proj.weight", Kind.MATRIX, d, f);
            }
        }
        put(p + "model.norm.weight", Kind.ONES, d);
        if (!c.tieWordEmbeddings()) put(p + "lm_head.weight", Kind.MATRIX, v, d);
    }

    private void put(String name, Kind kind, long... shape) {
        specs.put(name, new Spec(shape, kind));
    }

    /** The dtype a tensor is generated in: the matrix dtype where its rows hold whole blocks, else F32. */
    private DType storedType(Spec s) {
        if (s.kind() != Kind.MATRIX) return DType.F32;
        long row = s.shape()[s.shape().length - 1];
        return dtype.isQuantized() && row % dtype.blockSize() != 0 ? DType.F32 : dtype;
    }

    private Tensor generate(String name, Spec s) {
        DType t = storedType(s);
        Tensor out = Tensor.allocateHost(t, s.shape());
        if (s.kind() == Kind.ZEROS) return out;
        MemorySegment seg = out.segment();
        long row = s.shape()[s.shape().length - 1], rows = Tensor.numel(s.shape()) / row;
        int blocks = Math.toIntExact((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
        long nameSeed = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
        IntStream.range(0, blocks).parallel().forEach(b -> {
            SplittableRandom rnd = new SplittableRandom(nameSeed + 0x632BE59BD9B4E019L * b);
            float[] buf = new float[Math.toIntExact(row)];
            long r1 = Math.min(rows, (long) (b + 1) * ROWS_PER_BLOCK);
            for (long r = (long) b * ROWS_PER_BLOCK; r < r1; r++) {
                long off = t.byteSize(r * row);
                if (t == DType.Q8_0 || t == DType.Q4_0) {
                    randomBlocks(rnd, t, row / t.blockSize(), seg, off);
                    continue;
                }
                fill(rnd, buf, s.kind() == Kind.ONES);
                if (t == DType.F32) {
                    MemorySegment.copy(buf, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, off, buf.length);
                } else {
                    for (int j = 0; j < buf.length; j++) {
                        short h = t == DType.BF16 ? Quant.f32ToBf16(buf[j]) : Quant.f32ToF16(buf[j]);
                        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * j, h);
                    }
                }
            }
        });
        return out;
    }

    /** Uniform values with standard deviation {@link #STD} (two from each random long), or ones. */
    private static void fill(SplittableRandom rnd, float[] buf, boolean ones) {
        if (ones) {
            java.util.Arrays.fill(buf, 1f);
            return;
        }
        float scale = (float) (STD * Math.sqrt(3) / (1L << 31));
        for (int j = 0; j < buf.length; j += 2) {
            long v = rnd.nextLong();
            buf[j] = (int) v * scale;
            if (j + 1 < buf.length) buf[j + 1] = (int) (v >>> 32) * scale;
        }
    }

    /**
     * {@code n} quantized blocks drawn directly (no floats): uniform quants with the scale that makes the values
     * uniform in ±STD·√3 — Q8_0 quants in [−127, 127] with d = bound/127, Q4_0 nibbles (q − 8 in [−8, 7]) with
     * d = bound/8. The same distribution quantizing uniform floats would give, a hundred times faster.
     */
    private static void randomBlocks(SplittableRandom rnd, DType t, long n, MemorySegment seg, long off) {
        double bound = STD * Math.sqrt(3);
        boolean q8 = t == DType.Q8_0;
        short d = Quant.f32ToF16((float) (q8 ? bound / 127 : bound / 8));
        int bytes = q8 ? 32 : 16, size = bytes + 2;
        for (long b = 0; b < n; b++) {
            long o = off + b * size;
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, o, d);
            for (int j = 0; j < bytes; j += 8) {
                long v = rnd.nextLong();
                if (q8) { // each byte 0..255 mapped onto −127..127
                    long m = 0;
                    for (int k = 0; k < 8; k++) m |= ((((v >>> (8 * k)) & 0xff) * 255 >>> 8) - 127 & 0xffL) << (8 * k);
                    v = m;
                }
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, o + 2 + j, v);
            }
        }
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(specs.keySet());
    }

    @Override
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}
