package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** getRows for every table dtype, setRows into F32/F16/BF16, topK with ties, indexAdd with repeated ids, and the fused linear (matmul + bias). */
public final class IndexingCases {
    private IndexingCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType t : ProductCases.WEIGHTS) {
            long d = t.isQuantized() ? 64 : 65;
            l.add(OpCase.of(Op.GET_ROWS, t, "table=" + s(101, d) + " ids=[7] (repeats, first and last row)", Budget.EXACT, b -> {
                b.ops().getRows(b.out(DType.F32, 7, d), b.in(t, 101, d), b.ints(new int[] {100, 0, 5, 5, 99, 0, 42}, 7));
            }));
            l.add(OpCase.of(Op.GET_ROWS, t, "table=" + s(101, d) + " ids=[1]", Budget.EXACT, b -> {
                b.ops().getRows(b.out(DType.F32, 1, d), b.in(t, 101, d), b.ints(new int[] {37}, 1));
            }));
            l.add(OpCase.of(Op.GET_ROWS, t, "table=" + s(40, d) + "[3:34] (row slice) ids=[31]", Budget.EXACT, b -> {
                Tensor table = b.in(t, 40, d).slice(0, 3, 34);
                b.ops().getRows(b.out(DType.F32, 31, d), table, b.ints(b.data().ints(31, 31), 31));
            }));
        }
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            l.add(OpCase.of(Op.SET_ROWS, t, "out=" + s(40, 65) + " src=" + s(7, 65) + " ids distinct, first and last row", Budget.EXACT, b -> {
                Tensor out = b.inout(t, b.data().normal(40 * 65), 40, 65);
                b.ops().setRows(out, b.in(DType.F32, 7, 65), b.ints(new int[] {39, 0, 5, 6, 21, 38, 1}, 7));
            }));
            l.add(OpCase.of(Op.SET_ROWS, t, "out=" + s(1, 33) + " src=" + s(1, 33), Budget.EXACT, b -> {
                Tensor out = b.inout(t, b.data().normal(33), 1, 33);
                b.ops().setRows(out, b.in(DType.F32, 1, 33), b.ints(new int[] {0}, 1));
            }));
            l.add(OpCase.of(Op.SET_ROWS, t, "out=" + s(16, 80) + "[:, :64] (row-strided cache) src=" + s(3, 64) + "ᵀ-strided", Budget.EXACT, b -> {
                Tensor out = b.inoutView(t, b.data().normal(16 * 64), new long[] {16, 80}, v -> v.slice(1, 0, 64));
                Tensor src = b.in(DType.F32, 64, 3).transpose(0, 1);
                b.ops().setRows(out, src, b.ints(new int[] {9, 10, 11}, 3));
            }));
        }
        int[][] topk = {{7, 65, 1}, {7, 65, 5}, {3, 101, 101}, {1, 7, 7}, {31, 33, 8}};
        for (int[] p : topk) {
            int r = p[0], c = p[1], k = p[2];
            l.add(OpCase.of(Op.TOP_K, DType.F32, "x=" + s(r, c) + " k=" + k + " (ties)", Budget.EXACT, b -> {
                Tensor x = b.in(DType.F32, b.data().ties(r * c, 9), r, c);
                b.ops().topK(b.out(DType.F32, r, k), b.out(DType.I32, r, k), x, k);
            }));
        }
        l.add(OpCase.of(Op.TOP_K, DType.F32, "x=" + s(65, 7) + "ᵀ (strided) k=3", Budget.EXACT, b -> {
            Tensor x = b.in(DType.F32, 65, 7).transpose(0, 1);
            b.ops().topK(b.out(DType.F32, 7, 3), b.out(DType.I32, 7, 3), x, 3);
        }));
        l.add(OpCase.of(Op.TOP_K, DType.F32, "x=" + s(4, 64) + " k=2 (router logits, distinct)", Budget.EXACT, b -> {
            b.ops().topK(b.out(DType.F32, 4, 2), b.out(DType.I32, 4, 2), b.in(DType.F32, 4, 64), 2);
        }));
        int[][] adds = {{7, 65, 31}, {1, 101, 7}, {9, 33, 1}, {4, 17, 40}};
        for (int[] p : adds) {
            int rows = p[0], d = p[1], t = p[2];
            for (boolean weighted : new boolean[] {true, false}) {
                l.add(OpCase.of(Op.INDEX_ADD, DType.F32, "out=" + s(rows, d) + " src=" + s(t, d) + " repeated ids" + (weighted ? " weighted" : ""), Budget.F32, b -> {
                    Tensor out = b.inout(DType.F32, b.data().normal(rows * d), rows, d);
                    Tensor src = b.in(DType.F32, t, d), ids = b.ints(b.data().ints(t, rows), t);
                    b.ops().indexAdd(out, src, ids, weighted ? b.in(DType.F32, b.data().uniform(t, 0, 1), t) : null);
                }));
            }
        }
        for (DType w : ProductCases.WEIGHTS) {
            long k = w.isQuantized() ? 64 : 65;
            l.add(new OpCase("linear", List.of(Op.MATMUL, Op.ADD), w, "x=" + s(7, k) + " w=" + s(31, k) + " bias=[31]", Budget.matmul(w), b -> {
                b.ops().linear(b.out(DType.F32, 7, 31), b.in(DType.F32, 7, k), b.in(w, 31, k), b.in(DType.F32, 31));
            }));
            l.add(new OpCase("linear", List.of(Op.MATMUL, Op.ADD), w, "x=" + s(1, k) + " w=" + s(9, k) + " no bias", Budget.matmul(w), b -> {
                b.ops().linear(b.out(DType.F32, 1, 9), b.in(DType.F32, 1, k), b.in(w, 9, k), null);
            }));
        }
        return l;
    }
}
