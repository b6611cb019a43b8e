package dev.mm1j.tests.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.Quant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kit catches each kind of bug it claims to: every test here sabotages one op of the reference backend
 * and checks that the matching case fails with the right diagnosis (and that the honest reference passes it).
 */
class KitSelfTest {

    private static OpCase find(String id) {
        return Cases.all().stream().filter(c -> c.id().equals(id)).findFirst()
            .orElseThrow(() -> new AssertionError("no case " + id));
    }

    private static void assertCaught(Backend sabotaged, String caseId, String diagnosis) {
        OpCase c = find(caseId);
        assertEquals(Conformance.Status.PASS, Conformance.check(new ReferenceBackend(), c).status(), "the honest reference must pass " + caseId);
        Conformance.Outcome o = Conformance.check(sabotaged, c);
        assertEquals(Conformance.Status.FAIL, o.status(), caseId + ": " + o.message());
        assertTrue(o.message().contains(diagnosis), "expected '" + diagnosis + "' in: " + o.message());
    }

    private static void set(Tensor t, long elementOffset, float v) {
        Quant.setFloat(t.segment(), t.dtype(), elementOffset, v);
    }

    @Test
    void writingPastTheEndOfAnOutputIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void scale(Tensor out, Tensor x, float s) {
                super.scale(out, x, s);
                set(out, out.offset() + out.numel(), 1f);
            }
        };
        assertCaught(b, "scale F32 x=[101] s=-0.37", "guard memory overwritten at 1 element(s) outside the output: element offset 101");
    }

    @Test
    void writingIntoTheGapsOfAStridedOutputIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void copy(Tensor out, Tensor x) {
                super.copy(out, x);
                set(out, out.offset() + out.dim(1), 0f); // row 0, one past the view's last column
            }
        };
        assertCaught(b, "copy F32 [65,7]ᵀ -> F32[7,80][:, :65] (transposed into row-strided)", "guard memory overwritten");
    }

    @Test
    void anElementNeverWrittenIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void fill(Tensor out, float value) {
                super.fill(out.slice(0, 0, out.dim(0) - 1), value);
            }
        };
        assertCaught(b, "fill F32 [101] = 0.3", "non-finite output NaN at [100]");
    }

    @Test
    void readingPastTheEndOfAnInputIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void mean(Tensor out, Tensor x) {
                long[] shape = x.shape();
                shape[shape.length - 1]++;
                super.mean(out, new Tensor(x.storage(), x.dtype(), shape, x.strides(), x.offset(), false));
            }
        };
        assertCaught(b, "mean F32 x=[7,65]", "non-finite output NaN at [6]");
    }

    @Test
    void aSmallErrorInAnExactOpIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void add(Tensor out, Tensor a, Tensor bb) {
                super.add(out, a, bb);
                set(out, out.offset() + 5, Quant.getFloat(out.segment(), DType.F32, out.offset() + 5) * (1 + 1e-6f));
            }
        };
        assertCaught(b, "add F32 a=[7,65] b=[65]", "over budget EXACT");
    }

    @Test
    void aCausalSoftmaxThatIgnoresItsOffsetIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
                super.softmax(out, x, causal, 0);
            }
        };
        assertCaught(b, "softmax F32 x=[5,31] causal offset 26", "over budget OP_NMSE");
    }

    @Test
    void aSoftmaxWithoutMaxSubtractionFailsOnLargeLogits() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
                float[] v = x.toFloatArray();
                int n = (int) x.dim(-1);
                for (int r = 0; r < v.length / n; r++) {
                    float sum = 0;
                    for (int j = 0; j < n; j++) sum += (float) Math.exp(v[r * n + j]);
                    for (int j = 0; j < n; j++) set(out, out.offset() + r * n + j, (float) Math.exp(v[r * n + j]) / sum);
                }
            }
        };
        assertCaught(b, "softmax F32 x=[3,101] logits ±1e4", "non-finite output NaN");
    }

    @Test
    void ropeWithDoublePrecisionAnglesFailsAtLargePositions() {
        // the contract (and Hugging Face) computes θ = pos · invFreq as a float product; in double the angle
        // differs by up to half an ulp of 1e5, about 0.004 rad, which the large-position case must notice
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
                float[] v = x.toFloatArray(), inv = invFreq.toFloatArray();
                int[] pos = positions.toIntArray();
                int heads = (int) x.dim(1), d = (int) x.dim(2), half = d / 2;
                for (int t = 0; t < pos.length; t++) {
                    for (int h = 0; h < heads; h++) {
                        int base = (t * heads + h) * d;
                        for (int j = 0; j < half; j++) {
                            double theta = (double) pos[t] * inv[j];
                            double c = Math.cos(theta), s = Math.sin(theta);
                            set(out, out.offset() + base + j, (float) (v[base + j] * c - v[base + j + half] * s));
                            set(out, out.offset() + base + j + half, (float) (v[base + j + half] * c + v[base + j] * s));
                        }
                    }
                }
            }
        };
        assertCaught(b, "rope F32 x=[5,2,128] large positions llama3", "over budget OP_NMSE");
    }

    @Test
    void topKThatBreaksTiesTheOtherWayIsCaught() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public void topK(Tensor values, Tensor indices, Tensor x, int k) {
                int r = (int) x.dim(0), c = (int) x.dim(1);
                float[] v = x.toFloatArray();
                for (int i = 0; i < r; i++) {
                    Integer[] order = new Integer[c];
                    for (int j = 0; j < c; j++) order[j] = j;
                    final int row = i;
                    Arrays.sort(order, (p, q) -> v[row * c + p] != v[row * c + q] ? Float.compare(v[row * c + q], v[row * c + p]) : q - p);
                    for (int j = 0; j < k; j++) {
                        set(values, values.offset() + (long) i * k + j, v[row * c + order[j]]);
                        indices.segment().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, (indices.offset() + (long) i * k + j) * 4, order[j]);
                    }
                }
            }
        };
        assertCaught(b, "top_k F32 x=[7,65] k=5 (ties)", "out1 I32[7, 5]");
    }

    @Test
    void aBackendThatCannotBeCreatedFailsItsOwnCasesOnly() {
        java.util.List<Conformance.Target> targets = Conformance.targets("broken", o -> {
            throw new IllegalStateException("no device memory");
        }, null);
        assertEquals(1, targets.size());
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> targets.getFirst().factory().apply(targets.getFirst().options()));
        assertTrue(e.getMessage().contains("no device memory"));
    }

    @Test
    void everyOpAndDtypeTheReferenceSupportsHasACase() {
        ReferenceBackend ref = new ReferenceBackend();
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (Op op : Op.values()) {
            for (DType t : DType.values()) {
                if (!ref.supportsOp(op, t)) continue;
                if (Cases.all().stream().noneMatch(c -> c.op() == op && c.dtype() == t)) missing.add(op + " " + t);
            }
        }
        assertTrue(missing.isEmpty(), "ops/dtypes the reference supports with no conformance case (add one to the kit): " + missing);
    }

    @Test
    void anUnsupportedOpIsSkippedAndCountedNotPassed() {
        Backend b = new PrimitivesOnlyBackend(new ReferenceBackend()) {
            @Override
            public boolean supportsOp(Op op, DType dtype) {
                return !(op == Op.MATMUL && dtype == DType.Q4_0) && super.supportsOp(op, dtype);
            }
        };
        Conformance.Outcome o = Conformance.check(b, find("matmul Q4_0 x=[7,64] w=[31,64]"));
        assertEquals(Conformance.Status.UNSUPPORTED, o.status());
        assertTrue(o.message().contains("does not support matmul Q4_0"), o.message());
    }
}
