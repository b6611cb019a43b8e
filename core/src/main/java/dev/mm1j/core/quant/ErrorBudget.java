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

    /**
     * No difference at all: ops whose result is fully determined by IEEE rounding (copies and dtype
     * conversions, fills, gathers, one add, mul or scale per element, top-k selection).
     */
    public static final double EXACT = 0;

    /** Plain F32 arithmetic in a different order (sums of up to a few thousand terms). */
    public static final double F32_NMSE = 1e-10;

    /**
     * Ops built on exp, erf, sin/cos or rsqrt (activations, softmax, norms, rope, attention). This is
     * ggml's default budget in test-backend-ops: float-instead-of-double rounding gives about 1e-13 and a
     * vectorised exp/erf approximation with relative error 1e-6 about 1e-12, while real bugs (a missed
     * element, a wrong index, a wrong mask) give 1e-4 or more.
     */
    public static final double OP_NMSE = 1e-7;

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

    /**
     * Budget of {@code x · wᵀ} (matmul, linear, the matmul cases of conv2d) for weights of {@code dtype}.
     * A backend may round the activations to the weight's type for its dot products, as llama.cpp does
     * (F16 activations for F16 weights, BF16 for BF16, 8-bit blocks for Q8_0 and Q4_0), so each budget is
     * that rounding's round-trip error; F32 weights get {@link #F32_NMSE}.
     */
    public static double matmul(DType dtype) {
        return switch (dtype) {
            case F32 -> F32_NMSE;
            case F16 -> F16_ROUNDTRIP_NMSE;
            case BF16 -> BF16_ROUNDTRIP_NMSE;
            case Q8_0, Q4_0 -> Q8_ACTIVATION_NMSE;
            default -> throw new IllegalArgumentException("no matmul budget for " + dtype);
        };
    }

    /**
     * Budget of attention with keys and values of {@code dtype}: {@link #OP_NMSE} for F32; for a 16-bit KV
     * cache a backend may compute its dot products in that type (as GPU kernels do), so the budget is the
     * type's round-trip error.
     */
    public static double attention(DType dtype) {
        return switch (dtype) {
            case F32 -> OP_NMSE;
            case F16 -> F16_ROUNDTRIP_NMSE;
            case BF16 -> BF16_ROUNDTRIP_NMSE;
            default -> throw new IllegalArgumentException("no attention budget for " + dtype);
        };
    }

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
