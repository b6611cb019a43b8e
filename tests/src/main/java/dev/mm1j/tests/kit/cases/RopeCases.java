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

/** rope: half-split rotary embedding with plain and llama3-scaled inverse frequencies, large positions, strided and in place. */
public final class RopeCases {
    private RopeCases() {}

    public static List<OpCase> cases() {
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
