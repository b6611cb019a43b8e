package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation rows quantized to int8 per 32-block for the panel kernels, once per matmul call, as ggml's
 * {@code quantize_row_q8_0} does: {@code d = max|x| / 127} (kept F16-rounded for the dot products),
 * {@code q = round(x / d)} (halves away from zero) in [−127, 127]. Kept as shorts (the kernels multiply in int16),
 * with {@code corr = −8·Σq} per block for the Q4_0 kernel. Arrays grow to the largest call and are reused.
 */
final class ActivationQ8 {
    /** [m·k] quantized values. */
    short[] q = new short[0];
    /** [m·k/32] block scales (F16-rounded). */
    float[] d = new float[0];
    /** [m·k/32] −8 × the block's sum of q. */
    short[] corr = new short[0];

    /**
     * Quantizes m rows of k floats (k a multiple of 32) at element offset xo, row stride xs; rows up to the next
     * multiple of 4 are zeros (scales and corrections 0), for the four-row kernels.
     */
    void quantize(MemorySegment x, long xo, long xs, int m, int k) {
        int blocks = k / 32, rows = (m + 3) / 4 * 4;
        if (q.length < rows * k) q = new short[rows * k];
        if (d.length < rows * blocks) {
            d = new float[rows * blocks];
            corr = new short[rows * blocks];
        }
        for (int i = 0; i < m; i++) {
            long row = (xo + i * xs) * 4;
            for (int b = 0; b < blocks; b++) block(x, row + b * 128L, i * k + b * 32, i * blocks + b);
        }
        java.util.Arrays.fill(q, m * k, rows * k, (short) 0);
        java.util.Arrays.fill(d, m * blocks, rows * blocks, 0f);
        java.util.Arrays.fill(corr, m * blocks, rows * blocks, (short) 0);
    }

    private static final FloatVector HALF = FloatVector.broadcast(F, 0.5f);

    private void block(MemorySegment x, long at, int qo, int bi) {
        FloatVector amax = FloatVector.zero(F);
        for (int p = 0; p < 32; p += L) amax = amax.max(FloatVector.fromMemorySegment(F, x, at + p * 4L, LE).abs());
        float a = amax.reduceLanes(VectorOperators.MAX);
        float scale = a / 127f;
        float inv = scale != 0 ? 1f / scale : 0f;
        d[bi] = Float.float16ToFloat(Float.floatToFloat16(scale));
        IntVector sum = IntVector.zero(Vec.I);
        for (int p = 0; p < 32; p += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, at + p * 4L, LE).mul(inv);
            // round half away from zero: add ±0.5, then truncate (the conversion rounds toward zero)
            FloatVector h = HALF.reinterpretAsInts().or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
            IntVector r = (IntVector) v.add(h).convertShape(VectorOperators.F2I, Vec.I, 0);
            sum = sum.add(r);
            ((ShortVector) r.convertShape(VectorOperators.I2S, Vec.S, 0)).intoArray(q, qo + p);
        }
        corr[bi] = (short) (-8 * sum.reduceLanes(VectorOperators.ADD));
    }
}
