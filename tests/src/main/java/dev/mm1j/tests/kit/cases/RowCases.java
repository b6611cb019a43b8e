package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

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
 * The rows family's cases (see {@link dev.mm1j.core.backend.Op.Family}):
 * <ul>
 *   <li>softmax over the last dim: plain and causal with offsets, batched, strided, in place, and logits of ±1e4 (stability).</li>
 *   <li>layerNorm (with and without weight and bias), rmsNorm and mean: row reductions over odd lengths, offsets, strided rows.</li>
 *   <li>rope: half-split rotary embedding with plain and llama3-scaled inverse frequencies, large positions, strided and in place.</li>
 * </ul>
 */
public final class RowCases {
    private RowCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        l.addAll(softmax());
        l.addAll(norms());
        l.addAll(rope());
        return l;
    }

    // ------------------------------------------------------------------ softmax
    private static List<OpCase> softmax() {
        List<OpCase> l = new ArrayList<>();
        for (long[] shape : new long[][] {{1}, {1, 1}, {7, 31}, {3, 7, 65}, {2, 101}, {2, 4099}}) {
            l.add(softmax("x=" + s(shape), shape, 2f, false, 0));
        }
        l.add(softmax("x=" + s(3, 101) + " logits ±1e4", new long[] {3, 101}, 1e4f, false, 0));
        l.add(softmax("x=" + s(7, 7) + " causal", new long[] {7, 7}, 2f, true, 0));
        l.add(softmax("x=" + s(5, 31) + " causal offset 26", new long[] {5, 31}, 2f, true, 26));
        l.add(softmax("x=" + s(2, 7, 65) + " causal offset 58", new long[] {2, 7, 65}, 2f, true, 58));
        l.add(softmax("x=" + s(4, 17) + " causal offset 3 (partial rows)", new long[] {4, 17}, 2f, true, 3));
        l.add(softmax("x=" + s(31, 31) + " causal logits ±1e4", new long[] {31, 31}, 1e4f, true, 0));
        l.add(OpCase.of(Op.SOFTMAX, DType.F32, "x=" + s(65, 7) + "ᵀ (strided)", Budget.OP, b -> {
            b.ops().softmax(b.out(DType.F32, 7, 65), b.in(DType.F32, Data.scaled(b.data().normal(455), 3), 65, 7).transpose(0, 1), false, 0);
        }));
        l.add(OpCase.of(Op.SOFTMAX, DType.F32, "out=x=" + s(7, 65) + " causal offset 60 (in place)", Budget.OP, b -> {
            Tensor x = b.inout(DType.F32, Data.scaled(b.data().normal(455), 3), 7, 65);
            b.ops().softmax(x, x, true, 60);
        }));
        return l;
    }

    private static OpCase softmax(String params, long[] shape, float scale, boolean causal, long offset) {
        return OpCase.of(Op.SOFTMAX, DType.F32, params, Budget.OP, b -> {
            float[] x = Data.scaled(b.data().normal((int) Tensor.numel(shape)), scale);
            b.ops().softmax(b.out(DType.F32, shape), b.in(DType.F32, x, shape), causal, offset);
        });
    }

    // ------------------------------------------------------------------ norms
    private static List<OpCase> norms() {
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

    // ------------------------------------------------------------------ rope
    private static List<OpCase> rope() {
        List<OpCase> l = new ArrayList<>();
        l.add(rope("x=" + s(1, 1, 2) + " pos [0] base 1e4", new int[] {0}, 1, 2, invFreq(2, 10000)));
        l.add(rope("x=" + s(7, 3, 64) + " pos 0..6 llama3", new int[] {0, 1, 2, 3, 4, 5, 6}, 3, 64, llama3(64)));
        l.add(rope("x=" + s(5, 2, 128) + " large positions llama3", new int[] {8191, 8192, 65535, 100000, 131071}, 2, 128, llama3(128)));
        l.add(rope("x=" + s(3, 5, 34) + " pos [17, 4095, 30000] base 1e4", new int[] {17, 4095, 30000}, 5, 34, invFreq(34, 10000)));
        l.add(OpCase.of(Op.ROPE, DType.F32, "x=" + s(4, 15, 32) + "[:, 5:10] (q of a fused qkv, strided) base 1e4", Budget.OP, b -> {
            Tensor x = b.in(DType.F32, 4, 15, 32).slice(1, 5, 10);
            b.ops().rope(b.out(DType.F32, 4, 5, 32), x, b.ints(new int[] {3, 999, 2048, 4000}, 4), b.in(DType.F32, invFreq(32, 10000), 16));
        }));
        l.add(OpCase.of(Op.ROPE, DType.F32, "out=x=" + s(3, 4, 64) + " (in place) llama3", Budget.OP, b -> {
            Tensor x = b.inout(DType.F32, b.data().normal(3 * 4 * 64), 3, 4, 64);
            b.ops().rope(x, x, b.ints(new int[] {5, 6, 7}, 3), b.in(DType.F32, llama3(64), 32));
        }));
        return l;
    }

    private static OpCase rope(String params, int[] pos, long heads, long d, float[] inv) {
        return OpCase.of(Op.ROPE, DType.F32, params, Budget.OP, (Bench b) -> {
            long t = pos.length;
            Tensor x = b.in(DType.F32, t, heads, d);
            b.ops().rope(b.out(DType.F32, t, heads, d), x, b.ints(pos, t), b.in(DType.F32, inv, d / 2));
        });
    }

    /** {@code 1 / base^(2j/d)} for j &lt; d/2, computed like Hugging Face (float32 exponent). */
    public static float[] invFreq(int d, double base) {
        float[] inv = new float[d / 2];
        for (int j = 0; j < inv.length; j++) inv[j] = (float) (1.0 / Math.pow(base, (float) (2 * j) / d));
        return inv;
    }

    /** Llama 3.1's scaled inverse frequencies: base 500000, factor 8, low/high frequency factors 1 and 4, original context 8192. */
    public static float[] llama3(int d) {
        float[] inv = invFreq(d, 500000);
        double factor = 8, low = 1, high = 4, old = 8192;
        double lowWavelen = old / low, highWavelen = old / high;
        for (int j = 0; j < inv.length; j++) {
            double wavelen = 2 * Math.PI / inv[j];
            if (wavelen > lowWavelen) {
                inv[j] = (float) (inv[j] / factor);
            } else if (wavelen >= highWavelen) {
                double smooth = (old / wavelen - low) / (high - low);
                inv[j] = (float) ((1 - smooth) * inv[j] / factor + smooth * inv[j]);
            }
        }
        return inv;
    }
}
