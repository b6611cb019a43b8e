package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** layerNorm (with and without weight and bias), rmsNorm and mean: row reductions over odd lengths, offsets, strided rows. */
public final class NormCases {
    private NormCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        long[][] shapes = {{1, 1}, {7, 65}, {1, 101}, {3, 5, 31}, {2, 4099}};
        for (long[] shape : shapes) {
            long n = shape[shape.length - 1];
            l.add(layerNorm("x=" + s(shape) + " weight bias", shape, 0, 1e-5f, true, true));
            l.add(rms("x=" + s(shape), shape, 1, 1e-6f));
            l.add(OpCase.of(Op.MEAN, DType.F32, "x=" + s(shape), Budget.F32, b -> {
                long[] out = java.util.Arrays.copyOf(shape, shape.length - 1);
                b.ops().mean(b.out(DType.F32, out), b.in(DType.F32, b.data().normal((int) Tensor.numel(shape), 0.5, 1), shape));
            }));
            if (n > 1) l.add(layerNorm("x=" + s(shape) + " no weight, no bias", shape, 0, 1e-5f, false, false));
        }
        l.add(layerNorm("x=" + s(7, 65) + " weight only, eps 1e-6", new long[] {7, 65}, 0, 1e-6f, true, false));
        l.add(layerNorm("x=" + s(7, 65) + " bias only", new long[] {7, 65}, 0, 1e-5f, false, true));
        l.add(layerNorm("x=" + s(5, 101) + " ~ N(100, 1) (mean ≫ std) weight bias", new long[] {5, 101}, 100, 1e-5f, true, true));
        l.add(OpCase.of(Op.LAYER_NORM, DType.F32, "x=" + s(65, 7) + "ᵀ (strided) weight bias", Budget.OP, b -> {
            Tensor x = b.in(DType.F32, 65, 7).transpose(0, 1);
            b.ops().layerNorm(b.out(DType.F32, 7, 65), x, b.in(DType.F32, 65), b.in(DType.F32, 65), 1e-5f);
        }));
        l.add(OpCase.of(Op.LAYER_NORM, DType.F32, "x=" + s(3, 33) + " constant rows", Budget.OP, b -> {
            float[] x = new float[99];
            java.util.Arrays.fill(x, 2.5f);
            b.ops().layerNorm(b.out(DType.F32, 3, 33), b.in(DType.F32, x, 3, 33), b.in(DType.F32, 33), b.in(DType.F32, 33), 1e-5f);
        }));
        l.add(rms("x=" + s(3, 65) + " ~ N(0, 1000²)", new long[] {3, 65}, 1000, 1e-6f));
        l.add(OpCase.of(Op.RMS_NORM, DType.F32, "x=" + s(65, 7) + "ᵀ (strided)", Budget.OP, b -> {
            b.ops().rmsNorm(b.out(DType.F32, 7, 65), b.in(DType.F32, 65, 7).transpose(0, 1), b.in(DType.F32, 65), 1e-6f);
        }));
        l.add(OpCase.of(Op.MEAN, DType.F32, "x=" + s(65, 7) + "ᵀ (strided)", Budget.F32, b -> {
            b.ops().mean(b.out(DType.F32, 7), b.in(DType.F32, b.data().normal(455, 0.5, 1), 65, 7).transpose(0, 1));
        }));
        l.add(OpCase.of(Op.MEAN, DType.F32, "x=[101] -> []", Budget.F32, b -> {
            b.ops().mean(b.out(DType.F32), b.in(DType.F32, b.data().normal(101, 0.5, 1), 101));
        }));
        return l;
    }

    private static OpCase layerNorm(String params, long[] shape, double mean, float eps, boolean weight, boolean bias) {
        return OpCase.of(Op.LAYER_NORM, DType.F32, params, Budget.OP, b -> {
            long n = shape[shape.length - 1];
            Tensor x = b.in(DType.F32, b.data().normal((int) Tensor.numel(shape), mean, 1), shape);
            Tensor w = weight ? b.in(DType.F32, b.data().normal((int) n, 1, 0.2), n) : null;
            Tensor bb = bias ? b.in(DType.F32, n) : null;
            b.ops().layerNorm(b.out(DType.F32, shape), x, w, bb, eps);
        });
    }

    private static OpCase rms(String params, long[] shape, double std, float eps) {
        return OpCase.of(Op.RMS_NORM, DType.F32, params, Budget.OP, b -> {
            long n = shape[shape.length - 1];
            Tensor x = b.in(DType.F32, b.data().normal((int) Tensor.numel(shape), 0, std), shape);
            b.ops().rmsNorm(b.out(DType.F32, shape), x, b.in(DType.F32, b.data().normal((int) n, 1, 0.2), n), eps);
        });
    }
}
