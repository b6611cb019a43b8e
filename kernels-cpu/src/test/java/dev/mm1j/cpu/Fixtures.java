package dev.mm1j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.ErrorBudget;
import dev.mm1j.core.quant.Quant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;

/** Shared helpers of the CPU backend's own tests: one backend per vector width, seeded data, comparisons. */
final class Fixtures {
    private Fixtures() {}

    static final ReferenceBackend REF = new ReferenceBackend();
    private static final Map<Integer, Backend> BACKENDS = new ConcurrentHashMap<>();

    /** The vector widths this CPU supports (the argument source of every parameterised test). */
    static List<Integer> widths() {
        int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        List<Integer> w = new ArrayList<>();
        for (int b = 128; b <= max; b *= 2) w.add(b);
        return w;
    }

    /** A 2-thread backend of the given width (shared by the tests, closed at JVM exit). */
    static Backend cpu(int bits) {
        return BACKENDS.computeIfAbsent(bits, b -> CpuBackend.create(new BackendOptions(2, Map.of("vector.bits", Integer.toString(b)))));
    }

    static float[] gaussian(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static Tensor randn(long seed, long... shape) {
        return Tensor.of(gaussian(seed, (int) Tensor.numel(shape)), shape);
    }

    /** A host tensor of {@code dtype} holding {@code values} rounded/quantized to it (rows of the last dim). */
    static Tensor as(DType dtype, float[] values, long... shape) {
        Tensor t = Tensor.allocateHost(dtype, shape);
        int row = (int) shape[shape.length - 1];
        for (int r = 0; r < values.length / Math.max(1, row); r++) {
            Quant.encode(dtype, values, r * row, row, t.segment(), dtype.byteSize((long) r * row));
        }
        return t;
    }

    static Tensor zeros(long... shape) {
        return Tensor.allocateHost(DType.F32, shape);
    }

    /** Normalised MSE of actual against expected within {@code budget}, with a message naming the case. */
    static void assertNmse(String what, Tensor actual, Tensor expected, double budget) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        double nmse = ErrorBudget.nmse(a, e);
        assertTrue(nmse <= budget, () -> what + ": nmse " + nmse + " > " + budget + "\n actual   " + head(a) + "\n expected " + head(e));
    }

    /** Every element within {@code abs + rel·|expected|}; NaNs must match. */
    static void assertClose(String what, Tensor actual, Tensor expected, double abs, double rel) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(e[i]) || Float.isNaN(a[i])) {
                assertEquals(Float.isNaN(e[i]), Float.isNaN(a[i]), what + " NaN at " + i);
                continue;
            }
            double tol = abs + rel * Math.abs(e[i]);
            int at = i;
            assertTrue(Math.abs(a[i] - e[i]) <= tol, () -> what + ": element " + at + " is " + a[at] + ", expected " + e[at]);
        }
    }

    /** Bit-identical floats (or ints). */
    static void assertSame(String what, Tensor actual, Tensor expected) {
        if (expected.dtype() == DType.I32) {
            assertEquals(Arrays.toString(expected.toIntArray()), Arrays.toString(actual.toIntArray()), what);
            return;
        }
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            int at = i;
            assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(a[i]), () -> what + ": element " + at + " is " + a[at] + ", expected " + e[at]);
        }
    }

    private static String head(float[] a) {
        return Arrays.toString(Arrays.copyOf(a, Math.min(8, a.length)));
    }
}
