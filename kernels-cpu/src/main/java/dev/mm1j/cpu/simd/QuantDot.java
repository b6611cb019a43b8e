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
 * Dot products of Q8_0 / Q4_0 weight rows with activations quantized to Q8_0 blocks, as llama.cpp does:
 * per block {@code d_w · d_x · Σ q_w·q_x}. The integer products and their block sums are exact in F32
 * (|Σ| ≤ 32·127·128 &lt; 2^24), so the lanes hold exactly the integer multiply-accumulate; widening bytes
 * straight to floats and using FMA is faster with the Vector API than int8→int16→int32 arithmetic, which
 * has no multiply-add-pairs instruction to map to.
 */
final class QuantDot {
    private QuantDot() {}

    /**
     * Quantizes k floats (k a multiple of 32) at byte {@code xb} to Q8_0 like {@link dev.mm1j.core.quant.Quant#quantizeQ8_0}:
     * {@code q[xq..xq+k)} receive the integers (as floats), {@code d[dd..)} the F16-rounded block scales.
     */
    static void quantizeQ8(MemorySegment x, long xb, int k, float[] q, int xq, float[] d, int dd) {
        for (int blk = 0; blk < k / 32; blk++) {
            long o = xb + blk * 128L;
            FloatVector amax = FloatVector.zero(F);
            for (int p = 0; p < 32; p += L) amax = amax.max(FloatVector.fromMemorySegment(F, x, o + p * 4L, LE).abs());
            float a = amax.reduceLanes(VectorOperators.MAX);
            float scale = a / 127f;
            float id = scale != 0 ? 1f / scale : 0f;
            d[dd + blk] = Float.float16ToFloat(Float.floatToFloat16(scale));
            for (int p = 0; p < 32; p++) q[xq + blk * 32 + p] = roundHalfAway(x.get(RowIo.JF, o + p * 4L) * id);
        }
    }

    /** C's roundf: halves away from zero. */
    private static float roundHalfAway(float v) {
        float a = Math.abs(v);
        float r = (float) Math.floor(a);
        if (a - r >= 0.5f) r += 1f;
        return Math.copySign(r, v);
    }

    /** Σ over k/32 Q8_0 blocks at byte {@code wb} against quantized activations {@code q[xq..]}, scales {@code d[dd..]}. */
    static float dotQ8(MemorySegment w, long wb, float[] q, int xq, float[] d, int dd, int k) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int blocks = k / 32;
        int blk = 0;
        for (; blk + 1 < blocks; blk += 2) {
            acc0 = blockQ8(w, wb + blk * 34L, q, xq + blk * 32).fma(scale(w, wb + blk * 34L, d[dd + blk]), acc0);
            acc1 = blockQ8(w, wb + (blk + 1) * 34L, q, xq + (blk + 1) * 32).fma(scale(w, wb + (blk + 1) * 34L, d[dd + blk + 1]), acc1);
        }
        if (blk < blocks) acc0 = blockQ8(w, wb + blk * 34L, q, xq + blk * 32).fma(scale(w, wb + blk * 34L, d[dd + blk]), acc0);
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector scale(MemorySegment w, long off, float dx) {
        return FloatVector.broadcast(F, Float.float16ToFloat(w.get(RowIo.JS, off)) * dx);
    }

    /** Lane sums of q_w·q_x over one Q8_0 block (exact integers). */
    private static FloatVector blockQ8(MemorySegment w, long off, float[] q, int xq) {
        FloatVector s = FloatVector.zero(F);
        for (int p = 0; p < 32; p += B.length()) {
            ByteVector b = ByteVector.fromMemorySegment(B, w, off + 2 + p, LE);
            for (int part = 0; part < BPARTS; part++) {
                FloatVector wf = (FloatVector) b.convertShape(VectorOperators.B2F, F, part);
                s = wf.fma(FloatVector.fromArray(F, q, xq + p + part * L), s);
            }
        }
        return s;
    }

    /** Four Q8_0 rows {@code rb} bytes apart; results to out at byte {@code ob}. Activation loads are shared. */
    static void dotQ8x4(MemorySegment w, long wb, long rb, float[] q, int xq, float[] d, int dd, int k, MemorySegment out, long ob) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < k / 32; blk++) {
            long o = wb + blk * 34L;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < 32; p += B.length()) {
                ByteVector b0 = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE), b1 = ByteVector.fromMemorySegment(B, w, o + rb + 2 + p, LE);
                ByteVector b2 = ByteVector.fromMemorySegment(B, w, o + 2 * rb + 2 + p, LE), b3 = ByteVector.fromMemorySegment(B, w, o + 3 * rb + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    FloatVector xv = FloatVector.fromArray(F, q, xq + blk * 32 + p + part * L);
                    s0 = ((FloatVector) b0.convertShape(VectorOperators.B2F, F, part)).fma(xv, s0);
                    s1 = ((FloatVector) b1.convertShape(VectorOperators.B2F, F, part)).fma(xv, s1);
                    s2 = ((FloatVector) b2.convertShape(VectorOperators.B2F, F, part)).fma(xv, s2);
                    s3 = ((FloatVector) b3.convertShape(VectorOperators.B2F, F, part)).fma(xv, s3);
                }
            }
            float dx = d[dd + blk];
            a0 = s0.fma(scale(w, o, dx), a0);
            a1 = s1.fma(scale(w, o + rb, dx), a1);
            a2 = s2.fma(scale(w, o + 2 * rb, dx), a2);
            a3 = s3.fma(scale(w, o + 3 * rb, dx), a3);
        }
        Gemv.store4(out, ob, a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD), a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD));
    }

    /**
     * Q4_0 nibbles become floats without conversions: {@code (v & 15) | 2^23} reads as {@code 2^23 + q}, so one
     * subtraction gives {@code q − 8}; the high nibble is masked in place, {@code (v & 0xF0) | 2^23} reads as
     * {@code 2^23 + 16q}, giving {@code 16(q − 8)}, which is why the activations' high halves are prescaled by
     * 1/16 ({@link #prescaleHighHalves}). Everything stays exact: integers below 2^24 and power-of-two scales.
     */
    static final int MAGIC = 0x4B000000;
    static final float LO_BIAS = 8388608f + 8f, HI_BIAS = 8388608f + 128f;

    /** Divides elements 16..31 of every 32-block of {@code q[0..n)} by 16 (exact), for the Q4_0 dots. */
    static void prescaleHighHalves(float[] q, int n) {
        for (int b = 0; b < n; b += 32) {
            for (int j = 16; j < 32; j++) q[b + j] *= 0.0625f;
        }
    }

    /** Two Q4_0 rows {@code rb} bytes apart; results to out at byte {@code ob} (four would not fit C2's inlining budget). */
    static void dotQ4x2(MemorySegment w, long wb, long rb, float[] q, int xq, float[] d, int dd, int k, MemorySegment out, long ob) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < k / 32; blk++) {
            long o = wb + blk * 18L;
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int p = 0; p < 16; p += B.length()) {
                ByteVector b0 = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE), b1 = ByteVector.fromMemorySegment(B, w, o + rb + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    int j = xq + blk * 32 + p + part * L;
                    FloatVector xlo = FloatVector.fromArray(F, q, j), xhi = FloatVector.fromArray(F, q, j + 16);
                    IntVector v0 = (IntVector) b0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector v1 = (IntVector) b1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    s0 = v0.and(0xF0).or(MAGIC).reinterpretAsFloats().sub(HI_BIAS).fma(xhi, v0.and(15).or(MAGIC).reinterpretAsFloats().sub(LO_BIAS).fma(xlo, s0));
                    s1 = v1.and(0xF0).or(MAGIC).reinterpretAsFloats().sub(HI_BIAS).fma(xhi, v1.and(15).or(MAGIC).reinterpretAsFloats().sub(LO_BIAS).fma(xlo, s1));
                }
            }
            float dx = d[dd + blk];
            a0 = s0.fma(scale(w, o, dx), a0);
            a1 = s1.fma(scale(w, o + rb, dx), a1);
        }
        out.set(RowIo.JF, ob, a0.reduceLanes(VectorOperators.ADD));
        out.set(RowIo.JF, ob + 4, a1.reduceLanes(VectorOperators.ADD));
    }

    /** Σ over k/32 Q4_0 blocks at byte {@code wb} against quantized activations (high halves prescaled). */
    static float dotQ4(MemorySegment w, long wb, float[] q, int xq, float[] d, int dd, int k) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int blk = 0; blk < k / 32; blk++) {
            long o = wb + blk * 18L;
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 16; p += B.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, w, o + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    int j = xq + blk * 32 + p + part * L;
                    IntVector v = (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    s = v.and(15).or(MAGIC).reinterpretAsFloats().sub(LO_BIAS).fma(FloatVector.fromArray(F, q, j), s);
                    s = v.and(0xF0).or(MAGIC).reinterpretAsFloats().sub(HI_BIAS).fma(FloatVector.fromArray(F, q, j + 16), s);
                }
            }
            FloatVector sc = scale(w, o, d[dd + blk]);
            if ((blk & 1) == 0) acc0 = s.fma(sc, acc0);
            else acc1 = s.fma(sc, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

}
