package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.B;
import static dev.mm1j.cpu.simd.Vec.BPARTS;
import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.I;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One weight row against four activation rows (batched decoding, 2 ≤ M ≤ {@link Gemv#MAX_M}): the weights
 * are loaded and converted once and used four times. Activation rows are {@code k} floats apart in the
 * prepared layout of {@link Gemv} (copied, even/odd-split or Q8-quantized); missing rows are zeros. The four
 * dots go to {@code r[0..4)}.
 */
final class GemvBatch {
    private GemvBatch() {}

    static void f32(MemorySegment w, long wb, float[] x, int xo, int k, float[] r) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - L; j <= bound; j += L) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, wb + j * 4L, LE);
            a0 = wv.fma(FloatVector.fromArray(F, x, xo + j), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xo + k + j), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xo + 2 * k + j), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xo + 3 * k + j), a3);
        }
        sums(a0, a1, a2, a3, r);
        for (; j < k; j++) tail(w.get(RowIo.JF, wb + j * 4L), x, xo + j, k, r);
    }

    static void bf16(MemorySegment w, long wb, float[] x, int xo, int k, float[] r) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - 2 * L; j <= bound; j += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wb + j * 2L, LE);
            FloatVector even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), odd = v.and(0xffff0000).reinterpretAsFloats();
            a0 = odd.fma(FloatVector.fromArray(F, x, xo + j + L), even.fma(FloatVector.fromArray(F, x, xo + j), a0));
            a1 = odd.fma(FloatVector.fromArray(F, x, xo + k + j + L), even.fma(FloatVector.fromArray(F, x, xo + k + j), a1));
            a2 = odd.fma(FloatVector.fromArray(F, x, xo + 2 * k + j + L), even.fma(FloatVector.fromArray(F, x, xo + 2 * k + j), a2));
            a3 = odd.fma(FloatVector.fromArray(F, x, xo + 3 * k + j + L), even.fma(FloatVector.fromArray(F, x, xo + 3 * k + j), a3));
        }
        sums(a0, a1, a2, a3, r);
        for (; j < k; j++) tail(Float.intBitsToFloat((w.get(RowIo.JS, wb + j * 2L) & 0xffff) << 16), x, xo + j, k, r);
    }

    static void f16(MemorySegment w, long wb, float[] x, int xo, int k, float[] r) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int bound = k - 2 * L; j <= bound; j += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wb + j * 2L, LE);
            FloatVector even = Vec.f16High(v.lanewise(VectorOperators.LSHL, 16)), odd = Vec.f16High(v);
            a0 = odd.fma(FloatVector.fromArray(F, x, xo + j + L), even.fma(FloatVector.fromArray(F, x, xo + j), a0));
            a1 = odd.fma(FloatVector.fromArray(F, x, xo + k + j + L), even.fma(FloatVector.fromArray(F, x, xo + k + j), a1));
            a2 = odd.fma(FloatVector.fromArray(F, x, xo + 2 * k + j + L), even.fma(FloatVector.fromArray(F, x, xo + 2 * k + j), a2));
            a3 = odd.fma(FloatVector.fromArray(F, x, xo + 3 * k + j + L), even.fma(FloatVector.fromArray(F, x, xo + 3 * k + j), a3));
        }
        sums(a0, a1, a2, a3, r);
        for (; j < k; j++) tail(Float.float16ToFloat(w.get(RowIo.JS, wb + j * 2L)), x, xo + j, k, r);
    }

    /** Q8_0 row at byte wb against four Q8-quantized rows (scales d[dd + row·k/32 + block]). */
    static void q8(MemorySegment w, long wb, float[] q, int xq, float[] d, int dd, int k, float[] r) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int blocks = k / 32;
        for (int blk = 0; blk < blocks; blk++) {
            long o = wb + blk * 34L;
            int xb = xq + blk * 32;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < 32; p += B.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    FloatVector wf = (FloatVector) b.convertShape(VectorOperators.B2F, F, part);
                    int j = xb + p + part * L;
                    s0 = wf.fma(FloatVector.fromArray(F, q, j), s0);
                    s1 = wf.fma(FloatVector.fromArray(F, q, j + k), s1);
                    s2 = wf.fma(FloatVector.fromArray(F, q, j + 2 * k), s2);
                    s3 = wf.fma(FloatVector.fromArray(F, q, j + 3 * k), s3);
                }
            }
            float dw = Float.float16ToFloat(w.get(RowIo.JS, o));
            a0 = s0.fma(FloatVector.broadcast(F, dw * d[dd + blk]), a0);
            a1 = s1.fma(FloatVector.broadcast(F, dw * d[dd + blocks + blk]), a1);
            a2 = s2.fma(FloatVector.broadcast(F, dw * d[dd + 2 * blocks + blk]), a2);
            a3 = s3.fma(FloatVector.broadcast(F, dw * d[dd + 3 * blocks + blk]), a3);
        }
        sums(a0, a1, a2, a3, r);
    }

    /** Q4_0 row at byte wb against four Q8-quantized rows (high halves prescaled, see {@link QuantDot}). */
    static void q4(MemorySegment w, long wb, float[] q, int xq, float[] d, int dd, int k, float[] r) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int blocks = k / 32;
        for (int blk = 0; blk < blocks; blk++) {
            long o = wb + blk * 18L;
            int xb = xq + blk * 32;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < 16; p += B.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    IntVector v = (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    FloatVector lo = v.and(15).or(QuantDot.MAGIC).reinterpretAsFloats().sub(QuantDot.LO_BIAS);
                    FloatVector hi = v.and(0xF0).or(QuantDot.MAGIC).reinterpretAsFloats().sub(QuantDot.HI_BIAS);
                    int j = xb + p + part * L;
                    s0 = hi.fma(FloatVector.fromArray(F, q, j + 16), lo.fma(FloatVector.fromArray(F, q, j), s0));
                    s1 = hi.fma(FloatVector.fromArray(F, q, j + k + 16), lo.fma(FloatVector.fromArray(F, q, j + k), s1));
                    s2 = hi.fma(FloatVector.fromArray(F, q, j + 2 * k + 16), lo.fma(FloatVector.fromArray(F, q, j + 2 * k), s2));
                    s3 = hi.fma(FloatVector.fromArray(F, q, j + 3 * k + 16), lo.fma(FloatVector.fromArray(F, q, j + 3 * k), s3));
                }
            }
            float dw = Float.float16ToFloat(w.get(RowIo.JS, o));
            a0 = s0.fma(FloatVector.broadcast(F, dw * d[dd + blk]), a0);
            a1 = s1.fma(FloatVector.broadcast(F, dw * d[dd + blocks + blk]), a1);
            a2 = s2.fma(FloatVector.broadcast(F, dw * d[dd + 2 * blocks + blk]), a2);
            a3 = s3.fma(FloatVector.broadcast(F, dw * d[dd + 3 * blocks + blk]), a3);
        }
        sums(a0, a1, a2, a3, r);
    }

    private static void sums(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] r) {
        r[0] = a0.reduceLanes(VectorOperators.ADD);
        r[1] = a1.reduceLanes(VectorOperators.ADD);
        r[2] = a2.reduceLanes(VectorOperators.ADD);
        r[3] = a3.reduceLanes(VectorOperators.ADD);
    }

    private static void tail(float wv, float[] x, int j, int k, float[] r) {
        r[0] += wv * x[j];
        r[1] += wv * x[j + k];
        r[2] += wv * x[j + 2 * k];
        r[3] += wv * x[j + 3 * k];
    }
}
