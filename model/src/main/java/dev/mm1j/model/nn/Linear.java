package dev.mm1j.model.nn;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;

/**
 * A linear layer {@code y = x · Wᵀ + b}: weight [out, in] (any matmul dtype), optional bias [out] (F32).
 * Loaded from {@code <prefix>.weight} and {@code <prefix>.bias}.
 */
public record Linear(Tensor weight, Tensor bias, long in, long out) {

    /** Loads {@code name.weight} [out, in] and, when {@code withBias}, {@code name.bias} [out]. */
    public static Linear load(Weights w, String name, Ops ops, long out, long in, boolean withBias) {
        Tensor weight = w.on(ops).matrix(name + ".weight", out, in);
        Tensor bias = withBias ? w.on(ops).f32(name + ".bias", out) : null;
        return new Linear(weight, bias, in, out);
    }

    /** out [..., out] = x [..., in] · Wᵀ + b. */
    public void forward(Ops ops, Tensor outT, Tensor x) {
        ops.linear(outT, x, weight, bias);
    }
}
