package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.Data;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** softmax over the last dim: plain and causal with offsets, batched, strided, in place, and logits of ±1e4 (stability). */
public final class SoftmaxCases {
    private SoftmaxCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (long[] shape : new long[][] {{1}, {1, 1}, {7, 31}, {3, 7, 65}, {2, 101}, {2, 4099}}) {
            l.add(softmax("x=" + s(shape), shape, 2f, false, 0));
        }
        l.add(softmax("x=" + s(3, 101) + " logits ±1e4", new long[] {3, 101}, 1e4f, false, 0));
        l.add(softmax("x=" + s(7, 7) + " causal", new long[] {7, 7}, 2f, true, 0));
        l.add(softmax("x=" + s(5, 31) + " causal offset 26", new long[] {5, 31}, 2f, true, 26));
        l.add(softmax("x=" + s(2, 7, 65) + " causal offset 58", new long[] {2, 7, 65}, 2f, true, 58));
        l.add(softmax("x=" + s(4, 17) + " causal offset 3 (partial rows)", new long[] {4, 17}, 2f, true, 3));
        l.add(softmax("x=" + s(31, 31) + " causal logits ±1e4", new long[] {31, 31}, 1e4f, true, 0));
        l.add(OpCase.of(Op.SOFTMAX, DType.F32, "x=" + s(65, 7) + "ᵀ (strided)", Budget.OP, b -> {
            b.ops().softmax(b.out(DType.F32, 7, 65), b.in(DType.F32, Data.scaled(b.data().normal(455), 3), 65, 7).transpose(0, 1), false, 0);
        }));
        l.add(OpCase.of(Op.SOFTMAX, DType.F32, "out=x=" + s(7, 65) + " causal offset 60 (in place)", Budget.OP, b -> {
            Tensor x = b.inout(DType.F32, Data.scaled(b.data().normal(455), 3), 7, 65);
            b.ops().softmax(x, x, true, 60);
        }));
        return l;
    }

    private static OpCase softmax(String params, long[] shape, float scale, boolean causal, long offset) {
        return OpCase.of(Op.SOFTMAX, DType.F32, params, Budget.OP, b -> {
            float[] x = Data.scaled(b.data().normal((int) Tensor.numel(shape)), scale);
            b.ops().softmax(b.out(DType.F32, shape), b.in(DType.F32, x, shape), causal, offset);
        });
    }
}
