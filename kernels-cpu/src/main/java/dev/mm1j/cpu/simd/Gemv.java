package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.I;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code out[m, n] = x[m, :] · w[n, :]} for a few rows of x (decoding): memory-bound, every weight byte read
 * once per call from memory (further rows of x reuse the weight row from L1), threads split over N.
 * The activations are prepared once per call on the calling thread: copied (F32, and F16 for one row, whose
 * weights are converted by a vectorised {@code Float.float16ToFloat} pass), split into even and odd lanes per
 * 2L-element chunk (BF16, and F16 with several rows: a 32-bit load then holds one even and one odd weight per
 * lane, converted with a shift or a mask, no shuffles), or quantized to 8-bit blocks (Q8_0, Q4_0; see {@link QuantDot}).
 */
final class Gemv {
    /** Largest M handled here; more rows go to {@link Gemm}. */
    static final int MAX_M = 8;

    private final Parallel par;
    private final Scratch[] scratch;
    private final Job job = new Job();
    /** Prepared activations and Q8 block scales (written by the caller, read by every thread). */
    private float[] xp = new float[0];
    private float[] xd = new float[0];

    Gemv(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    /**
     * out (element offset oo, row stride n) = x (F32 rows at element offset xo, row stride xs) · w (dtype wt,
     * element offset wo, row stride ws elements)ᵀ, m ≤ {@link #MAX_M}.
     */
    void run(MemorySegment out, long oo, MemorySegment x, long xo, long xs, DType wt, MemorySegment w, long wo, long ws, int m, int n, int k) {
        synchronized (job) {
            prepare(x, xo, xs, wt, m, k);
            job.set(out, oo, wt, w, wo, ws, m, n, k);
            long bytes = wt.byteSize(k) * (long) n;
            if (bytes < (1 << 16) || par.threads() == 1) job.run(0, 0, n);
            else par.run(job, n, 16, 4);
            job.clear();
        }
    }

    /** Activations in the layout the dot kernels read; with m > 1, rows up to a multiple of 4 are zeros. */
    private void prepare(MemorySegment x, long xo, long xs, DType wt, int m, int k) {
        int rows = m == 1 ? 1 : (m + 3) / 4 * 4;
        if (xp.length < rows * k) xp = new float[rows * k];
        if (xd.length < rows * k / 32) xd = new float[rows * k / 32];
        java.util.Arrays.fill(xp, m * k, rows * k, 0f);
        java.util.Arrays.fill(xd, m * k / 32, rows * k / 32, 0f);
        switch (wt) {
            case F32 -> {
                for (int i = 0; i < m; i++) MemorySegment.copy(x, RowIo.JF, (xo + i * xs) * 4, xp, i * k, k);
            }
            case F16, BF16 -> {
                if (wt == DType.F16 && m == 1) { // the conversion-pass kernel reads x in order
                    MemorySegment.copy(x, RowIo.JF, xo * 4, xp, 0, k);
                    return;
                }
                for (int i = 0; i < m; i++) {
                    long r = (xo + i * xs) * 4;
                    int chunks = k / (2 * L);
                    for (int c = 0; c < chunks; c++) {
                        for (int l = 0; l < L; l++) {
                            xp[i * k + c * 2 * L + l] = x.get(RowIo.JF, r + (c * 2L * L + 2L * l) * 4);
                            xp[i * k + c * 2 * L + L + l] = x.get(RowIo.JF, r + (c * 2L * L + 2L * l + 1) * 4);
                        }
                    }
                    for (int j = chunks * 2 * L; j < k; j++) xp[i * k + j] = x.get(RowIo.JF, r + j * 4L);
                }
            }
            case Q8_0, Q4_0 -> {
                for (int i = 0; i < m; i++) QuantDot.quantizeQ8(x, (xo + i * xs) * 4, k, xp, i * k, xd, i * k / 32);
                if (wt == DType.Q4_0) QuantDot.prescaleHighHalves(xp, m * k);
            }
            default -> throw new IllegalArgumentException("[matmul] no GEMV for " + wt);
        }
    }

    private final class Job implements Parallel.Body {
        MemorySegment out, w;
        long oo, wo, ws;
        DType wt;
        int m, n, k;

        void set(MemorySegment out, long oo, DType wt, MemorySegment w, long wo, long ws, int m, int n, int k) {
            this.out = out;
            this.oo = oo;
            this.wt = wt;
            this.w = w;
            this.wo = wo;
            this.ws = ws;
            this.m = m;
            this.n = n;
            this.k = k;
        }

        void clear() {
            out = w = null;
        }

        @Override
        public void run(int worker, int from, int to) {
            float[] xr = xp, sc = xd;
            if (m > 1) {
                batch(worker, xr, sc, from, to);
                return;
            }
            // four rows of F16 weights converted to floats (slot 1; batch() keeps its four dots in slot 0)
            float[] halves = wt == DType.F16 ? scratch[worker].floats(1, 4 * HALVES) : null;
            int j = from;
            // four weight rows at a time: four memory streams in flight, each activation load used four times
            for (; j + 4 <= to; j += 4) {
                long row = wo + j * ws;
                for (int i = 0; i < m; i++) {
                    long ob = (oo + (long) i * n + j) * 4;
                    switch (wt) {
                        case F32 -> dotF32x4(w, row * 4, ws * 4, xr, i * k, k, out, ob);
                        case BF16 -> dotBf16x4(w, row * 2, ws * 2, xr, i * k, k, out, ob);
                        case F16 -> dotF16x4(w, row * 2, ws * 2, xr, k, halves, out, ob);
                        case Q8_0 -> QuantDot.dotQ8x4(w, wt.byteSize(row), wt.byteSize(ws), xr, i * k, sc, i * k / 32, k, out, ob);
                        case Q4_0 -> {
                            QuantDot.dotQ4x2(w, wt.byteSize(row), wt.byteSize(ws), xr, i * k, sc, i * k / 32, k, out, ob);
                            QuantDot.dotQ4x2(w, wt.byteSize(row + 2 * ws), wt.byteSize(ws), xr, i * k, sc, i * k / 32, k, out, ob + 8);
                        }
                        default -> throw new IllegalStateException();
                    }
                }
            }
            for (; j < to; j++) {
                long row = wo + j * ws;
                for (int i = 0; i < m; i++) {
                    float dot = switch (wt) {
                        case F32 -> dotF32(w, row * 4, xr, i * k, k);
                        case BF16 -> dotBf16(w, row * 2, xr, i * k, k);
                        case F16 -> dotF16x1(w, row * 2, xr, k, halves);
                        case Q8_0 -> QuantDot.dotQ8(w, wt.byteSize(row), xr, i * k, sc, i * k / 32, k);
                        case Q4_0 -> QuantDot.dotQ4(w, wt.byteSize(row), xr, i * k, sc, i * k / 32, k);
                        default -> throw new IllegalStateException();
                    };
                    out.set(RowIo.JF, (oo + (long) i * n + j) * 4, dot);
                }
            }
        }

        /** m > 1: each weight row against groups of four activation rows (the weights converted once per group). */
        private void batch(int worker, float[] xr, float[] sc, int from, int to) {
            float[] r = scratch[worker].floats(0, 4);
            int blocks = k / 32;
            for (int j = from; j < to; j++) {
                long row = wo + j * ws;
                for (int i0 = 0; i0 < m; i0 += 4) {
                    switch (wt) {
                        case F32 -> GemvBatch.f32(w, row * 4, xr, i0 * k, k, r);
                        case BF16 -> GemvBatch.bf16(w, row * 2, xr, i0 * k, k, r);
                        case F16 -> GemvBatch.f16(w, row * 2, xr, i0 * k, k, r);
                        case Q8_0 -> GemvBatch.q8(w, wt.byteSize(row), xr, i0 * k, sc, i0 * blocks, k, r);
                        case Q4_0 -> GemvBatch.q4(w, wt.byteSize(row), xr, i0 * k, sc, i0 * blocks, k, r);
                        default -> throw new IllegalStateException();
                    }
                    for (int i = i0; i < Math.min(m, i0 + 4); i++) out.set(RowIo.JF, (oo + (long) i * n + j) * 4, r[i - i0]);
                }
            }
        }
    }

    /** F16 weights converted per pass and row (a 16 KB scratch of four rows stays in L1). */
    static final int HALVES = 1024;

    // ------------------------------------------------------------------ dots

    /** Σ w[j]·x[xo + j] over k F32 weights at byte {@code wb}. */
    static float dotF32(MemorySegment w, long wb, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - 4 * L; j <= bound; j += 4 * L) {
            a0 = FloatVector.fromMemorySegment(F, w, wb + j * 4L, LE).fma(FloatVector.fromArray(F, x, xo + j), a0);
            a1 = FloatVector.fromMemorySegment(F, w, wb + (j + L) * 4L, LE).fma(FloatVector.fromArray(F, x, xo + j + L), a1);
            a2 = FloatVector.fromMemorySegment(F, w, wb + (j + 2 * L) * 4L, LE).fma(FloatVector.fromArray(F, x, xo + j + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(F, w, wb + (j + 3 * L) * 4L, LE).fma(FloatVector.fromArray(F, x, xo + j + 3 * L), a3);
        }
        for (int bound = k - L; j <= bound; j += L) {
            a0 = FloatVector.fromMemorySegment(F, w, wb + j * 4L, LE).fma(FloatVector.fromArray(F, x, xo + j), a0);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; j < k; j++) s += w.get(RowIo.JF, wb + j * 4L) * x[xo + j];
        return s;
    }

    /** Four F32 rows {@code rb} bytes apart; results to out at byte {@code ob} (four consecutive floats). */
    static void dotF32x4(MemorySegment w, long wb, long rb, float[] x, int xo, int k, MemorySegment out, long ob) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - L; j <= bound; j += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + j);
            long o = wb + j * 4L;
            a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, o + rb, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, o + 2 * rb, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, o + 3 * rb, LE).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; j < k; j++) {
            long o = wb + j * 4L;
            float xv = x[xo + j];
            s0 += w.get(RowIo.JF, o) * xv;
            s1 += w.get(RowIo.JF, o + rb) * xv;
            s2 += w.get(RowIo.JF, o + 2 * rb) * xv;
            s3 += w.get(RowIo.JF, o + 3 * rb) * xv;
        }
        store4(out, ob, s0, s1, s2, s3);
    }

    static void store4(MemorySegment out, long ob, float s0, float s1, float s2, float s3) {
        out.set(RowIo.JF, ob, s0);
        out.set(RowIo.JF, ob + 4, s1);
        out.set(RowIo.JF, ob + 8, s2);
        out.set(RowIo.JF, ob + 12, s3);
    }

    /** Four BF16 rows against even/odd-split activations. */
    static void dotBf16x4(MemorySegment w, long wb, long rb, float[] x, int xo, int k, MemorySegment out, long ob) {
        FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int j = 0;
        for (int bound = k - 2 * L; j <= bound; j += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, x, xo + j), xd = FloatVector.fromArray(F, x, xo + j + L);
            long o = wb + j * 2L;
            IntVector v0 = IntVector.fromMemorySegment(I, w, o, LE), v1 = IntVector.fromMemorySegment(I, w, o + rb, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE), v3 = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            e0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e0);
            o0 = v0.and(0xffff0000).reinterpretAsFloats().fma(xd, o0);
            e1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e1);
            o1 = v1.and(0xffff0000).reinterpretAsFloats().fma(xd, o1);
            e2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e2);
            o2 = v2.and(0xffff0000).reinterpretAsFloats().fma(xd, o2);
            e3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e3);
            o3 = v3.and(0xffff0000).reinterpretAsFloats().fma(xd, o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD), s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD), s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (; j < k; j++) {
            long o = wb + j * 2L;
            float xv = x[xo + j];
            s0 += bf16(w.get(RowIo.JS, o)) * xv;
            s1 += bf16(w.get(RowIo.JS, o + rb)) * xv;
            s2 += bf16(w.get(RowIo.JS, o + 2 * rb)) * xv;
            s3 += bf16(w.get(RowIo.JS, o + 3 * rb)) * xv;
        }
        store4(out, ob, s0, s1, s2, s3);
    }

    private static float bf16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }


    /** BF16 weights against even/odd-split activations. */
    static float dotBf16(MemorySegment w, long wb, float[] x, int xo, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - 4 * L; j <= bound; j += 4 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wb + j * 2L, LE);
            IntVector u = IntVector.fromMemorySegment(I, w, wb + (j + 2 * L) * 2L, LE);
            a0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j), a0);
            a1 = v.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j + L), a1);
            a2 = u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j + 2 * L), a2);
            a3 = u.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j + 3 * L), a3);
        }
        for (int bound = k - 2 * L; j <= bound; j += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wb + j * 2L, LE);
            a0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j), a0);
            a1 = v.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + j + L), a1);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; j < k; j++) s += Float.intBitsToFloat((w.get(RowIo.JS, wb + j * 2L) & 0xffff) << 16) * x[xo + j];
        return s;
    }

    /**
     * Four F16 rows {@code rb} bytes apart against activations in order; results to out at byte {@code ob}.
     * Each pass converts {@link #HALVES} weights of every row into {@code t} with {@link #toFloats} (C2
     * auto-vectorises it into {@code vcvtph2ps}: exact for every half, subnormals included, and about twice as
     * fast as converting in Vector API integer arithmetic, whose float multiply takes a microcode assist on
     * every subnormal half), then runs the dot products over {@code t} from L1, sharing each activation load.
     */
    static void dotF16x4(MemorySegment w, long wb, long rb, float[] x, int k, float[] t, MemorySegment out, long ob) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int c = 0; c < k; c += HALVES) {
            int len = Math.min(HALVES, k - c);
            long o = wb + c * 2L;
            toFloats(w, o, t, 0, len);
            toFloats(w, o + rb, t, HALVES, len);
            toFloats(w, o + 2 * rb, t, 2 * HALVES, len);
            toFloats(w, o + 3 * rb, t, 3 * HALVES, len);
            int j = 0;
            for (int bound = len - L; j <= bound; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, c + j);
                a0 = FloatVector.fromArray(F, t, j).fma(xv, a0);
                a1 = FloatVector.fromArray(F, t, HALVES + j).fma(xv, a1);
                a2 = FloatVector.fromArray(F, t, 2 * HALVES + j).fma(xv, a2);
                a3 = FloatVector.fromArray(F, t, 3 * HALVES + j).fma(xv, a3);
            }
            for (; j < len; j++) {
                float xv = x[c + j];
                s0 += t[j] * xv;
                s1 += t[HALVES + j] * xv;
                s2 += t[2 * HALVES + j] * xv;
                s3 += t[3 * HALVES + j] * xv;
            }
        }
        store4(out, ob, a0.reduceLanes(VectorOperators.ADD) + s0, a1.reduceLanes(VectorOperators.ADD) + s1,
            a2.reduceLanes(VectorOperators.ADD) + s2, a3.reduceLanes(VectorOperators.ADD) + s3);
    }

    /** One F16 row against activations in order (the rows {@link #dotF16x4} leaves over). */
    static float dotF16x1(MemorySegment w, long wb, float[] x, int k, float[] t) {
        FloatVector a0 = FloatVector.zero(F);
        float s = 0;
        for (int c = 0; c < k; c += HALVES) {
            int len = Math.min(HALVES, k - c);
            toFloats(w, wb + c * 2L, t, 0, len);
            int j = 0;
            for (int bound = len - L; j <= bound; j += L) a0 = FloatVector.fromArray(F, t, j).fma(FloatVector.fromArray(F, x, c + j), a0);
            for (; j < len; j++) s += t[j] * x[c + j];
        }
        return a0.reduceLanes(VectorOperators.ADD) + s;
    }

    /** t[to + i] = the F16 value at byte wb + 2i, i &lt; len: a plain loop that C2 vectorises. */
    static void toFloats(MemorySegment w, long wb, float[] t, int to, int len) {
        for (int i = 0; i < len; i++) t[to + i] = Float.float16ToFloat(w.get(RowIo.JS, wb + i * 2L));
    }
}
