package dev.mm1j.core.backend;

/** Elementwise activation functions; {@link #apply} is the reference definition of each. */
public enum UnaryOp {
    /** x·σ(x). */
    SILU,
    /** The exact GELU: x·Φ(x) = x/2·(1 + erf(x/√2)). */
    GELU,
    /** CLIP's x·σ(1.702·x). */
    QUICK_GELU,
    /** 1/(1 + e^−x). */
    SIGMOID;

    /** The reference value, computed in double and rounded once. */
    public float apply(float xf) {
        double x = xf;
        return (float) switch (this) {
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case SIGMOID -> 1 / (1 + Math.exp(-x));
        };
    }
}
