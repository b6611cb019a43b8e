package dev.mm1j.core.quant;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference conversions for every dtype: half-precision floats and the GGUF block formats Q8_0 and Q4_0.
 * These scalar routines define the formats; fast kernels are tested against them.
 *
 * <pre>
 * Q8_0 block (34 bytes, 32 values):  f16 d | int8 q[32]           x[j] = d * q[j]
 *   d = max|x| / 127,  q[j] = roundf(x[j] / d)   (round half away from zero)
 * Q4_0 block (18 bytes, 32 values):  f16 d | uint8 qs[16]         x[j] = d * ((qs[j] &amp; 15) - 8),  x[j+16] = d * ((qs[j] >> 4) - 8)
 *   m = the x with the largest |x| (first one on ties), d = m / -8,  q = min(15, (int)(x / d + 8.5))
 * </pre>
 */
public final class Quant {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Values per Q8_0 / Q4_0 block. */
    public static final int QK = 32;

    private Quant() {}

    // ---------------------------------------------------------------- 16-bit floats

    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    /** Round to nearest even, like the hardware conversion. */
    public static short f32ToF16(float f) {
        return Float.floatToFloat16(f);
    }

    public static float bf16ToF32(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Round to nearest even; NaN stays a (quiet) NaN. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    // ---------------------------------------------------------------- element access

    /**
     * The value of element number {@code elementOffset} (counted from the segment start in elements of
     * {@code dtype}) as a float. Quantized types decode the element inside its block.
     */
    public static float getFloat(MemorySegment seg, DType dtype, long elementOffset) {
        return switch (dtype) {
            case F32 -> seg.get(F32, elementOffset * 4);
            case F16 -> f16ToF32(seg.get(I16, elementOffset * 2));
            case BF16 -> bf16ToF32(seg.get(I16, elementOffset * 2));
            case I32 -> seg.get(I32, elementOffset * 4);
            case Q8_0 -> {
                long block = (elementOffset / QK) * 34;
                int j = (int) (elementOffset % QK);
                yield f16ToF32(seg.get(I16, block)) * seg.get(ValueLayout.JAVA_BYTE, block + 2 + j);
            }
            case Q4_0 -> {
                long block = (elementOffset / QK) * 18;
                int j = (int) (elementOffset % QK);
                int b = seg.get(ValueLayout.JAVA_BYTE, block + 2 + (j & 15)) & 0xff;
                int q = j < 16 ? (b & 15) : (b >>> 4);
                yield f16ToF32(seg.get(I16, block)) * (q - 8);
            }
            case F64 -> (float) seg.get(F64, elementOffset * 8);
            case I64 -> (float) seg.get(I64, elementOffset * 8);
            case I16 -> seg.get(I16, elementOffset * 2);
            case I8 -> seg.get(ValueLayout.JAVA_BYTE, elementOffset);
            case U8, BOOL -> seg.get(ValueLayout.JAVA_BYTE, elementOffset) & 0xff;
        };
    }

    /** Stores {@code v} at element number {@code elementOffset}, rounding to the dtype. Plain (non-block) types only. */
    public static void setFloat(MemorySegment seg, DType dtype, long elementOffset, float v) {
        switch (dtype) {
            case F32 -> seg.set(F32, elementOffset * 4, v);
            case F16 -> seg.set(I16, elementOffset * 2, f32ToF16(v));
            case BF16 -> seg.set(I16, elementOffset * 2, f32ToBf16(v));
            case I32 -> seg.set(I32, elementOffset * 4, (int) v);
            default -> throw new ShapeException("[setFloat] cannot store single elements of " + dtype);
        }
    }

    // ---------------------------------------------------------------- Q8_0

    /** Quantizes {@code n} floats (a multiple of 32) from {@code src[srcPos..]} into Q8_0 blocks at byte {@code dstOff}. */
    public static void quantizeQ8_0(float[] src, int srcPos, int n, MemorySegment dst, long dstOff) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            int base = srcPos + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[base + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * 34;
            dst.set(I16, o, f32ToF16(d));
            for (int j = 0; j < QK; j++) dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) roundHalfAway(src[base + j] * id));
        }
    }

    /** Decodes {@code n} values (a multiple of 32) of Q8_0 blocks at byte {@code srcOff} into {@code dst[dstPos..]}. */
    public static void dequantizeQ8_0(MemorySegment src, long srcOff, float[] dst, int dstPos, int n) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            long o = srcOff + (long) b * 34;
            float d = f16ToF32(src.get(I16, o));
            for (int j = 0; j < QK; j++) dst[dstPos + b * QK + j] = d * src.get(ValueLayout.JAVA_BYTE, o + 2 + j);
        }
    }

    // ---------------------------------------------------------------- Q4_0

    /** Quantizes {@code n} floats (a multiple of 32) into Q4_0 blocks at byte {@code dstOff}. */
    public static void quantizeQ4_0(float[] src, int srcPos, int n, MemorySegment dst, long dstOff) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            int base = srcPos + b * QK;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float v = src[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * 18;
            dst.set(I16, o, f32ToF16(d));
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) (src[base + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[base + QK / 2 + j] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    /** Decodes {@code n} values (a multiple of 32) of Q4_0 blocks at byte {@code srcOff} into {@code dst[dstPos..]}. */
    public static void dequantizeQ4_0(MemorySegment src, long srcOff, float[] dst, int dstPos, int n) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            long o = srcOff + (long) b * 18;
            float d = f16ToF32(src.get(I16, o));
            for (int j = 0; j < QK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xff;
                dst[dstPos + b * QK + j] = d * ((q & 15) - 8);
                dst[dstPos + b * QK + j + QK / 2] = d * ((q >>> 4) - 8);
            }
        }
    }

    // ---------------------------------------------------------------- whole rows

    /** Encodes {@code n} floats as {@code dtype} at byte {@code dstOff} (any computable float or block type). */
    public static void encode(DType dtype, float[] src, int srcPos, int n, MemorySegment dst, long dstOff) {
        switch (dtype) {
            case Q8_0 -> quantizeQ8_0(src, srcPos, n, dst, dstOff);
            case Q4_0 -> quantizeQ4_0(src, srcPos, n, dst, dstOff);
            case F32 -> MemorySegment.copy(src, srcPos, dst, F32, dstOff, n);
            case F16, BF16, I32 -> {
                int w = dtype.blockBytes();
                for (int i = 0; i < n; i++) setFloat(dst.asSlice(dstOff + (long) i * w, w), dtype, 0, src[srcPos + i]);
            }
            default -> throw new ShapeException("[encode] cannot encode into " + dtype);
        }
    }

    /** Decodes {@code n} values of {@code dtype} at byte {@code srcOff} into floats. */
    public static void decode(DType dtype, MemorySegment src, long srcOff, float[] dst, int dstPos, int n) {
        switch (dtype) {
            case Q8_0 -> dequantizeQ8_0(src, srcOff, dst, dstPos, n);
            case Q4_0 -> dequantizeQ4_0(src, srcOff, dst, dstPos, n);
            case F32 -> MemorySegment.copy(src, F32, srcOff, dst, dstPos, n);
            default -> {
                int w = dtype.blockBytes();
                for (int i = 0; i < n; i++) dst[dstPos + i] = getFloat(src.asSlice(srcOff + (long) i * w, w), dtype, 0);
            }
        }
    }

    /** C's roundf: halves round away from zero. */
    static int roundHalfAway(float x) {
        float ax = Math.abs(x);
        float r = (float) Math.floor(ax);
        if (ax - r >= 0.5f) r += 1f;
        return (int) Math.copySign(r, x);
    }

    private static void checkBlocks(int n) {
        if (n % QK != 0) throw new ShapeException("[quant] " + n + " values is not a multiple of the block size " + QK);
    }
}
