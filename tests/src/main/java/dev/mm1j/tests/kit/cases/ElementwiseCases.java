package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** add, mul (numpy broadcasting of b) and scale: one rounding per element, so bit-exact. */
public final class ElementwiseCases {
    private ElementwiseCases() {}

    private interface Binary {
        void run(dev.mm1j.core.backend.Ops ops, Tensor out, Tensor a, Tensor b);
    }

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        binary(l, Op.ADD, (o, out, a, b) -> o.add(out, a, b));
        binary(l, Op.MUL, (o, out, a, b) -> o.mul(out, a, b));
        scale(l);
        return l;
    }

    private static void binary(List<OpCase> l, Op op, Binary f) {
        long[][][] shapes = { // {a, b}
            {{7, 65}, {7, 65}}, {{7, 65}, {65}}, {{3, 7, 31}, {7, 1}}, {{3, 7, 31}, {1, 31}}, {{101}, {1}}, {{1}, {1}},
            {{2, 3, 5, 17}, {3, 1, 17}}, {{9001}, {9001}}, {{3, 3001}, {3001}}, // long enough to be split in chunks
        };
        for (long[][] sh : shapes) {
            long[] a = sh[0], bs = sh[1];
            l.add(OpCase.of(op, DType.F32, "a=" + s(a) + " b=" + s(bs), Budget.EXACT, b -> {
                f.run(b.ops(), b.out(DType.F32, a), b.in(DType.F32, a), b.in(DType.F32, bs));
            }));
        }
        l.add(OpCase.of(op, DType.F32, "a=" + s(31, 7) + "ᵀ b=[2,31][0] (strided a and b)", Budget.EXACT, b -> {
            Tensor a = b.in(DType.F32, 31, 7).transpose(0, 1), bb = b.in(DType.F32, 2, 31).select(0, 0);
            f.run(b.ops(), b.out(DType.F32, 7, 31), a, bb);
        }));
        l.add(OpCase.of(op, DType.F32, "a=" + s(65, 2) + "[:, 1] b=[65, 3][:, 2] (strided 1-D)", Budget.EXACT, b -> {
            Tensor a = b.in(DType.F32, 65, 2).select(1, 1), bb = b.in(DType.F32, 65, 3).select(1, 2);
            f.run(b.ops(), b.out(DType.F32, 65), a, bb);
        }));
        l.add(OpCase.of(op, DType.F32, "out=a=" + s(7, 65) + " b=[65] (in place)", Budget.EXACT, b -> {
            Tensor a = b.inout(DType.F32, b.data().normal(7 * 65), 7, 65);
            f.run(b.ops(), a, a, b.in(DType.F32, 65));
        }));
    }

    private static void scale(List<OpCase> l) {
        for (long[] shape : new long[][] {{1}, {101}, {7, 65}, {2, 3, 33}, {9001}}) {
            l.add(OpCase.of(Op.SCALE, DType.F32, "x=" + s(shape) + " s=-0.37", Budget.EXACT, b -> {
                b.ops().scale(b.out(DType.F32, shape), b.in(DType.F32, shape), -0.37f);
            }));
        }
        l.add(OpCase.of(Op.SCALE, DType.F32, "x=" + s(65, 7) + "ᵀ s=3 (strided)", Budget.EXACT, b -> {
            b.ops().scale(b.out(DType.F32, 7, 65), b.in(DType.F32, 65, 7).transpose(0, 1), 3f);
        }));
        l.add(OpCase.of(Op.SCALE, DType.F32, "out=x=" + s(31, 33) + " s=0.125 (in place)", Budget.EXACT, b -> {
            Tensor x = b.inout(DType.F32, b.data().normal(31 * 33), 31, 33);
            b.ops().scale(x, x, 0.125f);
        }));
    }
}
