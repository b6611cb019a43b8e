package dev.mm1j.model.text;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.core.weights.MapWeightSource;
import java.util.SplittableRandom;

/**
 * Seeded random decoder weights under the spec §6 names (without the {@code language_model.} prefix), for
 * tests and benchmarks: matrices uniform in ±{@code 1/sqrt(in)}·{@code gain}, norm weights near 1.
 */
public final class RandomWeights {
    private RandomWeights() {}

    /** Every tensor {@link TextModel#load} asks for; matrices in {@code dtype} (F32, F16, BF16, Q8_0 or Q4_0). */
    public static MapWeightSource create(TextConfig c, DType dtype, long seed, float gain) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MapWeightSource src = new MapWeightSource("random weights (seed " + seed + ")");
        long d = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        src.put("model.embed_tokens.weight", matrix(rnd, dtype, v, d, 1f));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            src.put(p + "input_layernorm.weight", norm(rnd, d));
            src.put(p + "post_attention_layernorm.weight", norm(rnd, d));
            src.put(p + "self_attn.q_proj.weight", matrix(rnd, dtype, c.qDim(), d, gain));
            src.put(p + "self_attn.k_proj.weight", matrix(rnd, dtype, c.kvDim(), d, gain));
            src.put(p + "self_attn.v_proj.weight", matrix(rnd, dtype, c.kvDim(), d, gain));
            src.put(p + "self_attn.o_proj.weight", matrix(rnd, dtype, d, c.qDim(), gain));
            if (c.attentionBias()) {
                src.put(p + "self_attn.q_proj.bias", vector(rnd, c.qDim(), 0.1f));
                src.put(p + "self_attn.k_proj.bias", vector(rnd, c.kvDim(), 0.1f));
                src.put(p + "self_attn.v_proj.bias", vector(rnd, c.kvDim(), 0.1f));
            }
            if (c.isMoeLayer(i)) {
                src.put(p + "block_sparse_moe.gate.weight", matrix(rnd, DType.F32, c.numLocalExperts(), d, 4f));
                for (int e = 0; e < c.numLocalExperts(); e++) {
                    String x = p + "block_sparse_moe.experts." + e + ".";
                    src.put(x + "w1.weight", matrix(rnd, dtype, f, d, gain));
                    src.put(x + "w3.weight", matrix(rnd, dtype, f, d, gain));
                    src.put(x + "w2.weight", matrix(rnd, dtype, d, f, gain));
                }
            } else {
                src.put(p + "mlp.gate_proj.weight", matrix(rnd, dtype, f, d, gain));
                src.put(p + "mlp.up_proj.weight", matrix(rnd, dtype, f, d, gain));
                src.put(p + "mlp.down_proj.weight", matrix(rnd, dtype, d, f, gain));
            }
        }
        src.put("model.norm.weight", norm(rnd, d));
        if (!c.tieWordEmbeddings()) src.put("lm_head.weight", matrix(rnd, dtype, v, d, gain));
        return src;
    }

    private static Tensor matrix(SplittableRandom rnd, DType dtype, long rows, long cols, float gain) {
        float bound = gain / (float) Math.sqrt(cols);
        float[] data = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < data.length; i++) data[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        Tensor f32 = Tensor.of(data, rows, cols);
        if (dtype == DType.F32) return f32;
        Tensor out = Convert.to(f32, dtype);
        f32.close();
        return out;
    }

    private static Tensor norm(SplittableRandom rnd, long n) {
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) data[i] = (float) (1 + (rnd.nextDouble() - 0.5) * 0.2);
        return Tensor.of(data, n);
    }

    private static Tensor vector(SplittableRandom rnd, long n, float scale) {
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) data[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return Tensor.of(data, n);
    }
}
