package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** matmul: x · wᵀ for every weight dtype; gemv and gemm sizes, odd sizes, large blocked sizes, prepared (repacked) weights, leading batch dims, batched weights, strided x, offset w. */
public final class MatmulCases {
    private MatmulCases() {}

    public static final List<DType> WEIGHTS = List.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0);

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType w : WEIGHTS) {
            Budget budget = Budget.matmul(w);
            // (M, N, K): decode (M = 1), odd sizes around the vector lengths, prefill; quantized K is a block multiple
            int[][] mnk = w.isQuantized()
                ? new int[][] {{1, 1, 32}, {1, 65, 96}, {7, 31, 64}, {31, 7, 160}, {65, 3, 32}, {2, 101, 32}}
                : new int[][] {{1, 1, 1}, {1, 65, 31}, {7, 31, 101}, {31, 7, 65}, {65, 9, 17}, {2, 101, 32}};
            for (int[] d : mnk) {
                long m = d[0], n = d[1], k = d[2];
                l.add(OpCase.of(Op.MATMUL, w, "x=" + s(m, k) + " w=" + s(n, k), budget, b -> {
                    Tensor x = b.in(DType.F32, m, k), wt = b.in(w, n, k);
                    b.ops().matmul(b.out(DType.F32, m, n), x, wt);
                }));
            }
            // past the usual blocking of a GEMM (K over 768, N over 480) with M not a whole number of tiles (and above
            // the 8 rows a CPU GEMV takes); kept small because a vector backend's first calls run before the JIT has
            // compiled its kernels
            long kb = w.isQuantized() ? 800 : 785;
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(13, kb) + " w=" + s(481, kb) + " (K and N blocks, M tiles, with tails)", budget, b -> {
                Tensor x = b.in(DType.F32, 13, kb), wt = b.in(w, 481, kb);
                b.ops().matmul(b.out(DType.F32, 13, 481), x, wt);
            }));
            // weights prepared by the backend (Backend.prepareWeight: the CPU backend repacks Q8_0/Q4_0 into panels of
            // 16 to 64 rows): N not a whole number of panels, one to 25 K blocks, every M route (GEMV, batched GEMV, GEMM);
            // 31 outputs at least, so that the rounding of 8-bit activations averages out under the budget
            int[][] prepared = w.isQuantized()
                ? new int[][] {{1, 31, 64}, {1, 65, 96}, {3, 129, 64}, {8, 33, 160}, {13, 100, 800}, {2, 200, 32}}
                : new int[][] {{1, 65, 31}, {5, 33, 64}, {13, 100, 100}};
            for (int[] d : prepared) {
                long m = d[0], n = d[1], kk = d[2];
                l.add(OpCase.of(Op.MATMUL, w, "x=" + s(m, kk) + " w=" + s(n, kk) + " (prepared weight)", budget, b -> {
                    Tensor x = b.in(DType.F32, m, kk), wt = b.weight(w, n, kk);
                    b.ops().matmul(b.out(DType.F32, m, n), x, wt);
                }));
            }
            long k = w.isQuantized() ? 64 : 65;
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(2, 3, 5, k) + " w=" + s(7, k) + " (leading batch dims)", budget, b -> {
                Tensor x = b.in(DType.F32, 2, 3, 5, k), wt = b.in(w, 7, k);
                b.ops().matmul(b.out(DType.F32, 2, 3, 5, 7), x, wt);
            }));
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(3, 5, k) + " w=" + s(3, 9, k) + " (batched weights)", budget, b -> {
                Tensor x = b.in(DType.F32, 3, 5, k), wt = b.in(w, 3, 9, k);
                b.ops().matmul(b.out(DType.F32, 3, 5, 9), x, wt);
            }));
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(k, 7) + "ᵀ w=" + s(31, k) + " (transposed x)", budget, b -> {
                Tensor x = b.in(DType.F32, k, 7).transpose(0, 1), wt = b.in(w, 31, k);
                b.ops().matmul(b.out(DType.F32, 7, 31), x, wt);
            }));
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(5, k + 7) + "[:, :" + k + "] w=" + s(13, k) + "[2:11] (row-strided x, offset w)", budget, b -> {
                Tensor x = b.in(DType.F32, 5, k + 7).slice(1, 0, k), wt = b.in(w, 13, k).slice(0, 2, 11);
                b.ops().matmul(b.out(DType.F32, 5, 9), x, wt);
            }));
            l.add(OpCase.of(Op.MATMUL, w, "x=" + s(3, 2, 4, k) + " transposed to " + s(2, 3, 4, k) + " w=" + s(5, k) + " (strided batch dims)", budget, b -> {
                Tensor x = b.in(DType.F32, 3, 2, 4, k).transpose(0, 1), wt = b.in(w, 5, k);
                b.ops().matmul(b.out(DType.F32, 2, 3, 4, 5), x, wt);
            }));
        }
        return l;
    }
}
