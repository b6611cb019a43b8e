package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Bench;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** copy: every source dtype into F32/F16/BF16 (and I32 to I32), contiguous, transposed, permuted, into strided outputs. */
public final class CopyCases {
    private CopyCases() {}

    private static final List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16);

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType src : FLOATS) {
            for (DType dst : FLOATS) {
                l.add(OpCase.of(Op.COPY, src, "[101] -> " + dst + " (rounding cases)", Budget.EXACT, b -> {
                    b.ops().copy(b.out(dst, 101), b.in(src, roundingValues(b), 101));
                }));
                l.add(OpCase.of(Op.COPY, src, s(65, 7) + "ᵀ -> " + dst + s(7, 80) + "[:, :65] (transposed into row-strided)", Budget.EXACT, b -> {
                    Tensor x = b.in(src, 65, 7).transpose(0, 1);
                    b.ops().copy(b.outView(dst, new long[] {7, 80}, t -> t.slice(1, 0, 65)), x);
                }));
                l.add(OpCase.of(Op.COPY, src, s(97, 101) + "ᵀ -> " + dst + " (long, transposed)", Budget.EXACT, b -> {
                    b.ops().copy(b.out(dst, 101, 97), b.in(src, 97, 101).transpose(0, 1));
                }));
                l.add(OpCase.of(Op.COPY, src, s(3, 5, 31) + " permuted (2,0,1) -> " + dst + s(31, 3, 5), Budget.EXACT, b -> {
                    Tensor x = b.in(src, 3, 5, 31).permute(2, 0, 1);
                    b.ops().copy(b.out(dst, 31, 3, 5), x);
                }));
            }
            // a KV-cache write: new rows [T, KV, D] into rows 9..16 of a [32, KV, D] cache, and into a head-major [KV, 32, D] cache
            for (DType cache : FLOATS) {
                l.add(OpCase.of(Op.COPY, src, s(7, 3, 33) + " -> " + cache + " cache rows 9..16 of " + s(32, 3, 33), Budget.EXACT, b -> {
                    Tensor x = b.in(src, 7, 3, 33);
                    b.ops().copy(b.outView(cache, new long[] {32, 3, 33}, t -> t.slice(0, 9, 16)), x);
                }));
                l.add(OpCase.of(Op.COPY, src, s(7, 3, 33) + " -> " + cache + " head-major cache " + s(3, 32, 33) + "[:, 9:16]ᵀ", Budget.EXACT, b -> {
                    Tensor x = b.in(src, 7, 3, 33);
                    b.ops().copy(b.outView(cache, new long[] {3, 32, 33}, t -> t.slice(1, 9, 16).transpose(0, 1)), x);
                }));
            }
        }
        for (DType dst : FLOATS) {
            l.add(OpCase.of(Op.COPY, DType.F32, "[12] -> " + dst + " (overflow, subnormals, non-finite)", Budget.EXACT, b -> {
                float[] v = {65504f, 65519.99f, 65520f, -70000f, 3.4e38f, Float.MAX_VALUE, 6e-8f, 2.9802322e-8f, 1e-40f, -0f,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                b.ops().copy(b.out(dst, 12), b.in(DType.F32, v, 12));
            }));
        }
        for (DType q : List.of(DType.Q8_0, DType.Q4_0)) {
            for (DType dst : FLOATS) {
                l.add(OpCase.of(Op.COPY, q, s(3, 96) + " -> " + dst, Budget.EXACT, b -> b.ops().copy(b.out(dst, 3, 96), b.in(q, 3, 96))));
                l.add(OpCase.of(Op.COPY, q, s(9, 64) + "[2:7] -> " + dst + " (row slice)", Budget.EXACT, b -> {
                    b.ops().copy(b.out(dst, 5, 64), b.in(q, 9, 64).slice(0, 2, 7));
                }));
                l.add(OpCase.of(Op.COPY, q, s(2, 3, 32) + " permuted (1,0,2) -> " + dst, Budget.EXACT, b -> {
                    b.ops().copy(b.out(dst, 3, 2, 32), b.in(q, 2, 3, 32).permute(1, 0, 2));
                }));
            }
        }
        l.add(OpCase.of(Op.COPY, DType.I32, "[101] -> I32 (large ints)", Budget.EXACT, b -> {
            int[] v = new int[101];
            for (int i = 0; i < v.length; i++) v[i] = (i - 50) * 16777259 + i; // beyond 2^24: not exact through float
            b.ops().copy(b.out(DType.I32, 101), b.ints(v, 101));
        }));
        l.add(OpCase.of(Op.COPY, DType.I32, s(31, 7) + "ᵀ -> I32", Budget.EXACT, b -> {
            b.ops().copy(b.out(DType.I32, 7, 31), b.ints(b.data().ints(217, 1 << 30), 31, 7).transpose(0, 1));
        }));
        l.add(OpCase.of(Op.COPY, DType.I32, "[65] -> F32", Budget.EXACT, b -> {
            b.ops().copy(b.out(DType.F32, 65), b.ints(b.data().ints(65, 1 << 20), 65));
        }));
        return l;
    }

    /**
     * Normal values at several scales plus values that sit exactly halfway between two F16 or BF16
     * neighbours (round to nearest even), subnormal F16 values and large ones.
     */
    static float[] roundingValues(Bench b) {
        float[] v = new float[101];
        float[] n = b.data().normal(101);
        for (int i = 0; i < v.length; i++) v[i] = n[i] * (i % 3 == 0 ? 1e-5f : i % 3 == 1 ? 1f : 1000f);
        float[] special = {
            1f + 0x1p-11f, 1f + 3 * 0x1p-11f, -(1f + 0x1p-11f), // F16 halfway: to even
            1f + 0x1p-8f, 1f + 3 * 0x1p-8f, -(1f + 3 * 0x1p-8f), // BF16 halfway: to even
            2048f + 1f, 2048f + 3f, 0x1p-24f, 0x1p-25f, 3 * 0x1p-25f, 0x1p-14f - 0x1p-25f, // F16 integers and subnormals
            61440f, 0f, -0f, 1e-30f, -3e4f
        };
        System.arraycopy(special, 0, v, 0, special.length);
        return v;
    }
}
