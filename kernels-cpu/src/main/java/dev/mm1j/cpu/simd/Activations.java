package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation functions, vectorised (silu, gelu with the exact erf, quick_gelu, sigmoid) and fused swiglu.
 * The exponential is the Vector API's {@code EXP} (about 1 ulp). GELU is {@code x·Φ(x)} with Φ from a
 * polynomial near 0 and {@code exp(−x²/2)·N(|x|)/D(|x|)} in the tails, the exponent split so that its argument
 * is exact: relative error of Φ below 4e-7 everywhere (coefficients from tools/kernels/fit_gelu.py).
 */
final class Activations {
    private final Elementwise ew;

    Activations(Elementwise ew) {
        this.ew = ew;
    }

    /** out = f(x). */
    void unary(UnaryOp op, Tensor out, Tensor x) {
        long n = x.numel();
        if (n == 0) return;
        if (out.isContiguous() && x.isContiguous()) {
            long xo = x.offset(), oo = out.offset();
            if (ew.inline(n)) {
                apply(op, out.segment(), oo, x.segment(), xo, n);
                return;
            }
            long chunk = 4096, chunks = (n + chunk - 1) / chunk;
            ew.forRange(chunks, n, (w, from, to) -> {
                long s = from * chunk, e = Math.min(n, to * chunk);
                apply(op, out.segment(), oo + s, x.segment(), xo + s, e - s);
            });
            return;
        }
        long rows = RowIo.count(x);
        if (ew.inline(n)) unaryRows(op, out, x, 0, rows);
        else ew.forRange(rows, n, (w, from, to) -> unaryRows(op, out, x, from, to));
    }

    private static void unaryRows(UnaryOp op, Tensor out, Tensor x, long from, long to) {
        long len = RowIo.length(x), xs = RowIo.lastStride(x), os = RowIo.lastStride(out);
        MemorySegment xseg = x.segment(), oseg = out.segment();
        for (long r = from; r < to; r++) {
            long xo = RowIo.offset(x, r), oo = RowIo.offset(out, r);
            if (xs == 1 && os == 1) {
                apply(op, oseg, oo, xseg, xo, len);
            } else {
                for (long i = 0; i < len; i++) oseg.set(RowIo.JF, (oo + i * os) * 4, scalar(op, xseg.get(RowIo.JF, (xo + i * xs) * 4)));
            }
        }
    }

    /** out = silu(gate) · up (all F32; contiguous fast path, strided through two ops). */
    void swiglu(Tensor out, Tensor gate, Tensor up) {
        long n = gate.numel();
        if (n == 0) return;
        if (!(out.isContiguous() && gate.isContiguous() && up.isContiguous())) {
            unary(UnaryOp.SILU, out, gate);
            ew.binary(out, out, up, true);
            return;
        }
        long go = gate.offset(), uo = up.offset(), oo = out.offset();
        if (ew.inline(n)) {
            swigluRun(out.segment(), oo, gate.segment(), go, up.segment(), uo, n);
            return;
        }
        long chunk = 4096, chunks = (n + chunk - 1) / chunk;
        ew.forRange(chunks, n, (w, from, to) -> {
            long s = from * chunk, e = Math.min(n, to * chunk);
            swigluRun(out.segment(), oo + s, gate.segment(), go + s, up.segment(), uo + s, e - s);
        });
    }

    private static void swigluRun(MemorySegment os, long oo, MemorySegment gs, long go, MemorySegment us, long uo, long n) {
        long i = 0;
        for (long bound = n - L; i <= bound; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, gs, (go + i) * 4, LE);
            FloatVector u = FloatVector.fromMemorySegment(F, us, (uo + i) * 4, LE);
            silu(g).mul(u).intoMemorySegment(os, (oo + i) * 4, LE);
        }
        for (; i < n; i++) os.set(RowIo.JF, (oo + i) * 4, scalar(UnaryOp.SILU, gs.get(RowIo.JF, (go + i) * 4)) * us.get(RowIo.JF, (uo + i) * 4));
    }

    /**
     * Applies {@code op} to n contiguous floats (element offsets). One loop per function, with the whole
     * formula inside it: a vector returned from a call the JIT does not inline would be boxed.
     */
    static void apply(UnaryOp op, MemorySegment os, long oo, MemorySegment xs, long xo, long n) {
        long i = switch (op) {
            case GELU -> gelu(os, oo, xs, xo, n);
            case SILU, QUICK_GELU, SIGMOID -> logistic(op, os, oo, xs, xo, n);
        };
        for (; i < n; i++) os.set(RowIo.JF, (oo + i) * 4, scalar(op, xs.get(RowIo.JF, (xo + i) * 4)));
    }

    /** silu, quick_gelu and sigmoid, all x·σ(a·x) or σ(x); returns how many elements were done. */
    private static long logistic(UnaryOp op, MemorySegment os, long oo, MemorySegment xs, long xo, long n) {
        float a = op == UnaryOp.QUICK_GELU ? -1.702f : -1f;
        boolean times = op != UnaryOp.SIGMOID;
        FloatVector one = FloatVector.broadcast(F, 1f);
        long i = 0;
        for (long bound = n - L; i <= bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(F, xs, (xo + i) * 4, LE);
            FloatVector d = x.mul(a).lanewise(VectorOperators.EXP).add(1f);
            (times ? x : one).div(d).intoMemorySegment(os, (oo + i) * 4, LE);
        }
        return i;
    }

    static FloatVector silu(FloatVector x) {
        return x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    /** x·Φ(x) over whole vectors; returns how many elements were done. */
    private static long gelu(MemorySegment os, long oo, MemorySegment xs, long xo, long n) {
        FloatVector c0 = FloatVector.broadcast(F, CENTRAL[0]), c1 = FloatVector.broadcast(F, CENTRAL[1]), c2 = FloatVector.broadcast(F, CENTRAL[2]);
        FloatVector c3 = FloatVector.broadcast(F, CENTRAL[3]), c4 = FloatVector.broadcast(F, CENTRAL[4]), c5 = FloatVector.broadcast(F, CENTRAL[5]);
        FloatVector c6 = FloatVector.broadcast(F, CENTRAL[6]);
        FloatVector n0 = FloatVector.broadcast(F, TAIL_NUM[0]), n1 = FloatVector.broadcast(F, TAIL_NUM[1]), n2 = FloatVector.broadcast(F, TAIL_NUM[2]);
        FloatVector n3 = FloatVector.broadcast(F, TAIL_NUM[3]), n4 = FloatVector.broadcast(F, TAIL_NUM[4]);
        FloatVector d1 = FloatVector.broadcast(F, TAIL_DEN[1]), d2 = FloatVector.broadcast(F, TAIL_DEN[2]), d3 = FloatVector.broadcast(F, TAIL_DEN[3]);
        FloatVector d4 = FloatVector.broadcast(F, TAIL_DEN[4]), d5 = FloatVector.broadcast(F, TAIL_DEN[5]);
        FloatVector half = FloatVector.broadcast(F, 0.5f), one = FloatVector.broadcast(F, 1f), minusOne = FloatVector.broadcast(F, -1f);
        long i = 0;
        for (long bound = n - L; i <= bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(F, xs, (xo + i) * 4, LE);
            FloatVector ax = x.abs();
            // central: 1/2 + x·P(x²)
            FloatVector x2 = x.mul(x);
            FloatVector p = c6.fma(x2, c5).fma(x2, c4).fma(x2, c3).fma(x2, c2).fma(x2, c1).fma(x2, c0);
            FloatVector central = x.fma(p, half);
            // tails: T = exp(−a²/2)·N(a)/D(a), a² split as ah² (exact) + al·(a + ah)
            FloatVector a = ax.min(A_MAX);
            FloatVector ah = a.reinterpretAsInts().and(0xfffff000).reinterpretAsFloats();
            FloatVector d = a.sub(ah).mul(a.add(ah)).mul(0.5f);
            FloatVector e = ah.mul(ah).mul(-0.5f).lanewise(VectorOperators.EXP);
            FloatVector corr = d.mul(1f / 24).sub(1f / 6).fma(d, half).fma(d, minusOne).fma(d, one);
            FloatVector num = n4.fma(a, n3).fma(a, n2).fma(a, n1).fma(a, n0);
            FloatVector den = d5.fma(a, d4).fma(a, d3).fma(a, d2).fma(a, d1).fma(a, one);
            FloatVector t = e.mul(corr).mul(num.div(den)).blend(0f, ax.compare(VectorOperators.GT, A_MAX));
            FloatVector tail = one.sub(t).blend(t, x.compare(VectorOperators.LT, 0f));
            x.mul(tail.blend(central, ax.compare(VectorOperators.LE, C))).intoMemorySegment(os, (oo + i) * 4, LE);
        }
        return i;
    }

    /** The scalar tail, in float (same formulas as the vectors). */
    static float scalar(UnaryOp op, float x) {
        return switch (op) {
            case SILU -> x / (1f + (float) Math.exp(-x));
            case GELU -> x * phi(x);
            case QUICK_GELU -> x / (1f + (float) Math.exp(-1.702f * x));
            case SIGMOID -> 1f / (1f + (float) Math.exp(-x));
        };
    }

    // ------------------------------------------------------------------ Φ, the normal CDF

    private static final float C = 0.7f;
    private static final float A_MAX = 13f;
    private static final float[] CENTRAL = {3.989422804e-01f, -6.649038005e-02f, 9.973556597e-03f, -1.187324242e-03f, 1.154150141e-04f, -9.392220291e-06f, 5.939648845e-07f};
    private static final float[] TAIL_NUM = {5.000027290e-01f, 4.589491099e-01f, 1.998984965e-01f, 4.665048915e-02f, 5.154967039e-03f};
    private static final float[] TAIL_DEN = {1.000000000e+00f, 1.715823710e+00f, 1.268687974e+00f, 5.139008446e-01f, 1.169391235e-01f, 1.292152132e-02f};

    /** Φ(x), scalar, same formulas. */
    static float phi(float x) {
        float ax = Math.abs(x);
        if (ax <= C) {
            float x2 = x * x, p = CENTRAL[6];
            for (int k = 5; k >= 0; k--) p = Math.fma(p, x2, CENTRAL[k]);
            return Math.fma(x, p, 0.5f);
        }
        if (Float.isNaN(x)) return x;
        float t = 0f;
        if (ax <= A_MAX) {
            float ah = Float.intBitsToFloat(Float.floatToRawIntBits(ax) & 0xfffff000), al = ax - ah;
            float d = al * (ax + ah) * 0.5f;
            float e = (float) Math.exp(ah * ah * -0.5f);
            float corr = Math.fma(Math.fma(Math.fma(d * (1f / 24) - 1f / 6, d, 0.5f), d, -1f), d, 1f);
            float num = TAIL_NUM[4], den = TAIL_DEN[5];
            for (int k = 3; k >= 0; k--) num = Math.fma(num, ax, TAIL_NUM[k]);
            for (int k = 4; k >= 0; k--) den = Math.fma(den, ax, TAIL_DEN[k]);
            t = e * corr * (num / den);
        }
        return x < 0 ? t : 1f - t;
    }
}
