package dev.mm1j.cpu.simd;

import dev.mm1j.core.Tensor;

/**
 * Scaled dot-product attention front: splits the batch dim, makes K/V rows contiguous when their last dim is
 * strided (a rare copy), and picks a kernel: {@link AttentionDecode} (split over keys, for a few queries per
 * KV head) or {@link AttentionPrefill} (query blocks against packed key/value panels with the GEMM micro-kernel).
 * Both use an online softmax in F32 and read K/V in F32, F16 or BF16.
 */
final class Attention {
    /** Query rows per KV head (queries × group) up to which the decode kernel is used. */
    static final int DECODE_MAX_ROWS = 16;

    private final Elementwise ew;
    private final AttentionDecode decode;
    private final AttentionPrefill prefill;

    Attention(Elementwise ew, AttentionDecode decode, AttentionPrefill prefill) {
        this.ew = ew;
        this.decode = decode;
        this.prefill = prefill;
    }

    void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (q.rank() == 4) {
            for (long b = 0; b < q.dim(0); b++) attention(out.select(0, b), q.select(0, b), k.select(0, b), v.select(0, b), scale, causal, qOffset);
            return;
        }
        if (k.stride(2) != 1 || v.stride(2) != 1) {
            try (Tensor kc = Tensor.allocateHost(k.dtype(), k.shape()); Tensor vc = Tensor.allocateHost(v.dtype(), v.shape())) {
                ew.copy(kc, k);
                ew.copy(vc, v);
                attention(out, q, kc, vc, scale, causal, qOffset);
            }
            return;
        }
        long tq = q.dim(0), heads = q.dim(1), group = heads / k.dim(1);
        if (tq == 0 || heads == 0 || v.dim(2) == 0) return;
        if (k.dim(0) == 0) {
            ew.fill(out, 0f);
            return;
        }
        if (tq * group <= DECODE_MAX_ROWS) decode.run(out, q, k, v, scale, causal, qOffset);
        else prefill.run(out, q, k, v, scale, causal, qOffset);
    }
}
