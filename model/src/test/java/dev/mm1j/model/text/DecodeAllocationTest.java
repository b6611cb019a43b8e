package dev.mm1j.model.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.HostStorage;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The decoder's own code allocates nothing per decode step: run against a backend whose ops do nothing, so that
 * only the model side (views, staging, routing, the Ops checks) is measured, with the JVM's per-thread allocation
 * counter. (JMH's DecodeStepBench -prof gc measures the same with real kernels.)
 */
class DecodeAllocationTest {

    /** Host memory, ops that do nothing: isolates the model code's allocations. */
    static final class NullBackend implements Backend {
        @Override public String name() { return "null"; }
        @Override public Tensor allocate(DType dtype, long... shape) {
            return Tensor.contiguous(HostStorage.allocate(dtype.byteSize(Tensor.numel(shape)), this), dtype, shape, true);
        }
        @Override public boolean isHost() { return true; }
        @Override public void copyIn(Tensor dst, MemorySegment src) { }
        @Override public void copyOut(Tensor src, MemorySegment dst) { }
        @Override public boolean supportsOp(Op op, DType dtype) { return true; }
        @Override public void matmul(Tensor out, Tensor x, Tensor w) { }
        @Override public void copy(Tensor out, Tensor x) { }
        @Override public void fill(Tensor out, float value) { }
        @Override public void add(Tensor out, Tensor a, Tensor b) { }
        @Override public void mul(Tensor out, Tensor a, Tensor b) { }
        @Override public void scale(Tensor out, Tensor x, float s) { }
        @Override public void unary(UnaryOp op, Tensor out, Tensor x) { }
        @Override public void softmax(Tensor out, Tensor x, boolean causal, long offset) { }
        @Override public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) { }
        @Override public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) { }
        @Override public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) { }
        @Override public void mean(Tensor out, Tensor x) { }
        @Override public void adaptiveAvgPool2d(Tensor out, Tensor x) { }
        @Override public void resizeBicubic(Tensor out, Tensor x) { }
        @Override public void getRows(Tensor out, Tensor table, Tensor ids) { }
        @Override public void topK(Tensor values, Tensor indices, Tensor x, int k) { }
        @Override public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) { }
        @Override public void setRows(Tensor out, Tensor src, Tensor ids) { }
        @Override public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) { }
        @Override public void linear(Tensor out, Tensor x, Tensor w, Tensor bias) { }
        @Override public void swiglu(Tensor out, Tensor gate, Tensor up) { }
    }

    @Test
    void aDecodeStepAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int experts : new int[] {0, 4}) {
            TextConfig c = new TextConfig(experts > 0 ? "mixtral" : "llama", 64, 96, 2, 4, 2, 16, 1e-5f, 10000, null, 100, 4096, false, "silu",
                true, 0, experts, 2, 1, 1, new int[0]);
            try (TextModel m = TextModel.load(c, new Weights(RandomWeights.create(c, DType.F32, 1, 1f)), new Ops(new NullBackend()));
                 DecodeBatch batch = m.newDecodeBatch(3);
                 KvCache a = m.newCache(64, DType.F16); KvCache b = m.newCache(64, DType.F16); KvCache d = m.newCache(64, DType.F16)) {
                KvCache[] caches = {a, b, d};
                int[] tokens = {1, 2, 3};
                // run rounds until 20 in a row allocate nothing (once C2 has compiled and scalar-replaced the step);
                // give up after 60 s, reporting the last rounds' average
                long deadline = System.nanoTime() + 60_000_000_000L;
                int clean = 0;
                double perStep = Double.NaN;
                while (clean < 20 && System.nanoTime() < deadline) {
                    for (KvCache kv : caches) kv.reset();
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 60; i++) batch.step(caches, tokens, 3);
                    perStep = (mx.getCurrentThreadAllocatedBytes() - before) / 60.0;
                    clean = perStep == 0 ? clean + 1 : 0;
                }
                System.out.printf("[alloc] %s decode step of 3 sequences: %.1f bytes allocated per step (steady state)%n", experts > 0 ? "MoE" : "dense", perStep);
                assertTrue(perStep == 0, "bytes per decode step after 60 s of warm-up: " + perStep);
            }
        }
    }
}
