package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.MicroKernels.MR;
import static dev.mm1j.cpu.simd.MicroKernels.NR;
import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;

import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Attention for many queries (prefill, vision), flash-attention style on the GEMM micro-kernel. Per KV head,
 * keys are packed into NR-key panels ([key panel][d][NR]) and values into NR-column panels
 * ([column panel][key][NR]), as F32 whatever the cache dtype (phase 1, parallel over key panels). Then each
 * task takes MR queries of one head (phase 2): for each block of {@link #BK} keys it computes the MR × BK
 * scores with the micro-kernel (kc = D), updates the running row max and sum (online softmax, F32),
 * rescales the MR × Dv accumulator and adds P·V with the micro-kernel (kc = keys in the block). Key blocks
 * past the causal limit of the whole query block are skipped.
 */
final class AttentionPrefill {
    /** Keys per block (a multiple of NR; the probabilities are the row-major A of {@link MicroKernels#kernelRows}). */
    static final int BK = MicroKernels.RS;

    private final Parallel par;
    private final Scratch[] scratch;
    private final Pack pack = new Pack();
    private final Queries queries = new Queries();

    // the current call and KV head
    private Tensor out, q, k, v;
    private float scale;
    private boolean causal;
    private long qOffset;
    private int g, tkp, dvp;
    private float[] kp = new float[0], vp = new float[0];

    AttentionPrefill(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    synchronized void run(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        this.out = out;
        this.q = q;
        this.k = k;
        this.v = v;
        this.scale = scale;
        this.causal = causal;
        this.qOffset = qOffset;
        int tq = (int) q.dim(0), heads = (int) q.dim(1), d = (int) q.dim(2), dv = (int) v.dim(2);
        int tk = (int) k.dim(0), kvHeads = (int) k.dim(1), group = heads / kvHeads;
        tkp = (tk + NR - 1) / NR * NR;
        dvp = (dv + NR - 1) / NR * NR;
        if (kp.length < tkp * d) kp = new float[tkp * d];
        if (vp.length < tkp * dvp) vp = new float[tkp * dvp];
        int qBlocks = (tq + MR - 1) / MR;
        boolean serial = par.threads() == 1 || (long) tq * tk * (d + dv) * group < Elementwise.PARALLEL_MIN;
        try {
            for (g = 0; g < kvHeads; g++) {
                if (serial) pack.run(0, 0, tkp / NR);
                else par.run(pack, tkp / NR, 4, 1);
                if (serial) queries.run(0, 0, group * qBlocks);
                else par.run(queries, group * qBlocks);
            }
        } finally {
            this.out = this.q = this.k = this.v = null;
        }
    }

    /** Phase 1: key panels [from, to) of KV head g into kp, and the same keys' values into vp. */
    private final class Pack implements Parallel.Body {
        @Override
        public void run(int worker, int from, int to) {
            int d = (int) k.dim(2), dv = (int) v.dim(2), tk = (int) k.dim(0);
            float[] row = scratch[worker].floats(0, Math.max(d, dv));
            for (int p = from; p < to; p++) {
                for (int jj = 0; jj < NR; jj++) {
                    int j = p * NR + jj;
                    if (j < tk) RowIo.decode(k.dtype(), k.segment(), k.offset() + j * k.stride(0) + g * k.stride(1), row, 0, d);
                    else java.util.Arrays.fill(row, 0, d, 0f);
                    int base = p * NR * d + jj;
                    for (int c = 0; c < d; c++) kp[base + c * NR] = row[c];
                    if (j < tk) RowIo.decode(v.dtype(), v.segment(), v.offset() + j * v.stride(0) + g * v.stride(1), row, 0, dv);
                    else java.util.Arrays.fill(row, 0, dv, 0f);
                    for (int c = 0; c < dvp; c++) vp[(c / NR) * NR * tkp + j * NR + c % NR] = c < dv ? row[c] : 0f;
                }
            }
        }
    }

    /** Phase 2: tasks [from, to), task t = (head g·group + t / qBlocks, query block t % qBlocks). */
    private final class Queries implements Parallel.Body {
        @Override
        public void run(int worker, int from, int to) {
            int tq = (int) q.dim(0), heads = (int) q.dim(1), d = (int) q.dim(2), dv = (int) v.dim(2);
            int tk = (int) k.dim(0), group = heads / (int) k.dim(1);
            int qBlocks = (tq + MR - 1) / MR;
            Scratch s = scratch[worker];
            float[] qp = s.floats(0, MR * d);
            float[] sc = s.floats(1, MR * BK);
            float[] acc = s.floats(3, MR * dvp + 2 * MR);
            MemorySegment qs = q.segment();
            for (int t = from; t < to; t++) {
                int h = g * group + t / qBlocks, i0 = (t % qBlocks) * MR;
                int rows = Math.min(MR, tq - i0);
                // queries, scaled, MR-interleaved
                for (int i = 0; i < MR; i++) {
                    long o = q.offset() + (long) (i0 + i) * q.stride(0) + (long) h * q.stride(1);
                    for (int c = 0; c < d; c++) qp[c * MR + i] = i < rows ? scale * qs.get(RowIo.JF, (o + c * q.stride(2)) * 4) : 0f;
                }
                int mOff = MR * dvp, lOff = mOff + MR;
                java.util.Arrays.fill(acc, 0, MR * dvp, 0f);
                java.util.Arrays.fill(acc, mOff, mOff + MR, Float.NEGATIVE_INFINITY);
                java.util.Arrays.fill(acc, lOff, lOff + MR, 0f);
                int limit = causal ? (int) Math.clamp(i0 + rows - 1 + qOffset + 1, 0, tk) : tk;
                for (int kb = 0; kb < limit; kb += BK) {
                    int bk = Math.min(BK, (limit - kb + NR - 1) / NR * NR);
                    // scores S = Q · Kᵀ for the block, masked past each row's limit
                    for (int p = 0; p < bk; p += NR) MicroKernels.kernel(qp, 0, kp, (kb + p) * d, d, sc, p, BK, false);
                    for (int i = 0; i < MR; i++) {
                        int visible = causal ? (int) Math.clamp(i0 + i + qOffset + 1, 0, tk) : tk;
                        int upTo = Math.clamp(visible - kb, 0, bk);
                        java.util.Arrays.fill(sc, i * BK + upTo, i * BK + bk, Float.NEGATIVE_INFINITY);
                        // online softmax: new max, rescale what was accumulated, exponentiate this block
                        float mOld = acc[mOff + i];
                        float mNew = Math.max(mOld, Rows.max(sc, i * BK, bk));
                        if (mNew == Float.NEGATIVE_INFINITY) {
                            java.util.Arrays.fill(sc, i * BK, i * BK + bk, 0f);
                            continue;
                        }
                        float corr = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
                        float sum = Rows.expSub(sc, i * BK, bk, mNew);
                        acc[lOff + i] = acc[lOff + i] * corr + sum;
                        acc[mOff + i] = mNew;
                        if (corr != 1f) scaleRow(acc, i * dvp, dvp, corr);
                    }
                    // O += P · V, P read row-major straight from the scores
                    for (int cp = 0; cp < dvp; cp += NR) MicroKernels.kernelRows(sc, 0, vp, cp * tkp + kb * NR, bk, acc, cp, dvp, true);
                }
                MemorySegment os = out.segment();
                for (int i = 0; i < rows; i++) {
                    float l = acc[lOff + i];
                    float inv = l > 0 ? 1f / l : 0f;
                    long o = out.offset() + (long) (i0 + i) * out.stride(0) + (long) h * out.stride(1);
                    for (int c = 0; c < dv; c++) os.set(RowIo.JF, (o + c * out.stride(2)) * 4, acc[i * dvp + c] * inv);
                }
            }
        }
    }

    private static void scaleRow(float[] a, int off, int n, float f) {
        int c = 0;
        for (int bound = n - L; c <= bound; c += L) FloatVector.fromArray(F, a, off + c).mul(f).intoArray(a, off + c);
        for (; c < n; c++) a[off + c] *= f;
    }
}
