package dev.mm1j.model.nn;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.Weights;

/**
 * Loading parameters for model blocks: tensors fetched by checkpoint name (strict shapes), converted
 * where an op needs F32 (norm weights, biases, embeddings of some models), and placed in the backend's
 * memory. Shared by every model family so that weight handling has one definition.
 */
public final class Params {
    private Params() {}

    /** The tensor {@code name} with {@code shape}, as F32, in the backend's memory (norm weights, biases, class embeddings...). */
    public static Tensor f32(Weights w, String name, Ops ops, long... shape) {
        return ops.backend().upload(toF32(w.get(name, shape)));
    }

    /** Like {@link #f32} but null when the checkpoint lacks the tensor. */
    public static Tensor f32Optional(Weights w, String name, Ops ops, long... shape) {
        return w.has(name) ? f32(w, name, ops, shape) : null;
    }

    /** A matmul weight [out, in] in a dtype matmul computes on (as stored when it already is), in the backend's memory. */
    public static Tensor matrix(Weights w, String name, Ops ops, long out, long in) {
        Tensor t = w.get(name, out, in);
        if (!t.dtype().isComputable() || t.dtype() == DType.I32) t = toF32(t);
        return ops.backend().upload(t);
    }

    /** A host F32 copy of {@code t} (or {@code t} itself when it already is contiguous F32). */
    public static Tensor toF32(Tensor t) {
        if (t.dtype() == DType.F32 && t.isContiguous()) return t;
        Tensor out = Tensor.allocateHost(DType.F32, t.shape());
        new ReferenceBackend().copy(out, t);
        return out;
    }
}
