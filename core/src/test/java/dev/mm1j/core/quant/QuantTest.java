package dev.mm1j.core.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Quant: round trips within their named budgets, and encodings that follow by hand from the format
 * definitions (the PyTorch/numpy golden file in the tests module checks many more).
 */
class QuantTest {

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static float[] roundTrip(DType dtype, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(dtype.byteSize(x.length));
            Quant.encode(dtype, x, 0, x.length, seg, 0);
            float[] back = new float[x.length];
            Quant.decode(dtype, seg, 0, back, 0, x.length);
            return back;
        }
    }

    @Test
    void roundTripsStayWithinTheirBudgets() {
        float[] x = gaussian(32 * 64, 7);
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            double nmse = ErrorBudget.nmse(roundTrip(t, x), x);
            assertTrue(nmse <= ErrorBudget.roundTrip(t), t + ": nmse " + nmse + " > " + ErrorBudget.roundTrip(t));
            if (t != DType.F32) assertTrue(nmse > ErrorBudget.roundTrip(t) / 100, t + ": budget " + ErrorBudget.roundTrip(t) + " is far too loose for nmse " + nmse);
        }
    }

    @Test
    void halfPrecisionKnownEncodings() {
        assertEquals((short) 0x3C00, Quant.f32ToF16(1f));
        assertEquals((short) 0x7BFF, Quant.f32ToF16(65504f));
        assertEquals((short) 0x7C00, Quant.f32ToF16(65520f)); // halfway to the next binade rounds up to Inf
        assertEquals((short) 0x7BFF, Quant.f32ToF16(65519f));
        assertEquals((short) 0x0001, Quant.f32ToF16(0x1p-24f)); // smallest subnormal
        assertEquals((short) 0x0000, Quant.f32ToF16(0x1p-25f)); // halfway, to even (0)
        assertEquals((short) 0x3C00, Quant.f32ToF16(1f + 0x1p-11f)); // halfway, to even
        assertEquals((short) 0x3C02, Quant.f32ToF16(1f + 3 * 0x1p-11f)); // halfway, to even (up)
        assertEquals((short) 0x8000, Quant.f32ToF16(-0f));
        assertEquals((short) 0x3F80, Quant.f32ToBf16(1f));
        assertEquals((short) 0x3F80, Quant.f32ToBf16(1f + 0x1p-8f)); // halfway, to even
        assertEquals((short) 0x3F82, Quant.f32ToBf16(1f + 3 * 0x1p-8f));
        assertEquals((short) 0x7F80, Quant.f32ToBf16(Float.MAX_VALUE)); // rounds up to Inf
        assertEquals((short) 0xFF80, Quant.f32ToBf16(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Quant.bf16ToF32(Quant.f32ToBf16(Float.intBitsToFloat(0x7F800001)))), "a signalling NaN stays NaN");
        assertEquals(-2.5f, Quant.bf16ToF32(Quant.f32ToBf16(-2.5f)));
    }

    @Test
    void q8_0KnownBlock() {
        float[] x = new float[32];
        x[0] = 127f; // max |x| = 127 -> d = 1
        x[1] = -3.5f; // roundf: away from zero
        x[2] = 2.5f;
        x[3] = -127f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(34);
            Quant.quantizeQ8_0(x, 0, 32, seg, 0);
            assertEquals((short) 0x3C00, seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            byte[] q = seg.asSlice(2, 32).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(new byte[] {127, -4, 3, -127}, java.util.Arrays.copyOf(q, 4));
            for (int j = 4; j < 32; j++) assertEquals(0, q[j]);
        }
    }

    @Test
    void q4_0KnownBlock() {
        float[] x = new float[32];
        x[0] = -8f; // the signed value with the largest |x|: d = -8 / -8 = 1
        x[1] = 7f; // q = 15
        x[16] = 3f; // q = 11, in the high nibble of byte 0
        x[17] = -1.4f; // (int)(-1.4 + 8.5) = 7
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(18);
            Quant.quantizeQ4_0(x, 0, 32, seg, 0);
            assertEquals((short) 0x3C00, seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            byte[] qs = seg.asSlice(2, 16).toArray(ValueLayout.JAVA_BYTE);
            assertEquals((byte) (0 | 11 << 4), qs[0]);
            assertEquals((byte) (15 | 7 << 4), qs[1]);
            for (int j = 2; j < 16; j++) assertEquals((byte) 0x88, qs[j]); // zeros are q = 8
            float[] back = new float[32];
            Quant.dequantizeQ4_0(seg, 0, back, 0, 32);
            assertEquals(-8f, back[0]);
            assertEquals(7f, back[1]);
            assertEquals(3f, back[16]);
            assertEquals(-1f, back[17]);
        }
    }

    @Test
    void allZeroBlocksEncodeAsZero() {
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0}) {
            float[] back = roundTrip(t, new float[64]);
            // Q4_0's scale is max / -8 = -0.0 for an all-zero block (as in ggml), so values decode as -0.0
            for (float v : back) assertEquals(0f, v, 0f, t.toString());
        }
    }

    @Test
    void getFloatDecodesSingleElementsInsideBlocks() {
        float[] x = gaussian(96, 3);
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0, DType.F16, DType.BF16}) {
            float[] all = roundTrip(t, x);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(t.byteSize(96));
                Quant.encode(t, x, 0, 96, seg, 0);
                for (int i = 0; i < 96; i++) assertEquals(all[i], Quant.getFloat(seg, t, i), t + " element " + i);
            }
        }
    }

    @Test
    void partialBlocksAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertThrows(ShapeException.class, () -> Quant.quantizeQ8_0(new float[40], 0, 40, seg, 0));
            assertThrows(ShapeException.class, () -> Quant.setFloat(seg, DType.Q4_0, 0, 1f));
        }
        assertThrows(ShapeException.class, () -> DType.Q8_0.byteSize(33));
    }
}
