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
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Packed panels decoded to F32, exactly ({@code d·(q − 8)} and {@code d·q} are exact in float), in the k-major
 * micro-panel layout of the GEMM ({@link Gemm}: NR = 2L rows per k), for the prefill GEMM and the exact GEMV.
 * A micro-panel is a Q8_0 panel, or one half of a Q4_0 panel (its low- or high-nibble rows).
 */
final class PanelDecode {
    private PanelDecode() {}

    /** Rows of a micro-panel: {@link MicroKernels#NR}. */
    static final int NR = 2 * L;
    /** K columns decoded per pass of the exact GEMV. */
    static final int KC = 256;

    /**
     * {@code dst[at + kk·NR + j]} = weight (row {@code sub·NR + j} of the panel at byte {@code panel} of a K = k
     * matrix, column {@code k0 + kk}) for kk &lt; kc, j &lt; NR; k0 and kc multiples of 32.
     */
    static void decode(MemorySegment w, DType t, long panel, int k, int sub, int k0, int kc, float[] dst, int at) {
        if (t == DType.Q4_0) decodeQ4(w, panel, k, sub, k0, kc, dst, at);
        else decodeQ8(w, panel, k, k0, kc, dst, at);
    }

    private static void decodeQ4(MemorySegment w, long panel, int k, int half, int k0, int kc, float[] dst, int at) {
        int shift = 4 * half;
        long values = panel + Panels.valuesAt(DType.Q4_0, k);
        for (int b = k0 / 32, end = (k0 + kc) / 32; b < end; b++) {
            long nb = values + (long) b * Q4_BLOCK, s = panel + 2L * (b * Q4_ROWS + half * NR);
            FloatVector c0 = Vec.loadF16(w, s), c1 = Vec.loadF16(w, s + 2L * L);
            int row = at + (b * 32 - k0) * NR;
            for (int kk = 0; kk < 32; kk++, row += NR) {
                // int lane j: the bytes of rows j and j + L widened to its low and high 16 bits
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(BH, w, nb + (long) kk * SL, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SW, 0)).reinterpretAsInts();
                IntVector q0 = v.lanewise(VectorOperators.LSHR, shift).and(15).sub(8), q1 = v.lanewise(VectorOperators.LSHR, 16 + shift).and(15).sub(8);
                ((FloatVector) q0.convertShape(VectorOperators.I2F, F, 0)).mul(c0).intoArray(dst, row);
                ((FloatVector) q1.convertShape(VectorOperators.I2F, F, 0)).mul(c1).intoArray(dst, row + L);
            }
        }
    }

    private static void decodeQ8(MemorySegment w, long panel, int k, int k0, int kc, float[] dst, int at) {
        long values = panel + Panels.valuesAt(DType.Q8_0, k);
        for (int b = k0 / 32, end = (k0 + kc) / 32; b < end; b++) {
            long nb = values + (long) b * Q8_BLOCK, s = panel + 2L * b * Q8_ROWS;
            FloatVector c0 = Vec.loadF16(w, s), c1 = Vec.loadF16(w, s + 2L * L);
            int row = at + (b * 32 - k0) * NR;
            for (int t = 0; t < 16; t++, row += 2 * NR) {
                IntVector v = IntVector.fromMemorySegment(Vec.I, w, nb + (long) t * 2 * Q8_ROWS, LE);
                // int lane j: bytes 0, 1 = row j at k, k+1; bytes 2, 3 = row j + L at k, k+1
                IntVector e0 = v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
                IntVector o0 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24);
                IntVector e1 = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24);
                IntVector o1 = v.lanewise(VectorOperators.ASHR, 24);
                ((FloatVector) e0.convertShape(VectorOperators.I2F, F, 0)).mul(c0).intoArray(dst, row);
                ((FloatVector) e1.convertShape(VectorOperators.I2F, F, 0)).mul(c1).intoArray(dst, row + L);
                ((FloatVector) o0.convertShape(VectorOperators.I2F, F, 0)).mul(c0).intoArray(dst, row + NR);
                ((FloatVector) o1.convertShape(VectorOperators.I2F, F, 0)).mul(c1).intoArray(dst, row + NR + L);
            }
        }
    }

    /**
     * The exact GEMV of one panel: {@code r[ro + j]} = Σ_c weight(row j, c) · x[xo + c] over the k columns, for
     * the panel's rows, with F32 activations; {@code tmp[to ..)} holds {@link #KC}·NR decoded weights.
     */
    static void gemv(MemorySegment w, long panel, DType t, int k, float[] x, int xo, float[] r, int ro, float[] tmp, int to) {
        int subs = t == DType.Q4_0 ? Q4_ROWS / NR : Q8_ROWS / NR;
        for (int sub = 0; sub < subs; sub++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                decode(w, t, panel, k, sub, k0, kc, tmp, to);
                for (int kk = 0; kk < kc; kk++) {
                    FloatVector xv = FloatVector.broadcast(F, x[xo + k0 + kk]);
                    a0 = FloatVector.fromArray(F, tmp, to + kk * NR).fma(xv, a0);
                    a1 = FloatVector.fromArray(F, tmp, to + kk * NR + L).fma(xv, a1);
                }
            }
            a0.intoArray(r, ro + sub * NR);
            a1.intoArray(r, ro + sub * NR + L);
        }
    }
}
