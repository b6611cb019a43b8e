package dev.mm1j.cpu;

import static dev.mm1j.cpu.Fixtures.REF;
import static dev.mm1j.cpu.Fixtures.as;
import static dev.mm1j.cpu.Fixtures.assertNmse;
import static dev.mm1j.cpu.Fixtures.cpu;
import static dev.mm1j.cpu.Fixtures.gaussian;
import static dev.mm1j.cpu.Fixtures.randn;
import static dev.mm1j.cpu.Fixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.quant.ErrorBudget;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** matmul (GEMV and GEMM paths, every weight dtype, odd sizes, batches, strided views) against the reference. */
class MatmulTest {
    static final DType[] WEIGHTS = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0};
    /** {M, K, N}: GEMV (M ≤ 4) and GEMM sizes around the micro-tile, the K block and the N block. */
    static final int[][] SIZES = {{1, 32, 1}, {1, 64, 7}, {2, 96, 31}, {3, 160, 65}, {4, 288, 101}, {5, 32, 33}, {7, 64, 65},
        {13, 320, 101}, {29, 544, 70}, {1, 1024, 37}, {40, 96, 520}, {17, 1600, 45}};
    /** K that are not multiples of the vector length (float weights only). */
    static final int[][] ODD_K = {{1, 1, 1}, {1, 7, 5}, {3, 31, 9}, {1, 101, 17}, {9, 65, 33}, {31, 101, 7}, {14, 1601, 19}, {1, 2049, 6}};

    static double budget(DType w) {
        return w.isQuantized() ? ErrorBudget.Q8_ACTIVATION_NMSE : 1e-10;
    }

    static void check(int bits, DType dt, int m, int k, int n, long seed) {
        Tensor x = randn(seed, m, k);
        Tensor w = as(dt, gaussian(seed + 1, n * k), n, k);
        Tensor expected = zeros(m, n), actual = zeros(m, n);
        REF.matmul(expected, x, w);
        cpu(bits).matmul(actual, x, w);
        assertNmse(bits + "-bit matmul " + dt + " M=" + m + " K=" + k + " N=" + n, actual, expected, budget(dt));
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void everyDtypeAndSize(int bits) {
        for (DType dt : WEIGHTS) {
            for (int[] s : SIZES) check(bits, dt, s[0], s[1], s[2], 17L * s[0] + s[1] + s[2]);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void oddInnerDims(int bits) {
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (int[] s : ODD_K) check(bits, dt, s[0], s[1], s[2], 5L * s[1] + s[2]);
        }
    }

    /** More threads than the 64 that per-worker scratch arrays once assumed (a many-core server's --threads). */
    @Test
    void manyThreads() {
        try (Backend many = CpuBackend.create(new BackendOptions(70, Map.of()))) {
            for (DType dt : WEIGHTS) {
                for (int m : new int[] {1, 3, 20}) {
                    int k = 256, n = 1280; // 80 GEMV chunks of 16 rows: every thread gets work
                    Tensor x = randn(m + k, m, k), w = as(dt, gaussian(n + k, n * k), n, k);
                    Tensor expected = zeros(m, n), actual = zeros(m, n);
                    cpu(FloatVector.SPECIES_PREFERRED.vectorBitSize()).matmul(expected, x, w);
                    many.matmul(actual, x, w);
                    assertNmse("70 threads " + dt + " M=" + m, actual, expected, 1e-12);
                }
            }
        }
    }

    /** Every F16 bit pattern as a GEMV weight (zeros, subnormals, the largest values, ±Inf, NaN) decodes exactly. */
    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void everyHalfValueAsGemvWeight(int bits) {
        int n = 64, k = 1024; // all 65 536 half bit patterns, 64 rows of 1024
        Tensor w = Tensor.allocateHost(DType.F16, n, k);
        for (int h = 0; h < n * k; h++) w.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * h, (short) h);
        // one-hot activations pick single weights, so every output is exactly one converted half
        for (int col : new int[] {0, 1, 511, 1023}) {
            float[] xs = new float[k];
            xs[col] = 1f;
            Tensor x = Tensor.of(xs, 1, k), actual = zeros(1, n), reference = zeros(1, n);
            cpu(bits).matmul(actual, x, w);
            REF.matmul(reference, x, w);
            for (int r = 0; r < n; r++) {
                // rows 31 and 63 hold Inf/NaN halves, which times the zero activations make the whole dot NaN
                float expected = r % 32 == 31 ? Float.NaN : Float.float16ToFloat((short) (r * k + col));
                float got = actual.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, r);
                float ref = reference.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, r);
                String what = "half 0x" + Integer.toHexString(r * k + col);
                assertTrue(Float.isNaN(expected) ? Float.isNaN(ref) : ref == expected, "reference, " + what);
                if (Float.isNaN(ref)) assertTrue(Float.isNaN(got), what);
                else assertEquals(ref, got, what); // the same bits (a -0 weight sums to +0 in both)
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void batchedAndBroadcastWeights(int bits) {
        for (int m : new int[] {1, 9}) {
            Tensor x = randn(3, 2, 3, m, 64);
            Tensor w = randn(4, 17, 64);
            Tensor e = zeros(2, 3, m, 17), a = zeros(2, 3, m, 17);
            REF.matmul(e, x, w);
            cpu(bits).matmul(a, x, w);
            assertNmse("x [2,3,M,K] shared w, M=" + m, a, e, 1e-10);

            Tensor xb = randn(5, 3, m, 64);
            Tensor wb = as(DType.BF16, gaussian(6, 3 * 11 * 64), 3, 11, 64);
            Tensor eb = zeros(3, m, 11), ab = zeros(3, m, 11);
            REF.matmul(eb, xb, wb);
            cpu(bits).matmul(ab, xb, wb);
            assertNmse("batched BF16 w [3, N, K], M=" + m, ab, eb, 1e-10);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void stridedViews(int bits) {
        for (int m : new int[] {2, 11}) {
            // x as a transposed view (last dim strided), w as a row slice of a wider matrix (strided rows)
            Tensor xt = randn(7, 40, m).transpose(0, 1);
            Tensor wide = randn(8, 19, 96);
            Tensor w = wide.slice(1, 8, 48);
            Tensor e = zeros(m, 19), a = zeros(m, 19);
            REF.matmul(e, xt, w);
            cpu(bits).matmul(a, xt, w);
            assertNmse("strided x and w, M=" + m, a, e, 1e-10);
            // w transposed (last dim strided)
            Tensor wt = randn(9, 40, 13).transpose(0, 1);
            Tensor x = randn(10, m, 40);
            Tensor e2 = zeros(m, 13), a2 = zeros(m, 13);
            REF.matmul(e2, x, wt);
            cpu(bits).matmul(a2, x, wt);
            assertNmse("transposed w, M=" + m, a2, e2, 1e-10);
            // quantized rows sliced on block boundaries
            Tensor q = as(DType.Q8_0, gaussian(11, 9 * 128), 9, 128).slice(1, 32, 96).slice(0, 2, 9);
            Tensor x3 = randn(12, m, 64);
            Tensor e3 = zeros(m, 7), a3 = zeros(m, 7);
            REF.matmul(e3, x3, q);
            cpu(bits).matmul(a3, x3, q);
            assertNmse("sliced Q8_0 w, M=" + m, a3, e3, ErrorBudget.Q8_ACTIVATION_NMSE);
        }
    }
}
