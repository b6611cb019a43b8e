package dev.mm1j.model.text;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;

/** One decoder layer (spec §6 step 2): {@code h = h + Attn(RMSNorm(h))}, {@code h = h + FFN(RMSNorm(h))}. */
final class DecoderLayer {
    private final Tensor inputNorm;     // F32 [d]
    private final Attention attention;
    private final Tensor postAttnNorm;  // F32 [d]
    private final FeedForward ffn;
    private final float eps;

    DecoderLayer(Weights w, Ops ops, TextConfig c, int i, Tensor invFreq) {
        long d = c.hiddenSize();
        this.inputNorm = w.on(ops).f32("input_layernorm.weight", d);
        this.attention = new Attention(w.prefix("self_attn"), ops, c, i, invFreq);
        this.postAttnNorm = w.on(ops).f32("post_attention_layernorm.weight", d);
        this.ffn = c.isMoeLayer(i) ? new Moe(w.prefix("block_sparse_moe"), ops, c) : new Mlp(w.prefix("mlp"), ops, c);
        this.eps = c.rmsNormEps();
    }

    dev.mm1j.core.DType weightDtype() {
        return attention.weightDtype();
    }

    boolean isMoe() {
        return ffn instanceof Moe;
    }

    /** Bytes of all the layer's weights. */
    long weightBytes() {
        return inputNorm.byteSize() + postAttnNorm.byteSize() + attention.weightBytes() + ffn.weightBytes();
    }

    /** Weight bytes one token reads in this layer. */
    double bytesPerToken() {
        return inputNorm.byteSize() + postAttnNorm.byteSize() + attention.weightBytes() + ffn.bytesPerToken();
    }

    /** Updates the residual stream s.x[0, n) in place. */
    void forward(Ops ops, RunState s) {
        int n = s.rows;
        Tensor x = s.x.first(n), xn = s.xn.first(n), out = s.out.first(n);
        ops.rmsNorm(xn, x, inputNorm, eps);
        attention.forward(ops, s);
        ops.add(x, x, out);
        ops.rmsNorm(xn, x, postAttnNorm, eps);
        ffn.forward(ops, s);
        ops.add(x, x, out);
    }
}
