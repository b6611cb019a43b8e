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
 * <p>A panel holds {@link #rows(DType)} = P consecutive weight rows of K columns (B = K/32 blocks): first the
 * B·P F16 block scales (block-major, rows in order), then the B blocks of quantized values. In the values, each
 * group of 2L rows ({@code L} = float lanes, {@code SL = 2L} short lanes of this width) is stored in the lane
 * order {@code ρ(i) = i/2 + (i%2)·L}: short lane {@code i} holds row {@code ρ(i)}, so that an int lane {@code j}
 * holds rows {@code j} (low half) and {@code j + L} (high half), and a kernel separates them in-lane with shifts,
 * without cross-lane shuffles. A block of values is:
 * <ul>
 *   <li><b>Q4_0</b>, {@code P = 4L} rows (64 at 512 bits): 32 slices of SL bytes, slice {@code kk} byte {@code i}
 *       = nibble of row {@code ρ(i)} at column kk of the block | nibble of row {@code 2L + ρ(i)} &lt;&lt; 4 (raw
 *       nibbles 0..15, value {@code d·(q − 8)}). 16·P bytes (with the scales, 18 bytes per row and block).</li>
 *   <li><b>Q8_0</b>, {@code P = 2L} rows (32 at 512 bits): 16 slices of 2·P bytes (column pairs {@code 2t, 2t+1})
 *       read as P shorts: short {@code i} holds row {@code ρ(i)}, its value at the even column in the low byte and
 *       at the odd column in the high byte. 32·P bytes (with the scales, 34 per row and block).</li>
 * </ul>
 * The scales come first so that a kernel converts a whole panel's scales with one vectorised loop
 * ({@link #scales}) and streams the values after them; {@link #get} reads one weight back (the scalar
 * definition of the layouts, used by the tests).
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
    /** Bytes of one block of values (scales not included). */
    static final int Q4_BLOCK = 16 * Q4_ROWS, Q8_BLOCK = 32 * Q8_ROWS;

    private static final ValueLayout.OfShort JS = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte JB = ValueLayout.JAVA_BYTE;

    /** Whether {@link #pack} takes weights of this dtype. */
    static boolean packs(DType t) {
        return t == DType.Q4_0 || t == DType.Q8_0;
    }

    static int rows(DType t) {
        return t == DType.Q4_0 ? Q4_ROWS : Q8_ROWS;
    }

    /** Bytes of one block of values (scales not included). */
    static int blockBytes(DType t) {
        return t == DType.Q4_0 ? Q4_BLOCK : Q8_BLOCK;
    }

    /** Bytes of one panel of a K-column matrix. */
    static long panelBytes(DType t, int k) {
        return (long) (blockBytes(t) + 2 * rows(t)) * (k / 32);
    }

    /** Offset of the values within a panel: after its scales. */
    static long valuesAt(DType t, int k) {
        return 2L * rows(t) * (k / 32);
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
     * {@code dst[i] = } the i-th F16 value at byte {@code at}, i &lt; n: a panel's scales as floats, exactly
     * (a plain loop that C2 vectorises into {@code vcvtph2ps}).
     */
    static void scales(MemorySegment w, long at, int n, float[] dst) {
        for (int i = 0; i < n; i++) dst[i] = Float.float16ToFloat(w.get(JS, at + 2L * i));
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
        long panel = pi * panelBytes(DType.Q4_0, k), values = panel + valuesAt(DType.Q4_0, k);
        byte[] slice = new byte[32 * SL];
        for (int b = 0; b < blocks; b++) {
            java.util.Arrays.fill(slice, (byte) 0);
            for (int r = 0; r < Q4_ROWS; r++) {
                int row = pi * Q4_ROWS + r, shift = 4 * (r / SL), i = lane(r % SL);
                long qs = srcBase + row * rowBytes + b * 18L;
                dst.set(JS, panel + 2L * (b * Q4_ROWS + r), row < n ? src.get(JS, qs) : 0);
                for (int kk = 0; kk < 32; kk++) slice[kk * SL + i] |= (byte) ((row < n ? nibble(src, qs + 2, kk) : 8) << shift);
            }
            MemorySegment.copy(slice, 0, dst, JB, values + (long) b * Q4_BLOCK, slice.length);
        }
    }

    /** Element kk of a Q4_0 block's 16 bytes at {@code qs}: low nibbles are elements 0..15, high nibbles 16..31. */
    private static int nibble(MemorySegment seg, long qs, int kk) {
        int b = seg.get(JB, qs + (kk & 15)) & 0xff;
        return kk < 16 ? b & 15 : b >>> 4;
    }

    private static void packQ8(MemorySegment src, long srcBase, long rowBytes, int n, int k, int pi, MemorySegment dst) {
        int blocks = k / 32;
        long panel = pi * panelBytes(DType.Q8_0, k), values = panel + valuesAt(DType.Q8_0, k);
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < Q8_ROWS; r++) {
                int row = pi * Q8_ROWS + r, i = lane(r);
                long qs = srcBase + row * rowBytes + b * 34L;
                dst.set(JS, panel + 2L * (b * Q8_ROWS + r), row < n ? src.get(JS, qs) : 0);
                if (row >= n) continue; // values stay zero
                for (int t = 0; t < 16; t++) {
                    long at = values + (long) b * Q8_BLOCK + (long) t * 2 * Q8_ROWS + 2L * i;
                    dst.set(JB, at, src.get(JB, qs + 2 + 2 * t));
                    dst.set(JB, at + 1, src.get(JB, qs + 3 + 2 * t));
                }
            }
        }
    }

    /** Weight [row, col] of a packed matrix, dequantized (the scalar definition of both layouts). */
    static float get(PackedWeight pw, int row, int col) {
        DType t = dtype(pw);
        MemorySegment w = pw.bytes();
        int k = pw.cols(), p = pw.panelRows(), r = row % p, b = col / 32, kk = col % 32, i = lane(r % SL);
        long panel = (row / p) * panelBytes(t, k), block = panel + valuesAt(t, k) + (long) b * blockBytes(t);
        float d = Float.float16ToFloat(w.get(JS, panel + 2L * (b * p + r)));
        if (t == DType.Q4_0) {
            int byteValue = w.get(JB, block + (long) kk * SL + i) & 0xff;
            int q = r < SL ? byteValue & 15 : byteValue >>> 4;
            return d * (q - 8);
        }
        return d * w.get(JB, block + (long) (kk / 2) * 2 * p + 2L * i + (kk & 1));
    }
}
