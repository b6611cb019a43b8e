package dev.mm1j.tests.kit;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * A backend that forwards memory and the primitive ops to another one and implements none of the fused
 * ops, so {@link Backend#attention}, {@link Backend#conv2d}, {@link Backend#linear} and
 * {@link Backend#swiglu} run the SPI's default compositions on top of the delegate's primitives. Running
 * the kit on {@code new PrimitivesOnlyBackend(new ReferenceBackend())} checks those defaults against the
 * reference's direct implementations. Also a base for wrappers that change one op (the kit's own tests
 * sabotage ops this way to prove the kit catches each kind of bug).
 */
public class PrimitivesOnlyBackend implements Backend {
    private final Backend delegate;

    public PrimitivesOnlyBackend(Backend delegate) {
        this.delegate = delegate;
    }

    /** The backend every memory and primitive call goes to. */
    protected final Backend delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return "defaults(" + delegate.name() + ")";
    }

    @Override
    public Map<String, String> settings() {
        return delegate.settings();
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return delegate.allocate(dtype, shape);
    }

    @Override
    public boolean isHost() {
        return delegate.isHost();
    }

    @Override
    public void copyIn(Tensor dst, MemorySegment src) {
        delegate.copyIn(dst, src);
    }

    @Override
    public void copyOut(Tensor src, MemorySegment dst) {
        delegate.copyOut(src, dst);
    }

    @Override
    public void synchronize() {
        delegate.synchronize();
    }

    /** The delegate's answer, except that attention is claimed for every dtype the composition handles (those copy handles). */
    @Override
    public boolean supportsOp(Op op, DType dtype) {
        return switch (op) {
            case ATTENTION -> dtype.isFloat() && delegate.supportsOp(Op.COPY, dtype) && delegate.supportsOp(Op.MATMUL, DType.F32)
                && delegate.supportsOp(Op.SOFTMAX, DType.F32) && delegate.supportsOp(Op.SCALE, DType.F32);
            case CONV2D -> delegate.supportsOp(Op.MATMUL, dtype) && delegate.supportsOp(Op.COPY, DType.F32);
            default -> delegate.supportsOp(op, dtype);
        };
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        delegate.matmul(out, x, w);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        delegate.copy(out, x);
    }

    @Override
    public void fill(Tensor out, float value) {
        delegate.fill(out, value);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        delegate.add(out, a, b);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        delegate.mul(out, a, b);
    }

    @Override
    public void scale(Tensor out, Tensor x, float s) {
        delegate.scale(out, x, s);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        delegate.unary(op, out, x);
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        delegate.softmax(out, x, causal, offset);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        delegate.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        delegate.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        delegate.rope(out, x, positions, invFreq);
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        delegate.mean(out, x);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        delegate.adaptiveAvgPool2d(out, x);
    }

    @Override
    public void resizeBicubic(Tensor out, Tensor x) {
        delegate.resizeBicubic(out, x);
    }

    @Override
    public void getRows(Tensor out, Tensor table, Tensor ids) {
        delegate.getRows(out, table, ids);
    }

    @Override
    public void topK(Tensor values, Tensor indices, Tensor x, int k) {
        delegate.topK(values, indices, x, k);
    }

    @Override
    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        delegate.indexAdd(out, src, ids, weights);
    }
}
