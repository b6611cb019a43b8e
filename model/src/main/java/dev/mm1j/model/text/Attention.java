package dev.mm1j.model.text;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/**
 * Grouped-query self-attention with rotary embeddings and a KV cache (spec §6 step 3): q, k, v projections
 * (biases when {@code attention_bias}, as in Qwen2), RoPE on q and k, new keys and values written into each
 * sequence's cache, causal attention over the cache (query head h reads kv head h / (H/KV)), o projection.
 */
final class Attention {
    private final Linear qProj;  // [H·hd, d]
    private final Linear kProj;  // [KV·hd, d]
    private final Linear vProj;  // [KV·hd, d]
    private final Linear oProj;  // [d, H·hd]
    private final Tensor invFreq; // F32 [hd/2]
    private final float scale;
    private final int layer;

    Attention(Weights w, Ops ops, TextConfig c, int layer, Tensor invFreq) {
        long d = c.hiddenSize();
        boolean bias = c.attentionBias();
        this.qProj = Linear.load(w, "q_proj", ops, c.qDim(), d, bias);
        this.kProj = Linear.load(w, "k_proj", ops, c.kvDim(), d, bias);
        this.vProj = Linear.load(w, "v_proj", ops, c.kvDim(), d, bias);
        this.oProj = Linear.load(w, "o_proj", ops, d, c.qDim(), false);
        this.invFreq = invFreq;
        this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.layer = layer;
    }

    /** The dtype the projections compute with (as stored or as converted on load). */
    dev.mm1j.core.DType weightDtype() {
        return qProj.weight().dtype();
    }

    /** Bytes of the projection weights (read once per forward). */
    long weightBytes() {
        return qProj.weight().byteSize() + kProj.weight().byteSize() + vProj.weight().byteSize() + oProj.weight().byteSize();
    }

    /** s.out[0, n) = Attn(s.xn[0, n)) for the step's sequences; appends their keys and values to the caches. */
    void forward(Ops ops, RunState s) {
        int n = s.rows;
        // projections, one GEMM over every row of every sequence
        qProj.forward(ops, s.q.first(n), s.xn.first(n));
        kProj.forward(ops, s.k.first(n), s.xn.first(n));
        vProj.forward(ops, s.v.first(n), s.xn.first(n));
        // rotary embedding at each row's own position
        Tensor pos = s.positions.first(n);
        ops.rope(s.q3.first(n), s.q3.first(n), pos, invFreq);
        ops.rope(s.k3.first(n), s.k3.first(n), pos, invFreq);
        for (int i = 0; i < s.segments; i++) {
            KvCache cache = s.segCache[i];
            int row = s.segRow[i], len = s.segLen[i];
            // keys and values of the new positions into the cache rows named by their positions
            Tensor segPos = s.positions.range(row, len);
            ops.setRows(cache.keyRows(layer), s.k.range(row, len), segPos);
            ops.setRows(cache.valueRows(layer), s.v.range(row, len), segPos);
            // causal attention over the cache: query j sees keys 0 .. segPos[i] + j. A decode row passes the whole
            // cache (no view to make per token; kernels stop at the visible keys); a prefill block passes the
            // filled part, so that kernels running it as GEMMs do not compute scores for empty positions
            Tensor keys = cache.keys(layer), values = cache.values(layer);
            if (len > 1) {
                keys = keys.slice(0, 0, s.segPos[i] + len);
                values = values.slice(0, 0, s.segPos[i] + len);
            }
            ops.attention(s.att3.range(row, len), s.q3.range(row, len), keys, values, scale, true, s.segPos[i]);
        }
        oProj.forward(ops, s.out.first(n), s.att.first(n));
    }
}
