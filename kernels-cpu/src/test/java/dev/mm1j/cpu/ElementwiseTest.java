package dev.mm1j.cpu;

import static dev.mm1j.cpu.Fixtures.REF;
import static dev.mm1j.cpu.Fixtures.as;
import static dev.mm1j.cpu.Fixtures.assertClose;
import static dev.mm1j.cpu.Fixtures.assertSame;
import static dev.mm1j.cpu.Fixtures.cpu;
import static dev.mm1j.cpu.Fixtures.gaussian;
import static dev.mm1j.cpu.Fixtures.randn;
import static dev.mm1j.cpu.Fixtures.zeros;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** copy, fill, add/mul broadcast, scale and the activations against the reference. */
class ElementwiseTest {
    static final DType[] SOURCES = {DType.F32, DType.F16, DType.BF16, DType.I32, DType.Q8_0, DType.Q4_0};
    static final DType[] TARGETS = {DType.F32, DType.F16, DType.BF16, DType.I32};

    static Tensor source(DType dt, long seed, long... shape) {
        float[] v = gaussian(seed, (int) Tensor.numel(shape));
        if (dt == DType.I32) for (int i = 0; i < v.length; i++) v[i] = Math.round(v[i] * 1000);
        return as(dt, v, shape);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void copyConvertsEveryDtypePair(int bits) {
        for (DType s : SOURCES) {
            for (DType d : TARGETS) {
                for (long[] shape : new long[][] {{1, 32}, {3, 96}, {5, 7, 64}, {2, 4128}}) {
                    Tensor x = source(s, shape[0] * 31 + shape[shape.length - 1], shape);
                    Tensor e = Tensor.allocateHost(d, shape), a = Tensor.allocateHost(d, shape);
                    REF.copy(e, x);
                    cpu(bits).copy(a, x);
                    assertSame(bits + "-bit copy " + s + " -> " + d + " " + java.util.Arrays.toString(shape), a, e);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void copyStridedViews(int bits) {
        for (DType s : new DType[] {DType.F32, DType.BF16, DType.F16, DType.I32}) {
            for (DType d : TARGETS) {
                Tensor x = source(s, 3, 6, 5, 37);
                // a permuted source into a contiguous target, and a contiguous source into a strided target
                Tensor xp = x.permute(2, 0, 1);
                Tensor e = Tensor.allocateHost(d, 37, 6, 5), a = Tensor.allocateHost(d, 37, 6, 5);
                REF.copy(e, xp);
                cpu(bits).copy(a, xp);
                assertSame("permuted copy " + s + " -> " + d, a, e);
                Tensor big = Tensor.allocateHost(d, 6, 9, 37), bigRef = Tensor.allocateHost(d, 6, 9, 37);
                REF.copy(bigRef.slice(1, 2, 7), x);
                cpu(bits).copy(big.slice(1, 2, 7), x);
                assertSame("copy into a slice " + s + " -> " + d, big, bigRef);
            }
        }
        Tensor q = source(DType.Q4_0, 4, 5, 96).slice(1, 32, 96).slice(0, 1, 4);
        Tensor e = zeros(3, 64), a = zeros(3, 64);
        REF.copy(e, q);
        cpu(bits).copy(a, q);
        assertSame("copy of a sliced Q4_0 view", a, e);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void fill(int bits) {
        for (DType d : TARGETS) {
            Tensor e = Tensor.allocateHost(d, 5, 37), a = Tensor.allocateHost(d, 5, 37);
            REF.fill(e.slice(0, 1, 4).transpose(0, 1), 2.7f);
            cpu(bits).fill(a.slice(0, 1, 4).transpose(0, 1), 2.7f);
            assertSame("strided fill " + d, a, e);
            REF.fill(e, -1.25f);
            cpu(bits).fill(a, -1.25f);
            assertSame("fill " + d, a, e);
        }
        Tensor z = randn(1, 3, 33);
        cpu(bits).fill(z, 0f);
        assertSame("zero fill", z, zeros(3, 33));
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void addMulBroadcast(int bits) {
        long[][] bShapes = {{3, 5, 37}, {37}, {5, 1}, {1}, {1, 5, 37}, {3, 1, 1}, {5, 37}};
        for (boolean mul : new boolean[] {false, true}) {
            for (long[] bs : bShapes) {
                Tensor a = randn(1, 3, 5, 37), b = randn(2, bs);
                Tensor e = zeros(3, 5, 37), o = zeros(3, 5, 37);
                if (mul) REF.mul(e, a, b);
                else REF.add(e, a, b);
                if (mul) cpu(bits).mul(o, a, b);
                else cpu(bits).add(o, a, b);
                assertSame((mul ? "mul" : "add") + " b=" + java.util.Arrays.toString(bs), o, e);
            }
        }
        // large (parallel) in place, and strided operands
        Tensor a = randn(3, 300, 257), b = randn(4, 257);
        Tensor e = zeros(300, 257);
        REF.add(e, a, b);
        cpu(bits).add(a, a, b);
        assertSame("large in-place add", a, e);
        Tensor at = randn(5, 37, 5).transpose(0, 1), bt = randn(6, 37, 1).transpose(0, 1);
        Tensor e2 = zeros(5, 37), o2 = zeros(5, 37);
        REF.mul(e2, at, bt);
        cpu(bits).mul(o2, at, bt);
        assertSame("strided mul", o2, e2);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void scale(int bits) {
        for (Tensor x : new Tensor[] {randn(1, 7, 101), randn(2, 101, 7).transpose(0, 1), randn(3, 400, 300)}) {
            Tensor e = zeros(x.shape()), a = zeros(x.shape());
            REF.scale(e, x, 0.37f);
            cpu(bits).scale(a, x, 0.37f);
            assertSame("scale " + x, a, e);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void activationsMatchUnaryOpApply(int bits) {
        int n = 4001;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = -20f + 40f * i / (n - 1);
        v[0] = Float.NaN;
        v[1] = 0f;
        v[2] = -0f;
        v[3] = 1e-30f;
        Tensor x = Tensor.of(v, n);
        for (UnaryOp op : UnaryOp.values()) {
            Tensor a = zeros(n), e = zeros(n);
            float[] exp = new float[n];
            for (int i = 0; i < n; i++) exp[i] = op.apply(v[i]);
            cpu(bits).unary(op, a, x);
            // GELU's reference is itself inexact below x ≈ −7 (1 − erf cancels); absolute 1e-12 there
            assertClose(bits + "-bit " + op, a, Tensor.of(exp, n), 1e-12, op == UnaryOp.GELU ? 6e-7 : 1e-6);
            REF.unary(op, e, x);
        }
        Tensor big = randn(9, 300, 301), a = zeros(300, 301), e = zeros(300, 301);
        REF.unary(UnaryOp.SILU, e, big);
        cpu(bits).unary(UnaryOp.SILU, a, big);
        assertClose("large silu", a, e, 1e-7, 1e-6);
        Tensor gate = randn(10, 3, 37), up = randn(11, 3, 37), sw = zeros(3, 37), swe = zeros(3, 37);
        REF.swiglu(swe, gate, up);
        cpu(bits).swiglu(sw, gate, up);
        assertClose("swiglu", sw, swe, 1e-7, 1e-6);
    }
}
