package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Panels.BH;
import static dev.mm1j.cpu.simd.Panels.Q4_BLOCK;
import static dev.mm1j.cpu.simd.Panels.Q4_ROWS;
import static dev.mm1j.cpu.simd.Panels.Q8_BLOCK;
import static dev.mm1j.cpu.simd.Panels.Q8_ROWS;
import static dev.mm1j.cpu.simd.Panels.SL;
import static dev.mm1j.cpu.simd.Panels.SW;
import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The panel kernels of {@link PanelGemv} for four activation rows at once (continuous batching): each weight
 * vector is loaded and widened once and multiplied into the four rows' int16 accumulators; the float sums live in
 * {@code r} (four rows of P, L1-resident). Weight values start at byte {@code values}, the panel's scales are floats in
 * {@code sc} (P per block). Activation rows are {@code k} apart in {@code q}, their block scales and corrections
 * {@code blocks} apart in {@code d} and {@code corr}.
 */
final class PanelGemvBatch {
    private PanelGemvBatch() {}

    /** {@code r[ro + j·P + i]} = row i of the Q4_0 panel at byte base · activation row j, j &lt; 4, P = {@link Panels#Q4_ROWS}. */
    static void q4(MemorySegment w, long values, int blocks, float[] sc, int k, short[] q, int qo, float[] d, short[] corr, int db, float[] r, int ro) {
        java.util.Arrays.fill(r, ro, ro + 4 * Q4_ROWS, 0f);
        for (int b = 0; b < blocks; b++) {
            long nb = values + (long) b * Q4_BLOCK;
            int s = b * Q4_ROWS;
            FloatVector c0 = FloatVector.fromArray(F, sc, s), c1 = FloatVector.fromArray(F, sc, s + L);
            FloatVector c2 = FloatVector.fromArray(F, sc, s + 2 * L), c3 = FloatVector.fromArray(F, sc, s + 3 * L);
            short k0 = corr[db + b], k1 = corr[db + blocks + b], k2 = corr[db + 2 * blocks + b], k3 = corr[db + 3 * blocks + b];
            ShortVector m0 = ShortVector.broadcast(SW, k0), m1 = ShortVector.broadcast(SW, k1), m2 = ShortVector.broadcast(SW, k2), m3 = ShortVector.broadcast(SW, k3);
            ShortVector h0 = ShortVector.zero(SW), h1 = h0, h2 = h0, h3 = h0;
            int x0 = qo + b * 32;
            for (int kk = 0; kk < 32; kk++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, w, nb + (long) kk * SL, Vec.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SW, 0);
                ShortVector hv = v.lanewise(VectorOperators.LSHR, 4);
                int x = x0 + kk;
                short a0 = q[x], a1 = q[x + k], a2 = q[x + 2 * k], a3 = q[x + 3 * k];
                m0 = m0.add(v.mul(a0));
                h0 = h0.add(hv.mul(a0));
                m1 = m1.add(v.mul(a1));
                h1 = h1.add(hv.mul(a1));
                m2 = m2.add(v.mul(a2));
                h2 = h2.add(hv.mul(a2));
                m3 = m3.add(v.mul(a3));
                h3 = h3.add(hv.mul(a3));
            }
            // per row: the exact sums (low rows m − 16h, high rows h + corr) times scale · dx added to r; written out
            // four times because a helper taking vectors is not inlined at a call site this cold, and boxes them
            IntVector lo = m0.sub(h0.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts(), hi = h0.add(k0).reinterpretAsInts();
            FloatVector x = FloatVector.broadcast(F, d[db + b]);
            int at = ro;
            PanelGemv.low(lo).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            PanelGemv.high(lo).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            PanelGemv.low(hi).mul(x).fma(c2, FloatVector.fromArray(F, r, at + 2 * L)).intoArray(r, at + 2 * L);
            PanelGemv.high(hi).mul(x).fma(c3, FloatVector.fromArray(F, r, at + 3 * L)).intoArray(r, at + 3 * L);
            lo = m1.sub(h1.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            hi = h1.add(k1).reinterpretAsInts();
            x = FloatVector.broadcast(F, d[db + blocks + b]);
            at = ro + Q4_ROWS;
            PanelGemv.low(lo).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            PanelGemv.high(lo).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            PanelGemv.low(hi).mul(x).fma(c2, FloatVector.fromArray(F, r, at + 2 * L)).intoArray(r, at + 2 * L);
            PanelGemv.high(hi).mul(x).fma(c3, FloatVector.fromArray(F, r, at + 3 * L)).intoArray(r, at + 3 * L);
            lo = m2.sub(h2.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            hi = h2.add(k2).reinterpretAsInts();
            x = FloatVector.broadcast(F, d[db + 2 * blocks + b]);
            at = ro + 2 * Q4_ROWS;
            PanelGemv.low(lo).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            PanelGemv.high(lo).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            PanelGemv.low(hi).mul(x).fma(c2, FloatVector.fromArray(F, r, at + 2 * L)).intoArray(r, at + 2 * L);
            PanelGemv.high(hi).mul(x).fma(c3, FloatVector.fromArray(F, r, at + 3 * L)).intoArray(r, at + 3 * L);
            lo = m3.sub(h3.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts();
            hi = h3.add(k3).reinterpretAsInts();
            x = FloatVector.broadcast(F, d[db + 3 * blocks + b]);
            at = ro + 3 * Q4_ROWS;
            PanelGemv.low(lo).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            PanelGemv.high(lo).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            PanelGemv.low(hi).mul(x).fma(c2, FloatVector.fromArray(F, r, at + 2 * L)).intoArray(r, at + 2 * L);
            PanelGemv.high(hi).mul(x).fma(c3, FloatVector.fromArray(F, r, at + 3 * L)).intoArray(r, at + 3 * L);
        }
    }

    /** {@code r[ro + j·P + i]} = row i of the Q8_0 panel at byte base · activation row j, j &lt; 4, P = {@link Panels#Q8_ROWS}. */
    static void q8(MemorySegment w, long values, int blocks, float[] sc, int k, short[] q, int qo, float[] d, int db, float[] r, int ro) {
        java.util.Arrays.fill(r, ro, ro + 4 * Q8_ROWS, 0f);
        for (int b = 0; b < blocks; b++) {
            long nb = values + (long) b * Q8_BLOCK;
            FloatVector c0 = FloatVector.fromArray(F, sc, b * Q8_ROWS), c1 = FloatVector.fromArray(F, sc, b * Q8_ROWS + L);
            IntVector e0 = IntVector.zero(Vec.I), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
            int x0 = qo + b * 32;
            for (int s = 0; s < 16; s++) {
                ShortVector v = ShortVector.fromMemorySegment(SW, w, nb + (long) s * 2 * Q8_ROWS, Vec.LE);
                ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8), odd = v.lanewise(VectorOperators.ASHR, 8);
                int x = x0 + 2 * s;
                IntVector p0 = even.mul(q[x]).add(odd.mul(q[x + 1])).reinterpretAsInts();
                IntVector p1 = even.mul(q[x + k]).add(odd.mul(q[x + k + 1])).reinterpretAsInts();
                IntVector p2 = even.mul(q[x + 2 * k]).add(odd.mul(q[x + 2 * k + 1])).reinterpretAsInts();
                IntVector p3 = even.mul(q[x + 3 * k]).add(odd.mul(q[x + 3 * k + 1])).reinterpretAsInts();
                e0 = e0.add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                o0 = o0.add(p0.lanewise(VectorOperators.ASHR, 16));
                e1 = e1.add(p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                o1 = o1.add(p1.lanewise(VectorOperators.ASHR, 16));
                e2 = e2.add(p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                o2 = o2.add(p2.lanewise(VectorOperators.ASHR, 16));
                e3 = e3.add(p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                o3 = o3.add(p3.lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector x = FloatVector.broadcast(F, d[db + b]);
            int at = ro;
            ((FloatVector) e0.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            ((FloatVector) o0.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            x = FloatVector.broadcast(F, d[db + blocks + b]);
            at = ro + Q8_ROWS;
            ((FloatVector) e1.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            ((FloatVector) o1.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            x = FloatVector.broadcast(F, d[db + 2 * blocks + b]);
            at = ro + 2 * Q8_ROWS;
            ((FloatVector) e2.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            ((FloatVector) o2.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
            x = FloatVector.broadcast(F, d[db + 3 * blocks + b]);
            at = ro + 3 * Q8_ROWS;
            ((FloatVector) e3.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c0, FloatVector.fromArray(F, r, at)).intoArray(r, at);
            ((FloatVector) o3.convertShape(VectorOperators.I2F, F, 0)).mul(x).fma(c1, FloatVector.fromArray(F, r, at + L)).intoArray(r, at + L);
        }
    }
}
