package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention for a few queries against many cached keys (decoding), split over keys like flash-decoding:
 * a task takes one KV head and a chunk of keys, reads each key and value row once for all the query rows
 * of that head's group (queries × heads sharing the KV head), and leaves a partial result (row max, sum of
 * exponentials, weighted sum of values); the caller merges the chunks with the usual online-softmax
 * rescaling. State and buffers are reused: a call allocates nothing.
 */
final class AttentionDecode {
    private final Parallel par;
    private final Scratch[] scratch;
    private final Job job = new Job();

    /** Scaled queries [Tq, H, D] (contiguous). */
    private float[] qs = new float[0];
    /** Partial results per (KV head, chunk, row): max, sum, then Dv accumulated values. */
    private float[] part = new float[0];

    AttentionDecode(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    void run(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        synchronized (job) {
            int tq = (int) q.dim(0), heads = (int) q.dim(1), d = (int) q.dim(2), dv = (int) v.dim(2);
            int kvHeads = (int) k.dim(1), group = heads / kvHeads;
            // causal: no query sees past key qOffset + tq − 1, so only the filled part of a KV cache is read
            int tk = causal ? (int) Math.max(1, Math.min(k.dim(0), qOffset + tq)) : (int) k.dim(0);
            int rows = tq * group;
            int chunks = Math.max(1, Math.min((tk + 63) / 64, (par.threads() * 4 + kvHeads - 1) / kvHeads));
            int chunk = (tk + chunks - 1) / chunks;
            chunks = (tk + chunk - 1) / chunk;
            if (qs.length < tq * heads * d) qs = new float[tq * heads * d];
            int stride = dv + 2;
            if (part.length < kvHeads * chunks * rows * stride) part = new float[kvHeads * chunks * rows * stride];
            MemorySegment qseg = q.segment();
            for (int i = 0; i < tq; i++) {
                for (int h = 0; h < heads; h++) {
                    long o = q.offset() + i * q.stride(0) + h * q.stride(1);
                    for (int c = 0; c < d; c++) qs[(i * heads + h) * d + c] = scale * qseg.get(Rows.JF, (o + c * q.stride(2)) * 4);
                }
            }
            job.set(q, k, v, causal, qOffset, tk, chunk, chunks, rows);
            long work = (long) tk * kvHeads * (d + dv) * rows;
            int tasks = kvHeads * chunks;
            if (work < Elementwise.PARALLEL_MIN || par.threads() == 1 || tasks == 1) job.run(0, 0, tasks);
            else par.run(job, tasks);
            job.clear();
            merge(out, tq, heads, group, kvHeads, chunks, rows, dv);
        }
    }

    /** Combines the chunks of every (query, head) into out. */
    private void merge(Tensor out, int tq, int heads, int group, int kvHeads, int chunks, int rows, int dv) {
        int stride = dv + 2;
        float[] acc = scratch[0].floats(0, dv);
        MemorySegment os = out.segment();
        for (int i = 0; i < tq; i++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group, r = i * group + h % group;
                float m = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < chunks; c++) m = Math.max(m, part[((g * chunks + c) * rows + r) * stride]);
                java.util.Arrays.fill(acc, 0, dv, 0f);
                float l = 0f;
                if (m != Float.NEGATIVE_INFINITY) {
                    for (int c = 0; c < chunks; c++) {
                        int p = ((g * chunks + c) * rows + r) * stride;
                        if (part[p] == Float.NEGATIVE_INFINITY) continue;
                        float f = (float) Math.exp(part[p] - m);
                        l += f * part[p + 1];
                        axpy(f, part, p + 2, acc, dv);
                    }
                }
                float inv = l > 0 ? 1f / l : 0f;
                long o = out.offset() + i * out.stride(0) + h * out.stride(1);
                for (int c = 0; c < dv; c++) os.set(Rows.JF, (o + c * out.stride(2)) * 4, acc[c] * inv);
            }
        }
    }

    /** acc[0..n) += f · src[s..s+n). */
    static void axpy(float f, float[] src, int s, float[] acc, int n) {
        int c = 0;
        for (int bound = n - L; c <= bound; c += L) {
            FloatVector.fromArray(F, src, s + c).fma(FloatVector.broadcast(F, f), FloatVector.fromArray(F, acc, c)).intoArray(acc, c);
        }
        for (; c < n; c++) acc[c] += f * src[s + c];
    }

    private final class Job implements Parallel.Body {
        Tensor q, k, v;
        boolean causal;
        long qOffset;
        int tk, chunk, chunks, rows;

        void set(Tensor q, Tensor k, Tensor v, boolean causal, long qOffset, int tk, int chunk, int chunks, int rows) {
            this.tk = tk;
            this.q = q;
            this.k = k;
            this.v = v;
            this.causal = causal;
            this.qOffset = qOffset;
            this.chunk = chunk;
            this.chunks = chunks;
            this.rows = rows;
        }

        void clear() {
            q = k = v = null;
        }

        /** Tasks [from, to): task t is KV head t / chunks, key chunk t % chunks (of the tk keys any query sees). */
        @Override
        public void run(int worker, int from, int to) {
            int heads = (int) q.dim(1), d = (int) q.dim(2), dv = (int) v.dim(2);
            int group = heads / (int) k.dim(1);
            Scratch s = scratch[worker];
            float[] sc = s.floats(1, rows * chunk);
            float[] row = s.floats(2, Math.max(d, dv));
            float[] acc = s.floats(3, rows * dv);
            for (int t = from; t < to; t++) {
                int g = t / chunks, c = t % chunks;
                int j0 = c * chunk, j1 = Math.min(tk, j0 + chunk), n = j1 - j0;
                // scores
                for (int j = 0; j < n; j++) {
                    long ko = k.offset() + (long) (j0 + j) * k.stride(0) + (long) g * k.stride(1);
                    boolean f32 = k.dtype() == DType.F32;
                    if (!f32) Rows.decode(k.dtype(), k.segment(), ko, row, 0, d);
                    for (int r = 0; r < rows; r++) {
                        int i = r / group, h = g * group + r % group;
                        float[] qv = qs;
                        int qo = (i * heads + h) * d;
                        boolean visible = !causal || j0 + j <= i + qOffset;
                        sc[r * chunk + j] = !visible ? Float.NEGATIVE_INFINITY
                            : f32 ? dotSegment(k.segment(), ko * 4, qv, qo, d) : dotArray(row, qv, qo, d);
                    }
                }
                // softmax pieces and weighted values
                int stride = dv + 2;
                java.util.Arrays.fill(acc, 0, rows * dv, 0f);
                for (int r = 0; r < rows; r++) {
                    int p = ((g * chunks + c) * rows + r) * stride;
                    float m = Norms.max(sc, r * chunk, n);
                    part[p] = m;
                    part[p + 1] = m == Float.NEGATIVE_INFINITY ? 0f : Norms.expSub(sc, r * chunk, n, m);
                }
                for (int j = 0; j < n; j++) {
                    long vo = v.offset() + (long) (j0 + j) * v.stride(0) + (long) g * v.stride(1);
                    Rows.decode(v.dtype(), v.segment(), vo, row, 0, dv);
                    for (int r = 0; r < rows; r++) {
                        float pj = sc[r * chunk + j];
                        if (pj != 0f && part[((g * chunks + c) * rows + r) * stride] != Float.NEGATIVE_INFINITY) axpy(pj, row, 0, acc, r * dv, dv);
                    }
                }
                for (int r = 0; r < rows; r++) System.arraycopy(acc, r * dv, part, ((g * chunks + c) * rows + r) * stride + 2, dv);
            }
        }
    }

    /** acc[a..a+n) += f · src[s..s+n). */
    private static void axpy(float f, float[] src, int s, float[] acc, int a, int n) {
        FloatVector fv = FloatVector.broadcast(F, f);
        int c = 0;
        for (int bound = n - L; c <= bound; c += L) {
            FloatVector.fromArray(F, src, s + c).fma(fv, FloatVector.fromArray(F, acc, a + c)).intoArray(acc, a + c);
        }
        for (; c < n; c++) acc[a + c] += f * src[s + c];
    }

    /** Σ x[c]·q[qo + c] for an F32 row at byte {@code xb}. */
    private static float dotSegment(MemorySegment x, long xb, float[] q, int qo, int d) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (int bound = d - 2 * L; c <= bound; c += 2 * L) {
            a0 = FloatVector.fromMemorySegment(F, x, xb + c * 4L, LE).fma(FloatVector.fromArray(F, q, qo + c), a0);
            a1 = FloatVector.fromMemorySegment(F, x, xb + (c + L) * 4L, LE).fma(FloatVector.fromArray(F, q, qo + c + L), a1);
        }
        for (int bound = d - L; c <= bound; c += L) a0 = FloatVector.fromMemorySegment(F, x, xb + c * 4L, LE).fma(FloatVector.fromArray(F, q, qo + c), a0);
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) s += x.get(Rows.JF, xb + c * 4L) * q[qo + c];
        return s;
    }

    /** Σ x[c]·q[qo + c]. */
    private static float dotArray(float[] x, float[] q, int qo, int d) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (int bound = d - 2 * L; c <= bound; c += 2 * L) {
            a0 = FloatVector.fromArray(F, x, c).fma(FloatVector.fromArray(F, q, qo + c), a0);
            a1 = FloatVector.fromArray(F, x, c + L).fma(FloatVector.fromArray(F, q, qo + c + L), a1);
        }
        for (int bound = d - L; c <= bound; c += L) a0 = FloatVector.fromArray(F, x, c).fma(FloatVector.fromArray(F, q, qo + c), a0);
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) s += x[c] * q[qo + c];
        return s;
    }
}
