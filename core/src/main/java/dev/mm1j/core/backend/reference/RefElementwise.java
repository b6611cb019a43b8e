package dev.mm1j.core.backend.reference;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnaryOp;

/** The elementwise family, reference: copy, fill, add, mul, scale, activations. */
final class RefElementwise {
    private RefElementwise() {}

    /** out = x (same shape, any strides), converting dtype; I32 to I32 is exact. */
    static void copy(Tensor out, Tensor x) {
        long[] shape = out.shape();
        if (out.numel() == 0) return;
        long[] idx = new long[shape.length];
        boolean ints = out.dtype() == DType.I32 && x.dtype() == DType.I32;
        do {
            if (ints) Strided.setInt(out, Strided.offset(out, idx), Strided.getInt(x, Strided.offset(x, idx)));
            else Strided.set(out, idx, Strided.get(x, idx));
        } while (Strided.next(idx, shape));
    }

    /** out[...] = value. */
    static void fill(Tensor out, float value) {
        long[] shape = out.shape();
        if (out.numel() == 0) return;
        long[] idx = new long[shape.length];
        do {
            Strided.set(out, idx, value);
        } while (Strided.next(idx, shape));
    }

    /** out = a (op) b with b broadcast to a's shape. */
    static void binary(Tensor out, Tensor a, Tensor b, boolean multiply) {
        long[] shape = a.shape();
        if (a.numel() == 0) return;
        long[] idx = new long[shape.length];
        do {
            float av = Strided.get(a, idx), bv = Strided.get(b, idx);
            Strided.set(out, idx, multiply ? av * bv : av + bv);
        } while (Strided.next(idx, shape));
    }

    /** out = s · x. */
    static void scale(Tensor out, Tensor x, float s) {
        long[] shape = x.shape();
        if (x.numel() == 0) return;
        long[] idx = new long[shape.length];
        do {
            Strided.set(out, idx, s * Strided.get(x, idx));
        } while (Strided.next(idx, shape));
    }

    /** out = f(x), f as defined by {@link UnaryOp#apply}. */
    static void unary(UnaryOp op, Tensor out, Tensor x) {
        long[] shape = x.shape();
        if (x.numel() == 0) return;
        long[] idx = new long[shape.length];
        do {
            Strided.set(out, idx, op.apply(Strided.get(x, idx)));
        } while (Strided.next(idx, shape));
    }
}
