package dev.mm1j.tests.kit;

import dev.mm1j.core.DType;
import dev.mm1j.core.quant.ErrorBudget;

/**
 * A case's error budget: a normalised MSE from {@link ErrorBudget} with its name, for failure messages.
 *
 * @param name the {@link ErrorBudget} name it comes from
 * @param nmse the largest allowed {@code Σ(got − want)² / Σ want²}
 */
public record Budget(String name, double nmse) {
    /** Bit-exact float outputs (NMSE 0). I32 outputs are always compared exactly. */
    public static final Budget EXACT = new Budget("EXACT", ErrorBudget.EXACT);
    /** F32 arithmetic in another order. */
    public static final Budget F32 = new Budget("F32_NMSE", ErrorBudget.F32_NMSE);
    /** Ops with transcendental functions. */
    public static final Budget OP = new Budget("OP_NMSE", ErrorBudget.OP_NMSE);

    /** x · wᵀ with weights of {@code dtype}. */
    public static Budget matmul(DType dtype) {
        return new Budget("matmul(" + dtype + ")", ErrorBudget.matmul(dtype));
    }

    /** Attention with keys and values of {@code dtype}. */
    public static Budget attention(DType dtype) {
        return new Budget("attention(" + dtype + ")", ErrorBudget.attention(dtype));
    }

    @Override
    public String toString() {
        return name + " = " + nmse;
    }
}
