package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.tests.kit.Bench;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/**
 * The elementwise family's cases (see {@link dev.mm1j.core.backend.Op.Family}):
 * <ul>
 *   <li>copy: every source dtype into F32/F16/BF16 (and I32 to I32), contiguous, transposed, permuted, into strided outputs.</li>
 *   <li>fill: every writable dtype, contiguous, row-strided and transposed outputs (gaps must stay untouched).</li>
 *   <li>add, mul (numpy broadcasting of b) and scale: one rounding per element, so bit-exact.</li>
 *   <li>The activations (silu, gelu, quick_gelu, sigmoid) and the fused swiglu: odd sizes, saturating inputs, strided and in place.</li>
 * </ul>
 */
public final class ElementwiseCases {
    private ElementwiseCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        l.addAll(copy());
        l.addAll(fill());
        l.addAll(binaryAndScale());
        l.addAll(unary());
        return l;
    }

    // ------------------------------------------------------------------ copy
    private static final List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16);

    private static List<OpCase> copy() {
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

    // ------------------------------------------------------------------ fill
    private static List<OpCase> fill() {
        List<OpCase> l = new ArrayList<>();
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16, DType.I32)) {
            float value = t == DType.I32 ? -3f : 0.3f; // 0.3 is rounded by F16 and BF16
            l.add(OpCase.of(Op.FILL, t, "[1] = " + value, Budget.EXACT, b -> b.ops().fill(b.out(t, 1), value)));
            l.add(OpCase.of(Op.FILL, t, "[101] = " + value, Budget.EXACT, b -> b.ops().fill(b.out(t, 101), value)));
            l.add(OpCase.of(Op.FILL, t, s(7, 40) + "[:, 3:36] = " + value + " (row-strided)", Budget.EXACT, b -> {
                b.ops().fill(b.outView(t, new long[] {7, 40}, x -> x.slice(1, 3, 36)), value);
            }));
            l.add(OpCase.of(Op.FILL, t, s(13, 31) + "ᵀ[:, 1:12] = " + value + " (transposed, sliced)", Budget.EXACT, b -> {
                b.ops().fill(b.outView(t, new long[] {13, 31}, x -> x.transpose(0, 1).slice(1, 1, 12)), value);
            }));
        }
        return l;
    }

    // ------------------------------------------------------------------ binaryAndScale
    private interface Binary {
        void run(dev.mm1j.core.backend.Ops ops, Tensor out, Tensor a, Tensor b);
    }

    private static List<OpCase> binaryAndScale() {
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

    // ------------------------------------------------------------------ unary
    private static List<OpCase> unary() {
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
