package dev.mm1j.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.core.quant.ErrorBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightsTest {
    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static MapWeightSource source() {
        MapWeightSource s = new MapWeightSource("test checkpoint");
        s.put("model.layers.0.q.weight", Tensor.of(gaussian(64 * 96, 1), 64, 96));
        s.put("model.layers.0.odd.weight", Tensor.of(gaussian(8 * 20, 2), 8, 20));
        s.put("model.layers.0.norm.weight", Convert.to(Tensor.of(gaussian(96, 3), 96), DType.BF16));
        s.put("model.embed.weight", Convert.to(Tensor.of(gaussian(10 * 96, 4), 10, 96), DType.BF16));
        Tensor f64 = Tensor.allocateHost(DType.F64, 2, 32);
        s.put("model.f64.weight", f64);
        s.put("model.unused.a", Tensor.of(new float[] {1}));
        s.put("model.unused.b", Tensor.of(new float[] {1}));
        return s;
    }

    @Test
    void strictNamesAndShapes() {
        try (MapWeightSource s = source(); Weights w = new Weights(s)) {
            Weights l0 = w.prefix("model").prefix("layers").prefix(0);
            assertEquals("model.layers.0.q.weight", l0.fullName("q.weight"));
            assertTrue(l0.has("q.weight"));
            assertFalse(l0.has("k.weight"));
            assertNull(l0.getOptional("k.weight"));
            assertEquals("missing tensor 'model.layers.0.k.weight' in test checkpoint (expected shape [64, 96])",
                assertThrows(ModelFormatException.class, () -> l0.get("k.weight", 64, 96)).getMessage());
            assertEquals("tensor 'model.layers.0.q.weight' in test checkpoint has shape [64, 96], expected [96, 64]",
                assertThrows(ModelFormatException.class, () -> l0.matrix("q.weight", 96, 64)).getMessage());
            assertTrue(assertThrows(ModelFormatException.class, () -> l0.get("norm.weight", Set.of(DType.F32), 96)).getMessage().contains("has dtype BF16, expected one of [F32]"));
        }
    }

    @Test
    void asStoredWithoutAMatrixDtype() {
        try (MapWeightSource s = source(); Weights w = new Weights(s)) {
            Tensor q = w.matrix("model.layers.0.q.weight", 64, 96);
            assertSame(s.tensor("model.layers.0.q.weight"), q, "F32 stays a view");
            assertEquals(DType.BF16, w.embedding("model.embed.weight", 10, 96).dtype());
            assertEquals(DType.F32, w.matrix("model.f64.weight", 2, 32).dtype(), "storage-only types become F32");
            Tensor norm = w.f32("model.layers.0.norm.weight", 96);
            assertEquals(DType.F32, norm.dtype());
            assertSame(norm, w.f32("model.layers.0.norm.weight", 96), "converted once");
            assertArrayEquals(s.tensor("model.layers.0.norm.weight").toFloatArray(), norm.toFloatArray());
        }
    }

    @Test
    void quantizeOnLoad() {
        for (DType target : List.of(DType.Q8_0, DType.Q4_0, DType.BF16, DType.F16, DType.F32)) {
            try (MapWeightSource s = source(); Weights w = new Weights(s, target)) {
                List<String> warnings = new ArrayList<>();
                w.warnings(warnings::add);
                Tensor q = w.matrix("model.layers.0.q.weight", 64, 96);
                assertEquals(target, q.dtype());
                assertSame(q, w.prefix("model.layers.0").matrix("q.weight", 64, 96), "cached across prefixed views");
                double e = ErrorBudget.nmse(q.toFloatArray(), s.tensor("model.layers.0.q.weight").toFloatArray());
                assertTrue(e <= ErrorBudget.roundTrip(target), target + ": " + e);
                assertEquals(DType.F32, w.f32("model.layers.0.norm.weight", 96).dtype(), "norms stay full precision");
                assertEquals(DType.BF16, w.embedding("model.embed.weight", 10, 96).dtype(), "gather tables are not quantized");
                Tensor odd = w.matrix("model.layers.0.odd.weight", 8, 20);
                assertEquals(target.isQuantized() ? DType.F32 : target, odd.dtype(), "rows of 20 cannot be cut into blocks of 32");
                w.finish();
                assertTrue(warnings.get(0).startsWith("warning: 3 tensors in test checkpoint not used by the model: model.f64.weight, model.unused.a, model.unused.b"), warnings.toString());
                assertEquals(target.isQuantized(), warnings.size() == 2 && warnings.get(1).contains("odd.weight") && warnings.get(1).contains("not a multiple of 32"), warnings.toString());
                w.close();
                assertFalse(q.segment().scope().isAlive() && target != DType.F32, "converted memory is freed on close");
            }
        }
    }

    @Test
    void matrixDtypeOption() {
        assertEquals(DType.Q8_0, Weights.parseMatrixDtype("q8_0"));
        assertEquals(DType.Q4_0, Weights.parseMatrixDtype("Q4_0"));
        assertEquals(DType.BF16, Weights.parseMatrixDtype("bf16"));
        assertEquals(DType.F32, Weights.parseMatrixDtype("f32"));
        assertNull(Weights.parseMatrixDtype("stored"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Weights.parseMatrixDtype("q3")).getMessage().contains("expected q8_0, q4_0, bf16, f16, f32 or stored"));
        assertThrows(IllegalArgumentException.class, () -> new Weights(new MapWeightSource("x"), DType.I32));
    }
}
