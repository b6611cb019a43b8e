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

    /**
     * The tensor {@code name} with {@code shape}, as F32, in the backend's memory (norm weights, biases, class
     * embeddings...). The host F32 copy, when one is needed, is made once and freed by {@link Weights#close()}.
     */
    public static Tensor f32(Weights w, String name, Ops ops, long... shape) {
        return ops.backend().upload(w.f32(name, shape));
    }

    /** Like {@link #f32} but null when the checkpoint lacks the tensor. */
    public static Tensor f32Optional(Weights w, String name, Ops ops, long... shape) {
        return w.has(name) ? f32(w, name, ops, shape) : null;
    }

    /**
     * A matmul weight [out, in] in the backend's memory: in the weights' matrix dtype when one is configured
     * (quantize-on-load, {@code --weights q8_0}), else as stored when matmul computes on it, else F32; in the
     * layout the backend's matmul reads fastest ({@link dev.mm1j.core.backend.Backend#prepareWeight}), so the
     * result is only a matmul operand.
     */
    public static Tensor matrix(Weights w, String name, Ops ops, long out, long in) {
        return ops.backend().prepareWeight(w.matrix(name, out, in));
    }

    /** A gather table (token embeddings) [rows, dim] as stored (never quantized on load), or F32 for storage-only dtypes. */
    public static Tensor embedding(Weights w, String name, Ops ops, long rows, long dim) {
        return ops.backend().upload(w.embedding(name, rows, dim));
    }

    /** A host F32 copy of {@code t} (or {@code t} itself when it already is contiguous F32). */
    public static Tensor toF32(Tensor t) {
        if (t.dtype() == DType.F32 && t.isContiguous()) return t;
        Tensor out = Tensor.allocateHost(DType.F32, t.shape());
        new ReferenceBackend().copy(out, t);
        return out;
    }
}
