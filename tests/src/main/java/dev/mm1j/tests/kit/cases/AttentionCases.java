package dev.mm1j.tests.kit.cases;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Bench;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.Data;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/**
 * attention for K/V in F32, F16 and BF16: full and causal, multi-head, GQA and MQA, decode (Tq = 1) against a
 * long cache, prefill chunks with an offset, a batch dim, head-major (strided) caches, q/k/v sliced from a
 * fused projection, Dv ≠ D, and logits of ±1e4 (must stay finite).
 */
public final class AttentionCases {
    private AttentionCases() {}

    /** Shapes of one case: queries, keys, heads, kv heads, head dim, value head dim, causal, query offset, batch. */
    private record Shape(long tq, long tk, long h, long kv, long d, long dv, boolean causal, long offset, long batch) {
        String describe() {
            return (batch > 0 ? "B=" + batch + " " : "") + "Tq=" + tq + " Tk=" + tk + " H=" + h + " KV=" + kv + " D=" + d
                + (dv != d ? " Dv=" + dv : "") + (causal ? " causal offset " + offset : " full");
        }

        long[] q() {
            return batch > 0 ? new long[] {batch, tq, h, d} : new long[] {tq, h, d};
        }

        long[] k(long dim) {
            return batch > 0 ? new long[] {batch, tk, kv, dim} : new long[] {tk, kv, dim};
        }

        long[] out() {
            return batch > 0 ? new long[] {batch, tq, h, dv} : new long[] {tq, h, dv};
        }
    }

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType kv : List.of(DType.F32, DType.F16, DType.BF16)) {
            Budget budget = Budget.attention(kv);
            List<Shape> shapes = List.of(
                new Shape(7, 7, 4, 4, 32, 32, false, 0, 0),      // full multi-head (ViT)
                new Shape(1, 1, 1, 1, 1, 1, true, 0, 0),         // the smallest
                new Shape(31, 31, 4, 1, 16, 16, true, 0, 0),     // MQA, causal prefill
                new Shape(9, 9, 6, 2, 33, 33, true, 0, 0),       // GQA, odd head dim
                new Shape(1, 101, 4, 2, 64, 64, true, 100, 0),   // decode against a cache
                new Shape(1, 1031, 4, 1, 64, 64, true, 1030, 0), // decode against a long cache
                new Shape(7, 300, 2, 1, 32, 32, true, 293, 0),   // prefill chunk at the end of a long cache
                new Shape(7, 31, 4, 2, 16, 16, true, 24, 0),     // prefill chunk with an offset
                new Shape(7, 7, 4, 2, 16, 16, true, 0, 2),       // batch dim
                new Shape(5, 5, 2, 2, 16, 24, false, 0, 0),      // value head dim differs
                new Shape(50, 50, 2, 2, 24, 24, false, 0, 2),    // ViT-sized block (backends may switch to GEMMs)
                new Shape(40, 45, 4, 2, 16, 16, true, 5, 0));    // long causal prefill chunk with an offset
            for (Shape sh : shapes) l.add(contiguous(kv, budget, sh, 1f));
            l.add(contiguous(kv, budget, new Shape(7, 7, 2, 2, 16, 16, false, 0, 0), 100f).withParams("logits ±1e4"));
            l.add(contiguous(kv, budget, new Shape(13, 13, 2, 1, 16, 16, true, 0, 0), 100f).withParams("logits ±1e4"));
            Shape dec = new Shape(1, 65, 4, 2, 32, 32, true, 64, 0);
            l.add(OpCase.of(Op.ATTENTION, kv, dec.describe() + " head-major cache [KV, 80, D][:, :65]ᵀ (strided K/V)", budget, b -> {
                Tensor q = b.in(DType.F32, dec.q());
                Tensor k = b.in(kv, 2, 80, 32).slice(1, 0, 65).transpose(0, 1);
                Tensor v = b.in(kv, 2, 80, 32).slice(1, 0, 65).transpose(0, 1);
                b.ops().attention(b.out(DType.F32, dec.out()), q, k, v, 1 / (float) Math.sqrt(32), true, 64);
            }));
        }
        Shape fused = new Shape(9, 9, 4, 2, 16, 16, true, 0, 0);
        l.add(OpCase.of(Op.ATTENTION, DType.F32, fused.describe() + " q, k, v sliced from a fused [T, 8, D] projection", Budget.attention(DType.F32), b -> {
            Tensor qkv = b.in(DType.F32, 9, 8, 16);
            Tensor q = qkv.slice(1, 0, 4), k = qkv.slice(1, 4, 6), v = qkv.slice(1, 6, 8);
            b.ops().attention(b.out(DType.F32, fused.out()), q, k, v, 0.25f, true, 0);
        }));
        return l;
    }

    private static OpCase contiguous(DType kv, Budget budget, Shape sh, float magnitude) {
        return OpCase.of(Op.ATTENTION, kv, sh.describe(), budget, (Bench b) -> {
            Tensor q = b.in(DType.F32, Data.scaled(b.data().normal((int) Tensor.numel(sh.q())), magnitude), sh.q());
            Tensor k = b.in(kv, Data.scaled(b.data().normal((int) Tensor.numel(sh.k(sh.d()))), magnitude), sh.k(sh.d()));
            Tensor v = b.in(kv, sh.k(sh.dv()));
            b.ops().attention(b.out(DType.F32, sh.out()), q, k, v, 1 / (float) Math.sqrt(sh.d()), sh.causal(), sh.offset());
        });
    }
}
