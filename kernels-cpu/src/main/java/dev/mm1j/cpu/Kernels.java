package dev.mm1j.cpu;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnaryOp;

/**
 * The ops of the CPU backend, implemented once per vector species by {@code dev.mm1j.cpu.simd.VectorKernels}
 * (see {@link SpeciesClassLoader}). Contracts are those of {@link dev.mm1j.core.backend.Backend}; operands
 * were validated by {@link dev.mm1j.core.backend.Ops}.
 */
public interface Kernels extends AutoCloseable {
    /** The vector width in bits. */
    int bits();

    void matmul(Tensor out, Tensor x, Tensor w);

    /** {@code w} in the layout {@link #matmul} reads fastest (a {@link PackedWeight} tensor), or {@code w} itself. */
    Tensor prepareWeight(Tensor w, dev.mm1j.core.backend.Backend owner);

    void copy(Tensor out, Tensor x);

    void fill(Tensor out, float value);

    void add(Tensor out, Tensor a, Tensor b);

    void mul(Tensor out, Tensor a, Tensor b);

    void scale(Tensor out, Tensor x, float s);

    void unary(UnaryOp op, Tensor out, Tensor x);

    void softmax(Tensor out, Tensor x, boolean causal, long offset);

    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps);

    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps);

    void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq);

    void mean(Tensor out, Tensor x);

    void adaptiveAvgPool2d(Tensor out, Tensor x);

    void resizeBicubic(Tensor out, Tensor x);

    void getRows(Tensor out, Tensor table, Tensor ids);

    void setRows(Tensor out, Tensor src, Tensor ids);

    void topK(Tensor values, Tensor indices, Tensor x, int k);

    void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights);

    void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups);

    void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset);

    void linear(Tensor out, Tensor x, Tensor w, Tensor bias);

    void swiglu(Tensor out, Tensor gate, Tensor up);

    /** Frees scratch memory; the thread pool belongs to the backend. */
    @Override
    void close();
}
