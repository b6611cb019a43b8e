package dev.mm1j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Ops rejects bad shapes and dtypes with one ShapeException that names the op and the shapes involved. */
class OpsValidationTest {
    private final Ops ops = new Ops(new ReferenceBackend());

    private static Tensor f(long... shape) {
        return Tensor.allocateHost(DType.F32, shape);
    }

    private void rejects(Consumer<Ops> op, String... fragments) {
        ShapeException e = assertThrows(ShapeException.class, () -> op.accept(ops));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }

    @Test
    void matmulNamesTheOpAndEveryShape() {
        rejects(o -> o.matmul(f(4, 32), f(4, 64), f(32, 8)), "[matmul]", "out=F32[4, 32]", "x=F32[4, 64]", "w=F32[32, 8]", "inner dims differ");
        rejects(o -> o.matmul(f(4, 31), f(4, 64), f(32, 64)), "[matmul]", "output shape does not match");
        rejects(o -> o.matmul(f(2, 4, 32), f(3, 4, 64), f(2, 32, 64)), "[matmul]", "batch");
        rejects(o -> o.matmul(f(4, 32), Tensor.allocateHost(DType.F16, 4, 64), f(32, 64)), "[matmul]", "x=F16[4, 64]", "expected F32");
        rejects(o -> o.matmul(f(4, 32), f(4, 64), Tensor.allocateHost(DType.I64, 32, 64)), "[matmul]", "storage-only");
        rejects(o -> o.matmul(f(32, 4).transpose(0, 1), f(4, 64), f(32, 64)), "[matmul]", "must be contiguous");
    }

    @Test
    void elementwiseAndRowOps() {
        rejects(o -> o.add(f(3, 4), f(3, 4), f(3)), "[add]", "b=F32[3]", "does not broadcast");
        rejects(o -> o.mul(f(3, 4), f(3, 5), f(5)), "[mul]", "shapes differ");
        rejects(o -> o.copy(Tensor.allocateHost(DType.Q8_0, 1, 32), f(1, 32)), "[copy]", "cannot write Q8_0");
        rejects(o -> o.softmax(f(4), f(4), true, 0), "[softmax]", "causal");
        rejects(o -> o.layerNorm(f(2, 8), f(2, 8), f(7), null, 1e-5f), "[layer_norm]", "weight=F32[7]", "expected F32[8]");
        rejects(o -> o.rmsNorm(f(2, 8), f(2, 8), f(8, 1), 1e-5f), "[rms_norm]", "weight=F32[8, 1]");
        rejects(o -> o.mean(f(2, 8), f(2, 8)), "[mean]", "drop the last dim");
        rejects(o -> o.rope(f(2, 3, 7), f(2, 3, 7), Tensor.ofInts(new int[] {0, 1}, 2), f(3)), "[rope]", "D even");
        rejects(o -> o.rope(f(2, 3, 8), f(2, 3, 8), Tensor.ofInts(new int[] {0, 1, 2}, 3), f(4)), "[rope]", "positions must be I32 [T]");
    }

    @Test
    void rowOpsRejectScalars() {
        Tensor s = Tensor.of(new float[] {1f});
        rejects(o -> o.softmax(s, s), "[softmax]", "F32[]");
        rejects(o -> o.layerNorm(s, s, null, null, 1e-5f), "[layer_norm]", "F32[]");
        rejects(o -> o.rmsNorm(s, s, f(1), 1e-5f), "[rms_norm]", "F32[]");
    }

    @Test
    void attentionConvAndIndexing() {
        rejects(o -> o.attention(f(3, 4, 8), f(3, 4, 8), f(5, 3, 8), f(5, 3, 8), 1f, false, 0), "[attention]", "multiple of kv heads");
        rejects(o -> o.attention(f(3, 4, 8), f(3, 4, 8), f(5, 2, 8), Tensor.allocateHost(DType.F16, 5, 2, 8), 1f, false, 0), "[attention]", "share a float dtype");
        rejects(o -> o.conv2d(f(6, 7, 4), f(14, 14, 3), f(4, 3, 2, 2), 2, 0, 1), "[conv2d]", "out=F32[6, 7, 4]", "out must be [7, 7, 4]");
        rejects(o -> o.conv2d(f(4, 4, 6), f(4, 4, 5), f(6, 1, 3, 3), 1, 1, 5), "[conv2d]", "groups 5");
        rejects(o -> o.getRows(f(2, 8), f(10, 8), f(2)), "[get_rows]", "ids");
        rejects(o -> o.topK(f(2, 3), Tensor.allocateHost(DType.I32, 2, 3), f(2, 5), 4), "[top_k]", "values must be [R, k=4]");
        rejects(o -> o.topK(f(2, 6), Tensor.allocateHost(DType.I32, 2, 6), f(2, 5), 6), "[top_k]", "k=6 <= C");
        rejects(o -> o.indexAdd(f(4, 8), f(3, 8), Tensor.ofInts(new int[] {0, 1}, 2), null), "[index_add]", "ids must be I32 [T]");
    }

    @Test
    void unsupportedOpsWithoutAFallbackNameTheBackendAndDtype() {
        Backend ref = new ReferenceBackend();
        Ops only = new Ops(new Backend() {
            @Override public String name() { return "tiny"; }
            @Override public Tensor allocate(DType dtype, long... shape) { return ref.allocate(dtype, shape); }
            @Override public boolean isHost() { return true; }
            @Override public void copyIn(Tensor dst, java.lang.foreign.MemorySegment src) { ref.copyIn(dst, src); }
            @Override public void copyOut(Tensor src, java.lang.foreign.MemorySegment dst) { ref.copyOut(src, dst); }
            @Override public boolean supportsOp(Op op, DType dtype) { return false; }
            @Override public void matmul(Tensor out, Tensor x, Tensor w) {}
            @Override public void copy(Tensor out, Tensor x) {}
            @Override public void fill(Tensor out, float value) {}
            @Override public void add(Tensor out, Tensor a, Tensor b) {}
            @Override public void mul(Tensor out, Tensor a, Tensor b) {}
            @Override public void scale(Tensor out, Tensor x, float s) {}
            @Override public void unary(UnaryOp op, Tensor out, Tensor x) {}
            @Override public void softmax(Tensor out, Tensor x, boolean causal, long offset) {}
            @Override public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {}
            @Override public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {}
            @Override public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {}
            @Override public void mean(Tensor out, Tensor x) {}
            @Override public void adaptiveAvgPool2d(Tensor out, Tensor x) {}
            @Override public void resizeBicubic(Tensor out, Tensor x) {}
            @Override public void getRows(Tensor out, Tensor table, Tensor ids) {}
            @Override public void topK(Tensor values, Tensor indices, Tensor x, int k) {}
            @Override public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {}
        });
        UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> only.matmul(f(1, 2), f(1, 32), Tensor.allocateHost(DType.Q4_0, 2, 32)));
        assertEquals("[matmul] tiny has no implementation for Q4_0", e.getMessage());
        Ops withFallback = new Ops(only.backend(), new ReferenceBackend());
        Tensor out = f(1, 2);
        withFallback.matmul(out, Tensor.of(new float[32], 1, 32), Tensor.allocateHost(DType.Q4_0, 2, 32));
        assertEquals(0f, out.toFloatArray()[1]);
    }
}
