package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.code;
import static dev.mm1j.cuda.CudaBackend.ptr;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.backend.UnsupportedOpException;
import java.util.Arrays;

/**
 * The elementwise family on the device (elementwise.cu): copy (strided, dtype conversion), fill, add/mul/swiglu
 * with broadcasting, scale, the activation functions. Each is one grid-stride launch over the output; the dims of
 * all operands are merged jointly on the host ({@link StridedLayout}), so contiguous tensors are rank 1.
 *
 * @see dev.mm1j.core.backend.Op.Family#ELEMENTWISE
 */
final class CudaElementwise {
    /** ew_binary's op codes (elementwise.cu). */
    private static final int ADD = 0, MUL = 1, SWIGLU = 2;

    private final CudaBackend b;

    CudaElementwise(CudaBackend backend) {
        this.b = backend;
    }

    /** The operands' dims merged jointly; at most {@link StridedLayout#MAX_RANK} may remain (common.cuh's Dims). */
    private static StridedLayout collapse(String op, long[] shape, long[]... strides) {
        StridedLayout l = StridedLayout.collapse(shape, strides);
        if (l.rank > StridedLayout.MAX_RANK) throw new UnsupportedOpException("[" + op + "] cuda handles up to " + StridedLayout.MAX_RANK + " non-mergeable dims, got shape " + Arrays.toString(shape));
        return l;
    }

    void copy(Tensor out, Tensor x) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), xd = s.in(x);
            if (o.dtype() == xd.dtype() && o.isContiguous() && xd.isContiguous()) {
                b.device().copyOnDevice(ptr(o), ptr(xd), o.byteSize());
                return;
            }
            StridedLayout l = collapse("copy", o.shape(), o.strides(), xd.strides());
            LaunchArgs a = LaunchArgs.begin(Kernels.EW_COPY).ptr(ptr(o)).i32(code(o.dtype())).ptr(ptr(xd)).i32(code(xd.dtype()))
                .i64(o.numel()).i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank);
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    void fill(Tensor out, float value) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out);
            StridedLayout l = collapse("fill", o.shape(), o.strides());
            LaunchArgs a = LaunchArgs.begin(Kernels.EW_FILL).ptr(ptr(o)).i32(code(o.dtype())).f32(value).i64(o.numel())
                .i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank);
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    void add(Tensor out, Tensor a, Tensor c) {
        binary(out, a, c, ADD);
    }

    void mul(Tensor out, Tensor a, Tensor c) {
        binary(out, a, c, MUL);
    }

    void swiglu(Tensor out, Tensor gate, Tensor up) {
        binary(out, gate, up, SWIGLU);
    }

    /** out = a (op) c, c broadcast to a's shape. */
    private void binary(Tensor out, Tensor a, Tensor c, int op) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), ad = s.in(a), cd = s.in(c);
            long[] shape = ad.shape();
            StridedLayout l = collapse("binary", shape, o.strides(), ad.strides(), StridedLayout.broadcastStrides(shape, cd));
            LaunchArgs la = LaunchArgs.begin(Kernels.EW_BINARY).ptr(ptr(o)).ptr(ptr(ad)).ptr(ptr(cd)).i32(op).i64(o.numel())
                .i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank).dims(l.strides[2], l.rank);
            b.launch(la, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    void scale(Tensor out, Tensor x, float sc) {
        unaryLike(Kernels.EW_SCALE, out, x, sc, 0);
    }

    void unary(UnaryOp op, Tensor out, Tensor x) {
        unaryLike(Kernels.EW_UNARY, out, x, 0f, op.ordinal());
    }

    private void unaryLike(Kernel k, Tensor out, Tensor x, float sc, int op) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), xd = s.in(x);
            StridedLayout l = collapse(k.name(), o.shape(), o.strides(), xd.strides());
            LaunchArgs a = LaunchArgs.begin(k).ptr(ptr(o)).ptr(ptr(xd));
            if (k == Kernels.EW_SCALE) a.f32(sc);
            else a.i32(op);
            a.i64(o.numel()).i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank);
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }
}
