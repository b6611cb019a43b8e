package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;

/** The attention family, reference: scaled dot-product attention, written out directly (no composition). */
final class RefAttention {
    private RefAttention() {}

    /**
     * For each query i and head h (kv head g = h / (H/KV)): s_j = scale · q[i,h]·k[j,g] for visible keys
     * (all, or j ≤ i + qOffset when causal), p = softmax(s) in double, out[i,h] = Σ_j p_j · v[j,g].
     */
    static void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (q.rank() == 4) {
            for (long b = 0; b < q.dim(0); b++) {
                attention(out.select(0, b), q.select(0, b), k.select(0, b), v.select(0, b), scale, causal, qOffset);
            }
            return;
        }
        long tq = q.dim(0), heads = q.dim(1), d = q.dim(2), tk = k.dim(0), group = heads / k.dim(1), dv = v.dim(2);
        for (long i = 0; i < tq; i++) {
            long visible = causal ? Math.min(tk, Math.max(0, i + qOffset + 1)) : tk;
            for (long h = 0; h < heads; h++) {
                long g = h / group;
                double[] s = new double[(int) visible];
                double max = Double.NEGATIVE_INFINITY;
                for (long j = 0; j < visible; j++) {
                    double dot = 0;
                    for (long c = 0; c < d; c++) dot += (double) Strided.get(q, new long[] {i, h, c}) * Strided.get(k, new long[] {j, g, c});
                    s[(int) j] = dot * scale;
                    max = Math.max(max, s[(int) j]);
                }
                double sum = 0;
                for (int j = 0; j < visible; j++) sum += s[j] = Math.exp(s[j] - max);
                for (long c = 0; c < dv; c++) {
                    double acc = 0;
                    for (long j = 0; j < visible; j++) acc += s[(int) j] / sum * Strided.get(v, new long[] {j, g, c});
                    Strided.set(out, new long[] {i, h, c}, visible == 0 ? 0f : (float) acc);
                }
            }
        }
    }
}
