package dev.mm1j.cpu;

import static dev.mm1j.cpu.Fixtures.REF;
import static dev.mm1j.cpu.Fixtures.as;
import static dev.mm1j.cpu.Fixtures.assertClose;
import static dev.mm1j.cpu.Fixtures.assertNmse;
import static dev.mm1j.cpu.Fixtures.assertSame;
import static dev.mm1j.cpu.Fixtures.cpu;
import static dev.mm1j.cpu.Fixtures.gaussian;
import static dev.mm1j.cpu.Fixtures.randn;
import static dev.mm1j.cpu.Fixtures.zeros;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** softmax, norms, mean, rope, attention against the reference. */
class RowOpsTest {
    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void softmax(int bits) {
        for (long[] shape : new long[][] {{1}, {7}, {3, 31}, {2, 5, 65}, {9, 101}}) {
            Tensor x = randn(shape.length * 7 + shape[shape.length - 1], shape);
            for (int c = 0; c < (shape.length > 1 ? 2 : 1); c++) {
                boolean causal = c == 1;
                for (long off : causal ? new long[] {0, 3, -2} : new long[] {0}) {
                    Tensor e = zeros(shape), a = zeros(shape);
                    REF.softmax(e, x, causal, off);
                    cpu(bits).softmax(a, x, causal, off);
                    assertClose("softmax " + java.util.Arrays.toString(shape) + " causal=" + causal + " off=" + off, a, e, 1e-7, 2e-6);
                }
            }
        }
        Tensor xt = randn(3, 33, 6).transpose(0, 1), e = zeros(6, 33), a = zeros(6, 33);
        REF.softmax(e, xt, true, 1);
        cpu(bits).softmax(a, xt, true, 1);
        assertClose("strided causal softmax", a, e, 1e-7, 2e-6);
        Tensor big = randn(4, 300, 301), eb = zeros(300, 301), ab = zeros(300, 301);
        REF.softmax(eb, big, false, 0);
        cpu(bits).softmax(ab, big, false, 0);
        assertClose("large softmax", ab, eb, 1e-7, 2e-6);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void norms(int bits) {
        for (long[] shape : new long[][] {{1, 1}, {3, 7}, {2, 5, 65}, {4, 1280}, {300, 301}}) {
            int n = (int) shape[shape.length - 1];
            Tensor x = randn(n + 1, shape), w = randn(n + 2, n), b = randn(n + 3, n);
            Tensor e = zeros(shape), a = zeros(shape);
            REF.layerNorm(e, x, w, b, 1e-5f);
            cpu(bits).layerNorm(a, x, w, b, 1e-5f);
            assertClose("layer_norm " + java.util.Arrays.toString(shape), a, e, 2e-5, 2e-5);
            REF.layerNorm(e, x, null, null, 1e-6f);
            cpu(bits).layerNorm(a, x, null, null, 1e-6f);
            assertClose("layer_norm without affine", a, e, 2e-5, 2e-5);
            REF.rmsNorm(e, x, w, 1e-5f);
            cpu(bits).rmsNorm(a, x, w, 1e-5f);
            assertClose("rms_norm " + java.util.Arrays.toString(shape), a, e, 1e-6, 1e-5);
            long[] lead = java.util.Arrays.copyOf(shape, shape.length - 1);
            Tensor me = zeros(lead), ma = zeros(lead);
            REF.mean(me, x);
            cpu(bits).mean(ma, x);
            assertClose("mean " + java.util.Arrays.toString(shape), ma, me, 1e-6, 1e-5);
        }
        Tensor xt = randn(7, 5, 37).transpose(0, 1), w = randn(8, 5);
        Tensor e = zeros(37, 5), a = zeros(37, 5);
        REF.rmsNorm(e, xt, w, 1e-5f);
        cpu(bits).rmsNorm(a, xt, w, 1e-5f);
        assertClose("strided rms_norm", a, e, 1e-6, 1e-5);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void rope(int bits) {
        for (long[] s : new long[][] {{1, 1, 2}, {3, 2, 14}, {5, 3, 64}, {2, 4, 130}, {200, 8, 128}}) {
            Tensor x = randn(s[2], s);
            int[] pos = new int[(int) s[0]];
            for (int i = 0; i < pos.length; i++) pos[i] = 3 * i + 1000;
            float[] inv = new float[(int) s[2] / 2];
            for (int j = 0; j < inv.length; j++) inv[j] = (float) Math.pow(10000, -2.0 * j / s[2]);
            Tensor p = Tensor.ofInts(pos, s[0]), f = Tensor.of(inv, inv.length);
            Tensor e = zeros(s), a = zeros(s);
            REF.rope(e, x, p, f);
            cpu(bits).rope(a, x, p, f);
            assertClose("rope " + java.util.Arrays.toString(s), a, e, 1e-6, 1e-6);
            cpu(bits).rope(x, x, p, f);
            assertClose("in-place rope", x, e, 1e-6, 1e-6);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void attention(int bits) {
        // {Tq, Tk, H, KV, D}
        // decode kernel (queries × group ≤ 16) and prefill kernel (more), odd sizes around the panels
        int[][] cases = {{1, 1, 1, 1, 1}, {1, 37, 4, 2, 16}, {5, 5, 3, 1, 7}, {7, 12, 6, 3, 33}, {17, 40, 2, 2, 80}, {1, 300, 8, 2, 64},
            {33, 33, 2, 1, 128}, {40, 301, 4, 2, 24}, {13, 13, 3, 3, 5}, {70, 70, 1, 1, 65}};
        for (DType kv : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (int[] c : cases) {
                for (boolean causal : new boolean[] {false, true}) {
                    long off = causal ? c[1] - c[0] : 0;
                    Tensor q = randn(c[4], c[0], c[2], c[4]);
                    Tensor k = as(kv, gaussian(c[1] + 1, c[1] * c[3] * c[4]), c[1], c[3], c[4]);
                    Tensor v = as(kv, gaussian(c[1] + 2, c[1] * c[3] * c[4]), c[1], c[3], c[4]);
                    Tensor e = zeros(c[0], c[2], c[4]), a = zeros(c[0], c[2], c[4]);
                    float scale = (float) (1 / Math.sqrt(c[4]));
                    REF.attention(e, q, k, v, scale, causal, off);
                    cpu(bits).attention(a, q, k, v, scale, causal, off);
                    assertClose(bits + "-bit attention " + kv + " " + java.util.Arrays.toString(c) + " causal=" + causal, a, e, 2e-6, 2e-5);
                }
            }
        }
        // a batch, a KV cache slice (strided rows) and a negative offset (rows that see nothing)
        Tensor cache = as(DType.BF16, gaussian(5, 2 * 50 * 2 * 32), 2, 50, 2, 32);
        Tensor k = cache.slice(1, 0, 21), v = as(DType.BF16, gaussian(6, 2 * 21 * 2 * 32), 2, 21, 2, 32);
        Tensor q = randn(7, 2, 4, 4, 32);
        Tensor e = zeros(2, 4, 4, 32), a = zeros(2, 4, 4, 32);
        REF.attention(e, q, k, v, 0.2f, true, -2);
        cpu(bits).attention(a, q, k, v, 0.2f, true, -2);
        assertClose("batched attention over a cache slice", a, e, 2e-6, 2e-5);
        Tensor q2 = randn(8, 20, 2, 32), k2 = randn(9, 30, 1, 32), v2 = randn(10, 30, 1, 32);
        Tensor e2 = zeros(20, 2, 32), a2 = zeros(20, 2, 32);
        REF.attention(e2, q2, k2, v2, 0.2f, true, -5);
        cpu(bits).attention(a2, q2, k2, v2, 0.2f, true, -5);
        assertClose("prefill with a negative offset", a2, e2, 2e-6, 2e-5);
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void indexing(int bits) {
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            Tensor table = as(dt, gaussian(1, 11 * 96), 11, 96);
            Tensor ids = Tensor.ofInts(new int[] {3, 0, 10, 3, 7}, 5);
            Tensor e = zeros(5, 96), a = zeros(5, 96);
            REF.getRows(e, table, ids);
            cpu(bits).getRows(a, table, ids);
            assertSame("get_rows " + dt, a, e);
        }
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor cache = Tensor.allocateHost(dt, 9, 2, 40), ref = Tensor.allocateHost(dt, 9, 2, 40);
            Tensor src = randn(3, 3, 40).transpose(0, 1).transpose(0, 1);
            Tensor ids = Tensor.ofInts(new int[] {4, 0, 8}, 3);
            REF.setRows(ref.select(1, 1), src, ids);
            cpu(bits).setRows(cache.select(1, 1), src, ids);
            assertSame("set_rows " + dt, cache, ref);
        }
        float[] v = gaussian(2, 3 * 101);
        v[5] = v[9] = v[40] = 3f; // ties
        v[101 + 7] = Float.NaN;
        v[202] = 0f;
        v[203] = -0f;
        Tensor x = Tensor.of(v, 3, 101);
        for (int k : new int[] {1, 2, 8, 101}) {
            Tensor ev = zeros(3, k), av = zeros(3, k);
            Tensor ei = Tensor.allocateHost(DType.I32, 3, k), ai = Tensor.allocateHost(DType.I32, 3, k);
            REF.topK(ev, ei, x, k);
            cpu(bits).topK(av, ai, x, k);
            assertSame("top_k values k=" + k, av, ev);
            assertSame("top_k indices k=" + k, ai, ei);
        }
        for (long d : new long[] {7, 65, 3000}) {
            Tensor out = randn(3, 6, d), src = randn(4, 5, d), w = randn(5, 5);
            Tensor ids = Tensor.ofInts(new int[] {1, 4, 1, 0, 5}, 5);
            Tensor e = zeros(6, d);
            REF.copy(e, out);
            REF.indexAdd(e, src, ids, w);
            cpu(bits).indexAdd(out, src, ids, w);
            assertClose("index_add d=" + d, out, e, 1e-6, 1e-6);
            REF.indexAdd(e, src, ids, null);
            cpu(bits).indexAdd(out, src, ids, null);
            assertClose("index_add without weights", out, e, 1e-6, 1e-6);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.mm1j.cpu.Fixtures#widths")
    void spatial(int bits) {
        // {N?, H, W, Cin, Cout, KH, stride, padding, groups}
        int[][] convs = {{0, 5, 6, 7, 7, 3, 1, 1, 7}, {2, 9, 8, 33, 33, 3, 1, 1, 33}, {0, 28, 28, 3, 17, 14, 14, 0, 1},
            {0, 4, 5, 19, 23, 1, 1, 0, 1}, {1, 7, 7, 6, 10, 3, 2, 1, 1}, {0, 6, 5, 8, 6, 3, 1, 1, 2}, {0, 9, 9, 16, 16, 3, 2, 1, 16}};
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            for (int[] c : convs) {
                int oh = (c[1] + 2 * c[7] - c[5]) / c[6] + 1, ow = (c[2] + 2 * c[7] - c[5]) / c[6] + 1;
                long[] xs = c[0] == 0 ? new long[] {c[1], c[2], c[3]} : new long[] {c[0], c[1], c[2], c[3]};
                long[] os = c[0] == 0 ? new long[] {oh, ow, c[4]} : new long[] {c[0], oh, ow, c[4]};
                Tensor x = randn(c[3], xs);
                Tensor w = as(dt, gaussian(c[4], c[4] * (c[3] / c[8]) * c[5] * c[5]), c[4], c[3] / c[8], c[5], c[5]);
                Tensor e = zeros(os), a = zeros(os);
                REF.conv2d(e, x, w, c[6], c[7], c[8]);
                cpu(bits).conv2d(a, x, w, c[6], c[7], c[8]);
                assertNmse("conv2d " + dt + " " + java.util.Arrays.toString(c), a, e, 1e-10);
            }
        }
        for (int[] s : new int[][] {{27, 27, 33, 12, 12}, {5, 7, 3, 3, 2}, {4, 4, 17, 6, 5}, {1, 1, 9, 2, 3}}) {
            Tensor x = randn(s[2], s[0], s[1], s[2]);
            Tensor e = zeros(s[3], s[4], s[2]), a = zeros(s[3], s[4], s[2]);
            REF.adaptiveAvgPool2d(e, x);
            cpu(bits).adaptiveAvgPool2d(a, x);
            assertClose("adaptive_avg_pool2d " + java.util.Arrays.toString(s), a, e, 1e-6, 1e-5);
            REF.resizeBicubic(e, x);
            cpu(bits).resizeBicubic(a, x);
            assertSame("resize_bicubic " + java.util.Arrays.toString(s), a, e);
        }
    }
}
