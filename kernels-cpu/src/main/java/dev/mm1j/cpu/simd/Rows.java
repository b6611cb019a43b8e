package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;

import static dev.mm1j.cpu.simd.Vec.LE;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The rows family: ops over the last dim of each row — softmax (optionally causal), layer norm, RMS norm, mean —
 * and the rotary embedding. Each row is read into per-thread scratch (any strides), computed there with F32
 * vectors, and written back. Rotary embedding, Hugging Face half-split layout: the angles of a token are computed
 * once (θ = pos·invFreq[j] as a float product, cos and sin in double rounded to float, like the reference) and
 * applied to every head with vectors over j.
 */
final class Rows {
    private final Elementwise ew;
    private final Scratch[] scratch;

    Rows(Elementwise ew, Scratch[] scratch) {
        this.ew = ew;
        this.scratch = scratch;
    }

    // ------------------------------------------------------------------ softmax

    void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        long rows = RowIo.count(x), n = x.numel();
        if (n == 0) return;
        if (ew.inline(n)) softmaxRows(0, out, x, causal, offset, 0, rows);
        else ew.forRange(rows, n, (w, from, to) -> softmaxRows(w, out, x, causal, offset, from, to));
    }

    private void softmaxRows(int worker, Tensor out, Tensor x, boolean causal, long offset, long from, long to) {
        int len = (int) RowIo.length(x);
        long rowsPerMatrix = x.rank() >= 2 ? x.dim(x.rank() - 2) : 1;
        float[] r = scratch[worker].floats(1, len);
        for (long row = from; row < to; row++) {
            RowIo.readF32(x.segment(), RowIo.offset(x, row), RowIo.lastStride(x), r, len);
            int visible = causal ? (int) Math.clamp(row % rowsPerMatrix + offset + 1, 0, len) : len;
            softmaxInPlace(r, 0, visible, len);
            RowIo.writeF32(r, len, out.segment(), RowIo.offset(out, row), RowIo.lastStride(out));
        }
    }

    /** Softmax of {@code r[pos..pos+visible)}, zeros in {@code [pos+visible, pos+len)}. */
    static void softmaxInPlace(float[] r, int pos, int visible, int len) {
        float max = max(r, pos, visible);
        float sum = expSub(r, pos, visible, max);
        float inv = 1f / sum;
        int i = 0;
        for (int bound = visible - L; i <= bound; i += L) FloatVector.fromArray(F, r, pos + i).mul(inv).intoArray(r, pos + i);
        for (; i < visible; i++) r[pos + i] *= inv;
        for (i = visible; i < len; i++) r[pos + i] = 0f;
    }

    /** Largest of {@code r[pos..pos+n)} (−∞ when n = 0). */
    static float max(float[] r, int pos, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= L) {
            FloatVector vm = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = n - L; i <= bound; i += L) vm = vm.max(FloatVector.fromArray(F, r, pos + i));
            m = vm.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, r[pos + i]);
        return m;
    }

    /** r[i] = exp(r[i] − max) over {@code [pos, pos+n)}; returns the sum. */
    static float expSub(float[] r, int pos, int n, float max) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, r, pos + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(r, pos + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += r[pos + i] = (float) Math.exp(r[pos + i] - max);
        return sum;
    }

    // ------------------------------------------------------------------ layer norm, rms norm

    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        long rows = RowIo.count(x), n = x.numel();
        if (n == 0) return;
        int len = (int) RowIo.length(x);
        float[] w = weight == null ? null : vector(weight, 2, len);
        float[] b = bias == null ? null : vector(bias, 3, len);
        if (ew.inline(n)) layerNormRows(0, out, x, w, b, eps, 0, rows);
        else ew.forRange(rows, n, (wk, from, to) -> layerNormRows(wk, out, x, w, b, eps, from, to));
    }

    private void layerNormRows(int worker, Tensor out, Tensor x, float[] w, float[] b, float eps, long from, long to) {
        int len = (int) RowIo.length(x);
        float[] r = scratch[worker].floats(1, len);
        for (long row = from; row < to; row++) {
            RowIo.readF32(x.segment(), RowIo.offset(x, row), RowIo.lastStride(x), r, len);
            float mean = sum(r, len) / len;
            FloatVector vs = FloatVector.zero(F);
            int i = 0;
            for (int bound = len - L; i <= bound; i += L) {
                FloatVector d = FloatVector.fromArray(F, r, i).sub(mean);
                vs = d.fma(d, vs);
            }
            float var = vs.reduceLanes(VectorOperators.ADD);
            for (; i < len; i++) var += (r[i] - mean) * (r[i] - mean);
            float inv = (float) (1 / Math.sqrt(var / len + eps));
            i = 0;
            for (int bound = len - L; i <= bound; i += L) {
                FloatVector y = FloatVector.fromArray(F, r, i).sub(mean).mul(inv);
                if (w != null) y = y.mul(FloatVector.fromArray(F, w, i));
                if (b != null) y = y.add(FloatVector.fromArray(F, b, i));
                y.intoArray(r, i);
            }
            for (; i < len; i++) {
                float y = (r[i] - mean) * inv;
                if (w != null) y *= w[i];
                if (b != null) y += b[i];
                r[i] = y;
            }
            RowIo.writeF32(r, len, out.segment(), RowIo.offset(out, row), RowIo.lastStride(out));
        }
    }

    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        long rows = RowIo.count(x), n = x.numel();
        if (n == 0) return;
        int len = (int) RowIo.length(x);
        float[] w = vector(weight, 2, len);
        if (ew.inline(n)) rmsNormRows(0, out, x, w, eps, 0, rows);
        else ew.forRange(rows, n, (wk, from, to) -> rmsNormRows(wk, out, x, w, eps, from, to));
    }

    private void rmsNormRows(int worker, Tensor out, Tensor x, float[] w, float eps, long from, long to) {
        int len = (int) RowIo.length(x);
        float[] r = scratch[worker].floats(1, len);
        for (long row = from; row < to; row++) {
            RowIo.readF32(x.segment(), RowIo.offset(x, row), RowIo.lastStride(x), r, len);
            FloatVector vs = FloatVector.zero(F);
            int i = 0;
            for (int bound = len - L; i <= bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, r, i);
                vs = v.fma(v, vs);
            }
            float ss = vs.reduceLanes(VectorOperators.ADD);
            for (; i < len; i++) ss += r[i] * r[i];
            float inv = (float) (1 / Math.sqrt(ss / len + eps));
            i = 0;
            for (int bound = len - L; i <= bound; i += L) {
                FloatVector.fromArray(F, r, i).mul(inv).mul(FloatVector.fromArray(F, w, i)).intoArray(r, i);
            }
            for (; i < len; i++) r[i] = r[i] * inv * w[i];
            RowIo.writeF32(r, len, out.segment(), RowIo.offset(out, row), RowIo.lastStride(out));
        }
    }

    // ------------------------------------------------------------------ mean

    void mean(Tensor out, Tensor x) {
        long rows = RowIo.count(x), n = x.numel();
        if (rows == 0) return;
        int len = (int) RowIo.length(x);
        float[] r = scratch[0].floats(1, len);
        MemorySegment os = out.segment();
        for (long row = 0; row < rows; row++) {
            RowIo.readF32(x.segment(), RowIo.offset(x, row), RowIo.lastStride(x), r, len);
            os.set(RowIo.JF, RowIo.element(out, row) * 4, len == 0 ? Float.NaN : sum(r, len) / len);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Σ r[0..n). */
    static float sum(float[] r, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            a0 = a0.add(FloatVector.fromArray(F, r, i));
            a1 = a1.add(FloatVector.fromArray(F, r, i + L));
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += r[i];
        return s;
    }

    /** A 1-D F32 tensor (any stride) copied into scratch slot {@code slot} of the calling thread. */
    private float[] vector(Tensor v, int slot, int len) {
        float[] a = scratch[0].floats(slot, len);
        RowIo.readF32(v.segment(), v.offset(), v.stride(0), a, len);
        return a;
    }

    // ------------------------------------------------------------------ rope

    void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        long t = x.dim(0), n = x.numel();
        if (n == 0) return;
        int half = (int) (x.dim(2) / 2);
        float[] inv = scratch[0].floats(2, half);
        RowIo.readF32(invFreq.segment(), invFreq.offset(), invFreq.stride(0), inv, half);
        if (ew.inline(n)) ropeTokens(0, out, x, positions, inv, 0, t);
        else ew.forRange(t, n, (w, from, to) -> ropeTokens(w, out, x, positions, inv, from, to));
    }

    private void ropeTokens(int worker, Tensor out, Tensor x, Tensor positions, float[] inv, long from, long to) {
        long heads = x.dim(1);
        int half = (int) (x.dim(2) / 2);
        float[] cs = scratch[worker].floats(1, 2 * half);
        MemorySegment xs = x.segment(), os = out.segment();
        long xd = x.stride(2), od = out.stride(2);
        for (long t = from; t < to; t++) {
            int pos = positions.segment().get(RowIo.JI, (positions.offset() + t * positions.stride(0)) * 4);
            for (int j = 0; j < half; j++) {
                float theta = (float) pos * inv[j];
                cs[j] = (float) Math.cos(theta);
                cs[half + j] = (float) Math.sin(theta);
            }
            for (long h = 0; h < heads; h++) {
                long xo = x.offset() + t * x.stride(0) + h * x.stride(1);
                long oo = out.offset() + t * out.stride(0) + h * out.stride(1);
                int j = 0;
                if (xd == 1 && od == 1) {
                    for (int bound = half - L; j <= bound; j += L) {
                        FloatVector a = FloatVector.fromMemorySegment(F, xs, (xo + j) * 4, LE);
                        FloatVector b = FloatVector.fromMemorySegment(F, xs, (xo + half + j) * 4, LE);
                        FloatVector c = FloatVector.fromArray(F, cs, j), s = FloatVector.fromArray(F, cs, half + j);
                        a.mul(c).sub(b.mul(s)).intoMemorySegment(os, (oo + j) * 4, LE);
                        b.mul(c).add(a.mul(s)).intoMemorySegment(os, (oo + half + j) * 4, LE);
                    }
                }
                for (; j < half; j++) {
                    float a = xs.get(RowIo.JF, (xo + j * xd) * 4), b = xs.get(RowIo.JF, (xo + (half + j) * xd) * 4);
                    float c = cs[j], s = cs[half + j];
                    os.set(RowIo.JF, (oo + j * od) * 4, a * c - b * s);
                    os.set(RowIo.JF, (oo + (half + j) * od) * 4, b * c + a * s);
                }
            }
        }
    }
}
