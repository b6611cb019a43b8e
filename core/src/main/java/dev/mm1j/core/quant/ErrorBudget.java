package dev.mm1j.core.quant;

import dev.mm1j.core.DType;

/**
 * Named error budgets, as normalised mean squared error {@code Σ(a−b)² / Σb²} against the F32 reference.
 * Tests compare against these names so that every tolerance in the project has one definition.
 *
 * <p>Round-trip budgets bound {@code dequantize(quantize(x))} against {@code x} for Gaussian data; a
 * block of 32 with step d has error about d/√12, i.e. Q8_0 ≈ 2e-5, Q4_0 ≈ 5e-3, BF16 ≈ 5e-6, F16 ≈ 1e-7.
 */
public final class ErrorBudget {
    private ErrorBudget() {}

    /** Plain F32 arithmetic in a different order (sums of up to a few thousand terms). */
    public static final double F32_NMSE = 1e-10;

    /** Round trip through F16. */
    public static final double F16_ROUNDTRIP_NMSE = 2e-7;
    /** Round trip through BF16. */
    public static final double BF16_ROUNDTRIP_NMSE = 2e-5;
    /** Round trip through Q8_0. */
    public static final double Q8_0_ROUNDTRIP_NMSE = 1e-4;
    /** Round trip through Q4_0. */
    public static final double Q4_0_ROUNDTRIP_NMSE = 1.5e-2;

    /** A kernel that also rounds its activations to 8-bit blocks (llama.cpp-style quantized dots). */
    public static final double Q8_ACTIVATION_NMSE = 1e-4;

    /** Round-trip budget of {@code dtype}. */
    public static double roundTrip(DType dtype) {
        return switch (dtype) {
            case F32, I32 -> 0;
            case F16 -> F16_ROUNDTRIP_NMSE;
            case BF16 -> BF16_ROUNDTRIP_NMSE;
            case Q8_0 -> Q8_0_ROUNDTRIP_NMSE;
            case Q4_0 -> Q4_0_ROUNDTRIP_NMSE;
            default -> throw new IllegalArgumentException("no budget for " + dtype);
        };
    }

    /** Normalised mean squared error of {@code actual} against {@code expected}; NaN or Inf anywhere gives +Inf. */
    public static double nmse(float[] actual, float[] expected) {
        if (actual.length != expected.length) throw new IllegalArgumentException("lengths differ: " + actual.length + " vs " + expected.length);
        double num = 0, den = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i]) || !Float.isFinite(expected[i])) {
                if (Float.compare(actual[i], expected[i]) == 0) continue;
                return Double.POSITIVE_INFINITY;
            }
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        if (den == 0) return num == 0 ? 0 : Double.POSITIVE_INFINITY;
        return num / den;
    }
}
