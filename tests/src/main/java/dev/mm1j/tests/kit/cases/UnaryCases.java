package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** The activations (silu, gelu, quick_gelu, sigmoid) and the fused swiglu: odd sizes, saturating inputs, strided and in place. */
public final class UnaryCases {
    private UnaryCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (UnaryOp u : UnaryOp.values()) {
            Op op = Op.of(u);
            for (long[] shape : new long[][] {{1}, {7}, {31, 65}, {2, 3, 33}, {9001}}) {
                l.add(OpCase.of(op, DType.F32, "x=" + s(shape) + " ~ N(0, 3)", Budget.OP, b -> {
                    float[] x = b.data().normal((int) Tensor.numel(shape), 0, 3);
                    b.ops().unary(u, b.out(DType.F32, shape), b.in(DType.F32, x, shape));
                }));
            }
            l.add(OpCase.of(op, DType.F32, "x=[101] in [-100, 100] (saturation)", Budget.OP, b -> {
                float[] x = b.data().uniform(101, -30, 30);
                float[] edges = {-100f, 100f, -88f, 88f, -20f, 20f, 0f, -0f, 1e-20f, -1e-20f, -9f, 9f};
                System.arraycopy(edges, 0, x, 0, edges.length);
                b.ops().unary(u, b.out(DType.F32, 101), b.in(DType.F32, x, 101));
            }));
            l.add(OpCase.of(op, DType.F32, "x=" + s(65, 31) + "ᵀ (strided)", Budget.OP, b -> {
                b.ops().unary(u, b.out(DType.F32, 31, 65), b.in(DType.F32, 65, 31).transpose(0, 1));
            }));
            l.add(OpCase.of(op, DType.F32, "out=x=" + s(7, 65) + " (in place)", Budget.OP, b -> {
                Tensor x = b.inout(DType.F32, b.data().normal(7 * 65, 0, 2), 7, 65);
                b.ops().unary(u, x, x);
            }));
        }
        for (long[] shape : new long[][] {{1}, {7, 65}, {3, 101}}) {
            l.add(swiglu("gate=up=" + s(shape), b -> {
                float[] g = b.data().normal((int) Tensor.numel(shape), 0, 2);
                b.ops().swiglu(b.out(DType.F32, shape), b.in(DType.F32, g, shape), b.in(DType.F32, shape));
            }));
        }
        l.add(swiglu("out=gate=" + s(7, 65) + " (in place), up strided", b -> {
            Tensor g = b.inout(DType.F32, b.data().normal(7 * 65, 0, 2), 7, 65);
            b.ops().swiglu(g, g, b.in(DType.F32, 65, 7).transpose(0, 1));
        }));
        return l;
    }

    private static OpCase swiglu(String params, java.util.function.Consumer<dev.mm1j.tests.kit.Bench> body) {
        return new OpCase("swiglu", List.of(Op.SILU, Op.MUL), DType.F32, params, Budget.OP, body);
    }
}
