package dev.mm1j.cpu.simd;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.cpu.PackedWeight;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row-interleaved panel layouts Q8_0 and Q4_0 matmul weights are repacked into at load ({@link #pack}), so
 * that a vector lane holds one weight row: the GEMV broadcasts one activation value per k and touches each
 * weight byte once with a few integer operations (see {@link PanelGemv}). Both layouts have exactly the bytes of
 * the blocks they hold (F16 scales kept), rows padded to a whole panel with zero scales.
 *
 * <p>A panel holds {@link #rows(DType)} consecutive weight rows; its K/32 blocks follow each other, and a block
 * is (with {@code SL} = short lanes of this width, {@code L = SL/2} float lanes):
 * <ul>
 *   <li><b>Q4_0</b>, {@code P = 2·SL} rows (64 at 512 bits): the P F16 scales (row order), then 32 slices of SL
 *       bytes, slice {@code kk} byte {@code i} = nibble of row {@code i} at k {@code kk} | nibble of row
 *       {@code SL + i} &lt;&lt; 4 (raw nibbles 0..15, value {@code d·(q − 8)}). 18·P bytes.</li>
 *   <li><b>Q8_0</b>, {@code P = SL} rows (32 at 512 bits): the P F16 scales, then 16 slices of 2·P bytes (k pairs
 *       {@code 2s, 2s+1}) read as P shorts: short {@code 2j + h} holds row {@code j + h·L}, its value at the even
 *       k in the low byte and at the odd k in the high byte; so int lane {@code j} of the slice holds rows
 *       {@code j} and {@code j + L}. 34·P bytes.</li>
 * </ul>
 * {@link #get} reads one weight back (the scalar definition of the layouts, used by the tests).
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

    /**
     * Repacks the contiguous Q4_0 / Q8_0 matrix {@code w} [N, K] into panels (threads over panels); the result is a
     * tensor of the same dtype and shape over a {@link PackedWeight}.
     */
    static Tensor pack(Tensor w, Parallel par, Backend owner) {
        DType t = w.dtype();
        if (w.dim(0) > Integer.MAX_VALUE || w.dim(1) > Integer.MAX_VALUE) throw new IllegalArgumentException("[matmul] weight too large to pack: " + w);
        int n = (int) w.dim(0), k = (int) w.dim(1), p = rows(t);
        int panels = (n + p - 1) / p;
        long bytes = Math.multiplyExact((long) panels, panelBytes(t, k));
        PackedWeight pw = new PackedWeight(bytes, owner, t.name(), Vec.BITS, p, n, k);
        MemorySegment src = w.segment(), dst = pw.bytes();
        long srcBase = w.byteOffset(), rowBytes = t.byteSize(k);
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
            long o = panel + (long) b * Q4_BLOCK;
            for (int i = 0; i < Q4_ROWS; i++) {
                int r = pi * Q4_ROWS + i;
                dst.set(JS, o + 2L * i, r < n ? src.get(JS, srcBase + r * rowBytes + b * 18L) : 0);
            }
            long nib = o + 2L * Q4_ROWS;
            for (int i = 0; i < SL; i++) {
                int lo = pi * Q4_ROWS + i, hi = lo + SL;
                long ls = srcBase + lo * rowBytes + b * 18L + 2, hs = srcBase + hi * rowBytes + b * 18L + 2;
                for (int kk = 0; kk < 32; kk++) {
                    int ql = lo < n ? nibble(src, ls, kk) : 8, qh = hi < n ? nibble(src, hs, kk) : 8;
                    dst.set(JB, nib + (long) kk * SL + i, (byte) (ql | qh << 4));
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
        int blocks = k / 32, l = Q8_ROWS / 2;
        long panel = pi * panelBytes(DType.Q8_0, k);
        for (int b = 0; b < blocks; b++) {
            long o = panel + (long) b * Q8_BLOCK;
            for (int i = 0; i < Q8_ROWS; i++) {
                int r = pi * Q8_ROWS + i;
                dst.set(JS, o + 2L * i, r < n ? src.get(JS, srcBase + r * rowBytes + b * 34L) : 0);
                long qs = srcBase + r * rowBytes + b * 34L + 2;
                int shortIndex = 2 * (i % l) + i / l;
                for (int s = 0; s < 16; s++) {
                    long at = o + 2L * Q8_ROWS + (long) s * 2 * Q8_ROWS + 2L * shortIndex;
                    dst.set(JB, at, r < n ? src.get(JB, qs + 2 * s) : 0);
                    dst.set(JB, at + 1, r < n ? src.get(JB, qs + 2 * s + 1) : 0);
                }
            }
        }
    }

    /** Weight [row, col] of a packed matrix, dequantized (the scalar definition of both layouts). */
    static float get(PackedWeight pw, int row, int col) {
        DType t = dtype(pw);
        MemorySegment w = pw.bytes();
        int p = pw.panelRows(), i = row % p, b = col / 32, kk = col % 32;
        long o = (row / p) * panelBytes(t, pw.cols()) + (long) b * blockBytes(t);
        float d = Float.float16ToFloat(w.get(JS, o + 2L * i));
        if (t == DType.Q4_0) {
            int byteValue = w.get(JB, o + 2L * p + (long) kk * SL + i % SL) & 0xff;
            int q = i < SL ? byteValue & 15 : byteValue >>> 4;
            return d * (q - 8);
        }
        int l = p / 2, shortIndex = 2 * (i % l) + i / l;
        return d * w.get(JB, o + 2L * p + (long) (kk / 2) * 2 * p + 2L * shortIndex + (kk & 1));
    }
}
