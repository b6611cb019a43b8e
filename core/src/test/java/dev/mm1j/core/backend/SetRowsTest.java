package dev.mm1j.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.Quant;
import org.junit.jupiter.api.Test;

/** set_rows (KV-cache writes): named rows replaced and rounded to the output dtype, other rows untouched. */
class SetRowsTest {
    final Ops ops = new Ops(new ReferenceBackend());

    @Test
    void writesNamedRowsWithRounding() {
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            try (Tensor out = ops.allocate(dt, 5, 3);
                 Tensor src = Tensor.of(new float[] {1.0001f, 2, 3, -4, 5.5f, 1e-3f}, 2, 3);
                 Tensor ids = Tensor.ofInts(new int[] {3, 0}, 2)) {
                ops.fill(out, 7f);
                ops.setRows(out, src, ids);
                float a = round(dt, 1.0001f), e = round(dt, 1e-3f);
                assertArrayEquals(new float[] {-4, 5.5f, e, 7, 7, 7, 7, 7, 7, a, 2, 3, 7, 7, 7}, out.toFloatArray(), dt.toString());
            }
        }
    }

    @Test
    void stridedRowsOfACache() {
        try (Tensor cache = ops.allocate(DType.F32, 4, 2, 3); Tensor src = Tensor.of(new float[] {1, 2, 3}, 1, 3);
             Tensor ids = Tensor.ofInts(new int[] {2}, 1)) {
            Tensor head1 = cache.select(1, 1); // [4, 3] rows with stride 6
            ops.setRows(head1, src, ids);
            float[] all = cache.toFloatArray();
            assertArrayEquals(new float[] {1, 2, 3}, java.util.Arrays.copyOfRange(all, 15, 18));
            assertTrue(java.util.Arrays.stream(new int[] {0, 1, 2, 12, 13, 14}).allMatch(i -> all[i] == 0));
        }
    }

    @Test
    void validation() {
        try (Tensor out = ops.allocate(DType.F32, 4, 3); Tensor src = ops.allocate(DType.F32, 2, 3);
             Tensor badIds = ops.allocate(DType.F32, 2); Tensor q = ops.allocate(DType.Q8_0, 4, 32);
             Tensor src32 = ops.allocate(DType.F32, 2, 32); Tensor ids = Tensor.ofInts(new int[] {0, 1}, 2)) {
            assertTrue(assertThrows(ShapeException.class, () -> ops.setRows(out, src, badIds)).getMessage().startsWith("[set_rows]"));
            assertThrows(ShapeException.class, () -> ops.setRows(q, src32, ids));
            assertThrows(ShapeException.class, () -> ops.setRows(out.transpose(0, 1), src, ids));
        }
    }

    private static float round(DType dt, float v) {
        return switch (dt) {
            case F16 -> Quant.f16ToF32(Quant.f32ToF16(v));
            case BF16 -> Quant.bf16ToF32(Quant.f32ToBf16(v));
            default -> v;
        };
    }
}
