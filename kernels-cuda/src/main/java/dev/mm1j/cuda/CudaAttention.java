package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.ptr;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;

/**
 * The attention family on the device (attention.cu): attn_fwd, flash style, split over the keys (flash decoding)
 * when the queries alone would leave the GPU idle, the splits merged by attn_combine.
 *
 * @see dev.mm1j.core.backend.Op.Family#ATTENTION
 */
final class CudaAttention {
    /** Keys per shared-memory tile, queries per warp, the largest head dim (attention.cu). */
    private static final int ATT_KT = 32;
    private static final int ATT_QPW = 4;
    private static final int ATT_MAXD = 256;

    private final CudaBackend b;
    /** Dynamic shared memory attn_fwd may use without opting in further (48 KiB by default). */
    private int sharedAllowed = 48 * 1024;

    CudaAttention(CudaBackend backend) {
        this.b = backend;
    }

    /** Dynamic shared memory attn_fwd needs, in bytes. */
    static int attentionShared(long d, long dv, int queriesPerBlock) {
        return (int) (4 * (ATT_KT * (d + 1) + ATT_KT * dv + queriesPerBlock * d));
    }

    /**
     * Runs the fused kernel; false when it cannot (head dims above 256, or more shared memory than the device
     * has), in which case the backend falls back to the composed default.
     */
    boolean attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        long d = q.dim(-1), dv = v.dim(-1);
        int warps = q.dim(-3) >= 16 ? 4 : 1, qb = warps * ATT_QPW;
        int shared = attentionShared(d, dv, qb);
        if (d > ATT_MAXD || dv > ATT_MAXD || shared > b.device().maxSharedMemoryPerBlock()) return false;
        if (out.numel() == 0) return true;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out);
            Tensor od = o.stride(-1) == 1 ? o : s.contiguousOut(o);
            Tensor qd = s.unitLastStride(s.in(q)), kd = s.unitLastStride(s.in(k)), vd = s.unitLastStride(s.in(v));
            if (qd.rank() == 3) {
                qd = qd.unsqueeze(0);
                kd = kd.unsqueeze(0);
                vd = vd.unsqueeze(0);
                od = od.unsqueeze(0);
            }
            long batch = qd.dim(0), tq = qd.dim(1), heads = qd.dim(2), tk = kd.dim(1), kv = kd.dim(2);
            long qTiles = (tq + qb - 1) / qb;
            long base = qTiles * heads * batch;
            long splits = 1;
            long target = 2L * b.device().multiprocessors();
            if (base < target && tk > 2L * ATT_KT) splits = Math.min((target + base - 1) / base, (tk + 2L * ATT_KT - 1) / (2L * ATT_KT));
            splits = Math.max(1, Math.min(splits, 65535 / Math.max(1, batch)));
            long chunk = (tk + splits - 1) / splits;
            chunk = Math.max(ATT_KT, (chunk + ATT_KT - 1) / ATT_KT * ATT_KT);
            splits = Math.max(1, (tk + chunk - 1) / chunk);
            long part = 0;
            if (splits > 1) {
                Tensor p = s.temp(DType.F32, batch * splits * tq * heads * (dv + 2));
                part = ptr(p);
            }
            if (shared > sharedAllowed) {
                b.device().allowSharedMemory(b.device().function(Kernels.ATTN_FWD), shared);
                sharedAllowed = shared;
            }
            LaunchArgs a = LaunchArgs.begin(Kernels.ATTN_FWD).ptr(splits == 1 ? ptr(od) : 0L).ptr(ptr(qd)).ptr(ptr(kd)).ptr(ptr(vd))
                .i32(CudaBackend.code(kd.dtype())).i32(tq).i32(tk).i32(heads).i32(kv).i32(d).i32(dv)
                .i64(qd.stride(0)).i64(qd.stride(1)).i64(qd.stride(2))
                .i64(kd.stride(0)).i64(kd.stride(1)).i64(kd.stride(2))
                .i64(vd.stride(0)).i64(vd.stride(1)).i64(vd.stride(2))
                .i64(od.stride(0)).i64(od.stride(1)).i64(od.stride(2))
                .f32(scale).i32(causal ? 1 : 0).i64(qOffset).i32(splits).i32(chunk).ptr(part);
            b.launch(a, qTiles, heads, batch * splits, 32 * warps, shared);
            if (splits > 1) {
                LaunchArgs c = LaunchArgs.begin(Kernels.ATTN_COMBINE).ptr(ptr(od)).ptr(part).i32(batch).i32(tq).i32(heads).i32(dv).i32(splits)
                    .i64(od.stride(0)).i64(od.stride(1)).i64(od.stride(2));
                b.launch(c, (batch * tq * heads * 32 + 255) / 256, 1, 1, 256, 0);
            }
        }
        return true;
    }
}
