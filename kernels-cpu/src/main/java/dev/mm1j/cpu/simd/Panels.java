package dev.mm1j.cpu.simd;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.cpu.PackedWeight;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row-interleaved panel layouts Q8_0 and Q4_0 matmul weights are repacked into at load ({@link #pack}), so
 * that a vector lane holds one weight row: the GEMV broadcasts one activation value per k and touches each
 * weight byte once with a few integer operations (see {@link PanelGemv}). Both layouts have exactly the bytes of
 * the blocks they hold (F16 scales kept), rows padded to a whole panel with zero scales.
 *
 * <p>A panel holds {@link #rows(DType)} consecutive weight rows; its K/32 blocks follow each other. Within each
 * group of 2L rows ({@code L} = float lanes, {@code SL = 2L} short lanes of this width) the rows are stored in
 * the lane order {@code ρ(i) = i/2 + (i%2)·L}: short lane {@code i} holds row {@code ρ(i)}, so that an int lane
 * {@code j} holds rows {@code j} (low half) and {@code j + L} (high half) and a kernel separates them in-lane with
 * shifts, without cross-lane shuffles. A block is:
 * <ul>
 *   <li><b>Q4_0</b>, {@code P = 4L} rows (64 at 512 bits): P F16 scales (scale {@code s} of row {@code ρ(s)}, then of
 *       row {@code 2L + ρ(s)}), then 32 slices of SL bytes: slice {@code kk} byte {@code i} = nibble of row
 *       {@code ρ(i)} at k {@code kk} | nibble of row {@code 2L + ρ(i)} &lt;&lt; 4 (raw nibbles 0..15, value
 *       {@code d·(q − 8)}). 18·P bytes.</li>
 *   <li><b>Q8_0</b>, {@code P = 2L} rows (32 at 512 bits): P F16 scales (of rows {@code ρ(s)}), then 16 slices of
 *       2·P bytes (k pairs {@code 2t, 2t+1}) read as P shorts: short {@code i} holds row {@code ρ(i)}, its value at
 *       the even k in the low byte and at the odd k in the high byte. 34·P bytes.</li>
 * </ul>
 * {@link #get} reads one weight back (the scalar definition of the layouts, used by the tests). Block scales that
 * are Inf or NaN are not packed ({@link #pack} returns null): the kernels convert scales without those cases.
 */
final class Panels {
    private Panels() {}

    /** Short lanes of this width. */
    static final int SL = Vec.BITS / 16;
    /** Shorts at the full width ({@link #SL} lanes). */
    static final VectorSpecies<Short> SW = ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(Vec.BITS));
    /** Bytes at half the width ({@link #SL} lanes), widened to {@link #SW}. */
    static final VectorSpecies<Byte> BH = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(Vec.BITS / 2));

    static final int Q4_ROWS = 2 * SL, Q8_ROWS = SL;
    /** Bytes of one 32-column block of a panel. */
    static final int Q4_BLOCK = 18 * Q4_ROWS, Q8_BLOCK = 34 * Q8_ROWS;

    private static final ValueLayout.OfShort JS = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte JB = ValueLayout.JAVA_BYTE;

    /** Whether {@link #pack} takes weights of this dtype. */
    static boolean packs(DType t) {
        return t == DType.Q4_0 || t == DType.Q8_0;
    }

    static int rows(DType t) {
        return t == DType.Q4_0 ? Q4_ROWS : Q8_ROWS;
    }

    static int blockBytes(DType t) {
        return t == DType.Q4_0 ? Q4_BLOCK : Q8_BLOCK;
    }

    /** Bytes of one panel of a K-column matrix. */
    static long panelBytes(DType t, int k) {
        return (long) blockBytes(t) * (k / 32);
    }

    /** The dtype a packed weight holds. */
    static DType dtype(PackedWeight pw) {
        return DType.valueOf(pw.format());
    }

    /** Lane of row {@code r} (&lt; 2L) in the lane order ρ (the inverse of {@code ρ(i) = i/2 + (i%2)·L}). */
    static int lane(int r) {
        int l = SL / 2;
        return 2 * (r % l) + r / l;
    }

    /**
     * Floats from F16 values in the high 16 bits of each int lane (low bits ignored): exact for normal, subnormal
     * and zero halves, wrong for Inf and NaN (which {@link #pack} keeps out of the panels).
     */
    static FloatVector halfHigh(IntVector h) {
        FloatVector mag = h.and(0x7fff0000).lanewise(VectorOperators.LSHR, 3).reinterpretAsFloats().mul(0x1p112f);
        return mag.reinterpretAsInts().or(h.and(0x80000000)).reinterpretAsFloats();
    }

    /**
     * Repacks the contiguous Q4_0 / Q8_0 matrix {@code w} [N, K] into panels (threads over panels); the result is a
     * tensor of the same dtype and shape over a {@link PackedWeight}, or null when a block scale is Inf or NaN.
     */
    static Tensor pack(Tensor w, Parallel par, Backend owner) {
        DType t = w.dtype();
        if (w.dim(0) > Integer.MAX_VALUE || w.dim(1) > Integer.MAX_VALUE) throw new IllegalArgumentException("[matmul] weight too large to pack: " + w);
        int n = (int) w.dim(0), k = (int) w.dim(1), p = rows(t);
        MemorySegment src = w.segment();
        long srcBase = w.byteOffset(), rowBytes = t.byteSize(k);
        for (long b = 0, blocks = (long) n * (k / 32); b < blocks; b++) {
            if ((src.get(JS, srcBase + b * t.blockBytes()) & 0x7c00) == 0x7c00) return null;
        }
        int panels = (n + p - 1) / p;
        long bytes = Math.multiplyExact((long) panels, panelBytes(t, k));
        PackedWeight pw = new PackedWeight(bytes, owner, t.name(), Vec.BITS, p, n, k);
        MemorySegment dst = pw.bytes();
        Parallel.Body body = (worker, from, to) -> {
            for (int pi = from; pi < to; pi++) {
                if (t == DType.Q4_0) packQ4(src, srcBase, rowBytes, n, k, pi, dst);
                else packQ8(src, srcBase, rowBytes, n, k, pi, dst);
            }
        };
        if (bytes < (1 << 20) || par.threads() == 1) body.run(0, 0, panels);
        else par.run(body, panels, 1, 1);
        return Tensor.contiguous(pw, t, new long[] {n, k}, true);
    }

    private static void packQ4(MemorySegment src, long srcBase, long rowBytes, int n, int k, int pi, MemorySegment dst) {
        int blocks = k / 32;
        long panel = pi * panelBytes(DType.Q4_0, k);
        for (int b = 0; b < blocks; b++) {
            long o = panel + (long) b * Q4_BLOCK, nib = o + 2L * Q4_ROWS;
            for (int r = 0; r < Q4_ROWS; r++) {
                int row = pi * Q4_ROWS + r, group = r / SL, i = lane(r % SL);
                long qs = srcBase + row * rowBytes + b * 18L;
                dst.set(JS, o + 2L * (group * SL + i), row < n ? src.get(JS, qs) : 0);
                for (int kk = 0; kk < 32; kk++) {
                    int q = row < n ? nibble(src, qs + 2, kk) : 8;
                    long at = nib + (long) kk * SL + i;
                    dst.set(JB, at, (byte) (group == 0 ? (dst.get(JB, at) & 0xf0) | q : (dst.get(JB, at) & 0x0f) | q << 4));
                }
            }
        }
    }

    /** Element kk of a Q4_0 block's 16 bytes at {@code qs}: low nibbles are elements 0..15, high nibbles 16..31. */
    private static int nibble(MemorySegment seg, long qs, int kk) {
        int b = seg.get(JB, qs + (kk & 15)) & 0xff;
        return kk < 16 ? b & 15 : b >>> 4;
    }

    private static void packQ8(MemorySegment src, long srcBase, long rowBytes, int n, int k, int pi, MemorySegment dst) {
        int blocks = k / 32;
        long panel = pi * panelBytes(DType.Q8_0, k);
        for (int b = 0; b < blocks; b++) {
            long o = panel + (long) b * Q8_BLOCK;
            for (int r = 0; r < Q8_ROWS; r++) {
                int row = pi * Q8_ROWS + r, i = lane(r);
                long qs = srcBase + row * rowBytes + b * 34L;
                dst.set(JS, o + 2L * i, row < n ? src.get(JS, qs) : 0);
                for (int t = 0; t < 16; t++) {
                    long at = o + 2L * Q8_ROWS + (long) t * 2 * Q8_ROWS + 2L * i;
                    dst.set(JB, at, row < n ? src.get(JB, qs + 2 + 2 * t) : 0);
                    dst.set(JB, at + 1, row < n ? src.get(JB, qs + 3 + 2 * t) : 0);
                }
            }
        }
    }

    /** Weight [row, col] of a packed matrix, dequantized (the scalar definition of both layouts). */
    static float get(PackedWeight pw, int row, int col) {
        DType t = dtype(pw);
        MemorySegment w = pw.bytes();
        int p = pw.panelRows(), r = row % p, b = col / 32, kk = col % 32, group = r / SL, i = lane(r % SL);
        long o = (row / p) * panelBytes(t, pw.cols()) + (long) b * blockBytes(t);
        float d = Float.float16ToFloat(w.get(JS, o + 2L * (group * SL + i)));
        if (t == DType.Q4_0) {
            int byteValue = w.get(JB, o + 2L * p + (long) kk * SL + i) & 0xff;
            int q = group == 0 ? byteValue & 15 : byteValue >>> 4;
            return d * (q - 8);
        }
        return d * w.get(JB, o + 2L * p + (long) (kk / 2) * 2 * p + 2L * i + (kk & 1));
    }
}
