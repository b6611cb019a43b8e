package dev.mm1j.cpu;

import static dev.mm1j.cpu.Fixtures.REF;
import static dev.mm1j.cpu.Fixtures.as;
import static dev.mm1j.cpu.Fixtures.assertNmse;
import static dev.mm1j.cpu.Fixtures.gaussian;
import static dev.mm1j.cpu.Fixtures.randn;
import static dev.mm1j.cpu.Fixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.quant.ErrorBudget;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * matmul with Q8_0 / Q4_0 weights repacked into panels by the CPU backend's {@code prepareWeight}: GEMV (quantized and
 * exact activations), batched GEMV and GEMM against the reference on the original weights, at every width, with
 * rows that are not a whole number of panels, odd K block counts and every M route.
 */
class PackedMatmulTest {
    private static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();

    static Backend backend(int bits, boolean exact) {
        return BACKENDS.computeIfAbsent(bits + "/" + exact,
            key -> CpuBackend.create(new BackendOptions(2, Map.of("vector.bits", Integer.toString(bits), "matmul.exact", Boolean.toString(exact)))));
    }

    /** The row-major kernels (no panels): the same activation quantization, another summation order. */
    static Backend rowMajor(int bits) {
        return BACKENDS.computeIfAbsent(bits + "/rows",
            key -> CpuBackend.create(new BackendOptions(2, Map.of("vector.bits", Integer.toString(bits), "matmul.panels", "false"))));
    }

    /**
     * N around the panel heights (16 .. 64 rows), K of 1, 3 and 9 blocks (the conformance kit adds K = 800, past the
     * GEMM's K block), M on every route: one row, a four-row pass padded, four rows and one more, the GEMM.
     */
    static final int[] NS = {1, 7, 33, 65, 129};
    static final int[] KS = {32, 96, 288};
    static final int[] MS = {1, 2, 3, 5, 8, 9};

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void everyShapeAndRoute(int bits) {
        for (DType dt : new DType[] {DType.Q8_0, DType.Q4_0}) {
            for (int n : NS) {
                for (int k : KS) {
                    Tensor w = as(dt, gaussian(31L * n + k, n * k), n, k);
                    Tensor quantized = backend(bits, false).prepareWeight(w), exact = backend(bits, true).prepareWeight(w);
                    assertInstanceOf(PackedWeight.class, quantized.storage());
                    for (int m : MS) {
                        Tensor x = randn(7L * m + n + k, m, k);
                        Tensor expected = zeros(m, n), rows = zeros(m, n), a = zeros(m, n), b = zeros(m, n);
                        REF.matmul(expected, x, w);
                        rowMajor(bits).matmul(rows, x, w);
                        backend(bits, false).matmul(a, x, quantized);
                        backend(bits, true).matmul(b, x, exact);
                        String what = bits + "-bit " + dt + " M=" + m + " N=" + n + " K=" + k;
                        // GEMV rows quantize the activations as the row-major kernels do (so the results agree up to
                        // float rounding); the GEMM (M > 8) and the exact path decode to F32 like the reference. The
                        // activation rounding's budget is an average: it is checked where there are 16 outputs or more
                        // of more than one block (a single short dot product may cancel down to its rounding error)
                        assertNmse(what + " vs the row-major kernels", a, rows, m <= 8 ? ErrorBudget.F32_NMSE : ErrorBudget.Q8_ACTIVATION_NMSE);
                        if (m > 8) assertNmse(what, a, expected, ErrorBudget.F32_NMSE);
                        else if (k > 32 && m * n >= 16) assertNmse(what, a, expected, ErrorBudget.Q8_ACTIVATION_NMSE);
                        assertNmse(what + " exact", b, expected, ErrorBudget.F32_NMSE);
                    }
                }
            }
        }
    }

    /** Leading batch dims (merged into rows, and looped when they do not merge) on a packed weight. */
    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void batchDims(int bits) {
        Tensor w = as(DType.Q4_0, gaussian(3, 70 * 64), 70, 64);
        Tensor p = backend(bits, true).prepareWeight(w);
        for (int m : new int[] {1, 3, 10}) {
            Tensor x = randn(m, 2, 3, m, 64), e = zeros(2, 3, m, 70), a = zeros(2, 3, m, 70);
            REF.matmul(e, x, w);
            backend(bits, true).matmul(a, x, p);
            assertNmse("x [2,3,M,K] M=" + m, a, e, ErrorBudget.F32_NMSE);
            Tensor xt = randn(m + 1, 3, 2, m, 64).transpose(0, 1), e2 = zeros(2, 3, m, 70), a2 = zeros(2, 3, m, 70);
            REF.matmul(e2, xt, w);
            backend(bits, true).matmul(a2, xt, p);
            assertNmse("strided batch dims M=" + m, a2, e2, ErrorBudget.F32_NMSE);
        }
    }

    /** The added error of the quantized activations, against the exact path, stays near Q8_0's round trip. */
    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void activationQuantizationError(int bits) {
        int n = 256, k = 2048;
        for (DType dt : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor w = as(dt, gaussian(5, n * k), n, k), x = randn(6, 1, k);
            Tensor e = zeros(1, n), a = zeros(1, n);
            REF.matmul(e, x, w);
            backend(bits, false).matmul(a, x, backend(bits, false).prepareWeight(w));
            double nmse = ErrorBudget.nmse(a.toFloatArray(), e.toFloatArray());
            assertTrue(nmse > 1e-7 && nmse < 5e-5, bits + "-bit " + dt + ": activation quantization error " + nmse);
        }
    }

    /** Other weights stay as they are; a packed weight is refused by other ops and as a view, with errors that say so. */
    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void onlyMatmulReadsPackedWeights(int bits) {
        Backend cpu = backend(bits, false);
        Tensor f = randn(1, 8, 64);
        assertSame(f, cpu.prepareWeight(f));
        Tensor q = as(DType.Q8_0, gaussian(2, 3 * 8 * 64), 3, 8, 64);
        assertSame(q, cpu.prepareWeight(q), "3-D weights stay as stored");
        Tensor p = cpu.prepareWeight(as(DType.Q8_0, gaussian(2, 40 * 64), 40, 64));
        assertFalse(p.isHost());
        Ops ops = new Ops(cpu);
        Tensor out = zeros(40, 64);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> ops.copy(out, p));
        assertTrue(e.getMessage().contains("only readable by the CPU backend's matmul"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> ops.matmul(zeros(1, 10), randn(3, 1, 64), p.slice(0, 0, 10)));
        assertTrue(v.getMessage().contains("view of a packed weight"), v.getMessage());
        // block scales that are Inf or NaN: packed too, and the row's result is not finite, as in the reference (where a zero
        // weight times an Inf scale makes NaN, the block sum times the scale here may give Inf, as the row-major kernels do)
        for (short special : new short[] {(short) 0x7c00, (short) 0xfc00, (short) 0x7e00}) {
            Tensor w = as(DType.Q4_0, gaussian(4, 40 * 64), 40, 64);
            w.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 18L * 5, special);
            Tensor x = randn(9, 1, 64), want = zeros(1, 40), got = zeros(1, 40);
            REF.matmul(want, x, w);
            cpu.matmul(got, x, cpu.prepareWeight(w));
            float wv = want.toFloatArray()[2], gv = got.toFloatArray()[2]; // block 5 is row 2's second block
            assertTrue(!Float.isFinite(wv) && !Float.isFinite(gv), "scale 0x" + Integer.toHexString(special & 0xffff) + ": " + gv + " vs " + wv);
        }
        try (Backend off = CpuBackend.create(new BackendOptions(1, Map.of("matmul.panels", "false")))) {
            Tensor w = as(DType.Q4_0, gaussian(2, 40 * 64), 40, 64);
            assertSame(w, off.prepareWeight(w));
        }
    }
}
