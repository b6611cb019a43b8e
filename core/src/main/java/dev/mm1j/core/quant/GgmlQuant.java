package dev.mm1j.core.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference dequantizers for the GGUF block types the engine does not compute on directly. Each reads
 * {@code n} values (a multiple of the block size) from byte {@code off} of {@code src} into
 * {@code dst[pos..]}, with ggml's layouts and ggml's float operation order, so results are bit-exact with
 * {@code dequantize_row_*}. Tested against an independent numpy implementation ({@code tools/formats}).
 *
 * <pre>
 * Q4_1  32 values, 20 B: f16 d | f16 m | u8 qs[16]               x[j] = d·(qs[j] &amp; 15) + m, x[j+16] = d·(qs[j] >> 4) + m
 * Q5_0  32 values, 22 B: f16 d | u32 qh | u8 qs[16]              5th bit of x[j] is bit j of qh; x = d·(q − 16)
 * Q5_1  32 values, 24 B: f16 d | f16 m | u32 qh | u8 qs[16]      x = d·q + m
 * Q4_K 256 values, 144 B: f16 d | f16 dmin | u8 scales[12] | u8 qs[128]
 *       8 sub-blocks of 32 with 6-bit scale sc and min m (packed in scales); x = d·sc·q − dmin·m
 * Q5_K 256 values, 176 B: f16 d | f16 dmin | u8 scales[12] | u8 qh[32] | u8 qs[128]   as Q4_K with a 5th bit from qh
 * Q6_K 256 values, 210 B: u8 ql[128] | u8 qh[64] | i8 scales[16] | f16 d
 *       16 sub-blocks of 16; x = d·scale·(q − 32), q = 4 low bits from ql and 2 high bits from qh
 * Q8_K 256 values, 292 B: f32 d | i8 qs[256] | i16 bsums[16]      x = d·q
 * </pre>
 */
public final class GgmlQuant {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Values per K-quant super-block. */
    public static final int QK_K = 256;

    private GgmlQuant() {}

    private static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    private static float f16(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(I16, o));
    }

    public static void dequantizeQ4_1(MemorySegment src, long off, float[] dst, int pos, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = off + b * 20L;
            float d = f16(src, o), m = f16(src, o + 2);
            int y = pos + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 4 + j);
                dst[y + j] = (q & 15) * d + m;
                dst[y + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    public static void dequantizeQ5_0(MemorySegment src, long off, float[] dst, int pos, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = off + b * 22L;
            float d = f16(src, o);
            int qh = src.get(I32, o + 2);
            int y = pos + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 15) | h0) - 16) * d;
                dst[y + j + 16] = (((q >>> 4) | h1) - 16) * d;
            }
        }
    }

    public static void dequantizeQ5_1(MemorySegment src, long off, float[] dst, int pos, int n) {
        for (int b = 0; b < n / 32; b++) {
            long o = off + b * 24L;
            float d = f16(src, o), m = f16(src, o + 2);
            int qh = src.get(I32, o + 4);
            int y = pos + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = u8(src, o + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 15) | h0) * d + m;
                dst[y + j + 16] = ((q >>> 4) | h1) * d + m;
            }
        }
    }

    /** The 6-bit scale (index 0) and min (index 1) of sub-block {@code j} (0..7) from the 12 packed bytes at {@code o}. */
    private static void scaleMin(MemorySegment s, long o, int j, int[] out) {
        if (j < 4) {
            out[0] = u8(s, o + j) & 63;
            out[1] = u8(s, o + j + 4) & 63;
        } else {
            out[0] = (u8(s, o + j + 4) & 15) | ((u8(s, o + j - 4) >>> 6) << 4);
            out[1] = (u8(s, o + j + 4) >>> 4) | ((u8(s, o + j) >>> 6) << 4);
        }
    }

    public static void dequantizeQ4_K(MemorySegment src, long off, float[] dst, int pos, int n) {
        int[] sm = new int[2];
        for (int b = 0; b < n / QK_K; b++) {
            long o = off + b * 144L;
            float d = f16(src, o), min = f16(src, o + 2);
            long scales = o + 4, qs = o + 16;
            int y = pos + b * QK_K;
            for (int g = 0; g < 4; g++) {
                scaleMin(src, scales, 2 * g, sm);
                float d1 = d * sm[0], m1 = min * sm[1];
                scaleMin(src, scales, 2 * g + 1, sm);
                float d2 = d * sm[0], m2 = min * sm[1];
                for (int l = 0; l < 32; l++) {
                    int q = u8(src, qs + 32L * g + l);
                    dst[y + 64 * g + l] = d1 * (q & 15) - m1;
                    dst[y + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    public static void dequantizeQ5_K(MemorySegment src, long off, float[] dst, int pos, int n) {
        int[] sm = new int[2];
        for (int b = 0; b < n / QK_K; b++) {
            long o = off + b * 176L;
            float d = f16(src, o), min = f16(src, o + 2);
            long scales = o + 4, qh = o + 16, ql = o + 48;
            int y = pos + b * QK_K;
            for (int g = 0; g < 4; g++) {
                scaleMin(src, scales, 2 * g, sm);
                float d1 = d * sm[0], m1 = min * sm[1];
                scaleMin(src, scales, 2 * g + 1, sm);
                float d2 = d * sm[0], m2 = min * sm[1];
                int u1 = 1 << (2 * g), u2 = 2 << (2 * g);
                for (int l = 0; l < 32; l++) {
                    int q = u8(src, ql + 32L * g + l);
                    int h = u8(src, qh + l);
                    dst[y + 64 * g + l] = d1 * ((q & 15) + ((h & u1) != 0 ? 16 : 0)) - m1;
                    dst[y + 64 * g + 32 + l] = d2 * ((q >>> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    public static void dequantizeQ6_K(MemorySegment src, long off, float[] dst, int pos, int n) {
        for (int b = 0; b < n / QK_K; b++) {
            long o = off + b * 210L;
            float d = f16(src, o + 208);
            int y = pos + b * QK_K;
            for (int half = 0; half < 2; half++) {
                long ql = o + 64L * half, qh = o + 128 + 32L * half, sc = o + 192 + 8L * half;
                int yb = y + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = u8(src, ql + l), lo1 = u8(src, ql + l + 32), h = u8(src, qh + l);
                    int q1 = ((lo0 & 15) | ((h & 3) << 4)) - 32;
                    int q2 = ((lo1 & 15) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((lo0 >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((lo1 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[yb + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    dst[yb + l + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    dst[yb + l + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    dst[yb + l + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }

    public static void dequantizeQ8_K(MemorySegment src, long off, float[] dst, int pos, int n) {
        for (int b = 0; b < n / QK_K; b++) {
            long o = off + b * 292L;
            float d = src.get(F32, o);
            int y = pos + b * QK_K;
            for (int j = 0; j < QK_K; j++) dst[y + j] = d * src.get(ValueLayout.JAVA_BYTE, o + 4 + j);
        }
    }
}
