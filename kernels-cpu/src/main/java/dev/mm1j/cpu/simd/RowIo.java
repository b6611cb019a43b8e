package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.B;
import static dev.mm1j.cpu.simd.Vec.BPARTS;
import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.I;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Rows of tensors: element offsets of rows in any strided layout (allocation-free), and vectorised
 * decoding/encoding of contiguous runs of every dtype to and from floats.
 */
final class RowIo {
    private RowIo() {}

    static final int F32 = 0, F16 = 1, BF16 = 2;

    static final ValueLayout.OfFloat JF = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort JS = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt JI = ValueLayout.JAVA_INT_UNALIGNED;

    /** Kind code of a float dtype for {@link Vec#load}. */
    static int kind(DType dt) {
        return switch (dt) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalArgumentException("not a float dtype: " + dt);
        };
    }

    // ------------------------------------------------------------------ layout

    /** Number of rows (product of all dims but the last; 1 for scalars). */
    static long count(Tensor t) {
        long r = 1;
        for (int d = 0; d < t.rank() - 1; d++) r *= t.dim(d);
        return r;
    }

    /** Length of the last dim (1 for scalars). */
    static long length(Tensor t) {
        return t.rank() == 0 ? 1 : t.dim(t.rank() - 1);
    }

    /** Stride of the last dim (0 for scalars). */
    static long lastStride(Tensor t) {
        return t.rank() == 0 ? 0 : t.stride(t.rank() - 1);
    }

    /** Element offset of row {@code row} (row-major over all dims but the last). */
    static long offset(Tensor t, long row) {
        long off = t.offset();
        for (int d = t.rank() - 2; d >= 0; d--) {
            long n = t.dim(d);
            off += (row % n) * t.stride(d);
            row /= n;
        }
        return off;
    }

    /** Element offset of element number {@code index} (row-major over all dims). */
    static long element(Tensor t, long index) {
        long off = t.offset();
        for (int d = t.rank() - 1; d >= 0; d--) {
            long n = t.dim(d);
            off += (index % n) * t.stride(d);
            index /= n;
        }
        return off;
    }

    /** Reads {@code n} floats of an F32 row (element offset, stride) into {@code dst[0..n)}. */
    static void readF32(MemorySegment seg, long off, long stride, float[] dst, int n) {
        if (stride == 1) {
            MemorySegment.copy(seg, JF, off * 4, dst, 0, n);
        } else {
            for (int i = 0; i < n; i++) dst[i] = seg.get(JF, (off + i * stride) * 4);
        }
    }

    /** Writes {@code src[0..n)} into an F32 row (element offset, stride). */
    static void writeF32(float[] src, int n, MemorySegment seg, long off, long stride) {
        if (stride == 1) {
            MemorySegment.copy(src, 0, seg, JF, off * 4, n);
        } else {
            for (int i = 0; i < n; i++) seg.set(JF, (off + i * stride) * 4, src[i]);
        }
    }

    /** Element offset in {@code b} of row {@code row} of {@code a}, with b broadcast to a's shape (numpy rules). */
    static long broadcastOffset(Tensor b, Tensor a, long row) {
        int shift = a.rank() - b.rank();
        long off = b.offset();
        for (int d = a.rank() - 2; d >= 0; d--) {
            long n = a.dim(d);
            long i = row % n;
            row /= n;
            int bd = d - shift;
            if (bd >= 0 && b.dim(bd) != 1) off += i * b.stride(bd);
        }
        return off;
    }

    /** Stride of b's last dim when broadcast along a's last dim (0 when it is broadcast). */
    static long broadcastLastStride(Tensor b) {
        return b.rank() == 0 || b.dim(b.rank() - 1) == 1 ? 0 : b.stride(b.rank() - 1);
    }

    // ------------------------------------------------------------------ decode

    /**
     * Decodes {@code n} consecutive values of {@code dt} starting at element {@code elem} into
     * {@code dst[pos..]}. Block types need {@code elem} and {@code n} to be multiples of 32.
     */
    static void decode(DType dt, MemorySegment seg, long elem, float[] dst, int pos, int n) {
        switch (dt) {
            case F32 -> MemorySegment.copy(seg, JF, elem * 4, dst, pos, n);
            case F16, BF16 -> {
                int kind = kind(dt);
                long base = elem * 2;
                int i = 0;
                for (int bound = n - L; i <= bound; i += L) Vec.load(kind, seg, base + 2L * i).intoArray(dst, pos + i);
                for (; i < n; i++) {
                    short h = seg.get(JS, base + 2L * i);
                    dst[pos + i] = dt == DType.F16 ? Float.float16ToFloat(h) : Float.intBitsToFloat((h & 0xffff) << 16);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) dst[pos + i] = seg.get(JI, (elem + i) * 4);
            }
            case Q8_0 -> decodeQ8(seg, dt.byteSize(elem), dst, pos, n);
            case Q4_0 -> decodeQ4(seg, dt.byteSize(elem), dst, pos, n);
            default -> throw new IllegalArgumentException("cannot decode " + dt);
        }
    }

    private static void decodeQ8(MemorySegment seg, long off, float[] dst, int pos, int n) {
        for (int blk = 0; blk < n / 32; blk++, off += 34) {
            float d = Float.float16ToFloat(seg.get(JS, off));
            for (int p = 0; p < 32; p += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, seg, off + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(dst, pos + blk * 32 + p + part * L);
                }
            }
        }
    }

    private static void decodeQ4(MemorySegment seg, long off, float[] dst, int pos, int n) {
        for (int blk = 0; blk < n / 32; blk++, off += 18) {
            float d = Float.float16ToFloat(seg.get(JS, off));
            int o = pos + blk * 32;
            for (int p = 0; p < 16; p += B.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B, seg, off + 2 + p, LE);
                for (int part = 0; part < BPARTS; part++) {
                    IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int j = p + part * L;
                    v.and(15).sub(8).convert(VectorOperators.I2F, 0).reinterpretAsFloats().mul(d).intoArray(dst, o + j);
                    v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0).reinterpretAsFloats().mul(d).intoArray(dst, o + 16 + j);
                }
            }
        }
    }

    // ------------------------------------------------------------------ encode

    /** Encodes {@code src[pos..pos+n)} as {@code dt} (F32, F16, BF16 or I32) at element {@code elem}, contiguous. */
    static void encode(DType dt, float[] src, int pos, int n, MemorySegment seg, long elem) {
        switch (dt) {
            case F32 -> MemorySegment.copy(src, pos, seg, JF, elem * 4, n);
            case BF16 -> {
                int i = 0;
                for (int bound = n - L; i <= bound; i += L) Vec.storeBf16(FloatVector.fromArray(F, src, pos + i), seg, (elem + i) * 2);
                for (; i < n; i++) seg.set(JS, (elem + i) * 2, dev.mm1j.core.quant.Quant.f32ToBf16(src[pos + i]));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) seg.set(JS, (elem + i) * 2, Float.floatToFloat16(src[pos + i]));
            }
            case I32 -> {
                for (int i = 0; i < n; i++) seg.set(JI, (elem + i) * 4, (int) src[pos + i]);
            }
            default -> throw new IllegalArgumentException("cannot encode " + dt);
        }
    }

    /** One element of a plain (non-block) dtype as a float. */
    static float get(DType dt, MemorySegment seg, long elem) {
        return switch (dt) {
            case F32 -> seg.get(JF, elem * 4);
            case F16 -> Float.float16ToFloat(seg.get(JS, elem * 2));
            case BF16 -> Float.intBitsToFloat((seg.get(JS, elem * 2) & 0xffff) << 16);
            case I32 -> seg.get(JI, elem * 4);
            default -> dev.mm1j.core.quant.Quant.getFloat(seg, dt, elem);
        };
    }

    /** Stores one element of a plain dtype, rounding like {@link dev.mm1j.core.quant.Quant#setFloat}. */
    static void set(DType dt, MemorySegment seg, long elem, float v) {
        switch (dt) {
            case F32 -> seg.set(JF, elem * 4, v);
            case F16 -> seg.set(JS, elem * 2, Float.floatToFloat16(v));
            case BF16 -> seg.set(JS, elem * 2, dev.mm1j.core.quant.Quant.f32ToBf16(v));
            case I32 -> seg.set(JI, elem * 4, (int) v);
            default -> throw new IllegalArgumentException("cannot store single elements of " + dt);
        }
    }
}
