package dev.mm1j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views share storage and index the right elements; bad shapes and quantized-layout violations are ShapeExceptions. */
class TensorTest {

    /** [2, 3, 4] holding 0..23. */
    private static Tensor iota() {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.of(v, 2, 3, 4);
    }

    @Test
    void reshapeKeepsOrderAndInfersOneDim() {
        try (Tensor t = iota()) {
            Tensor r = t.reshape(4, -1);
            assertArrayEquals(new long[] {4, 6}, r.shape());
            assertEquals(13f, r.toFloatArray()[13]);
            assertTrue(r.storage() == t.storage());
            assertThrows(ShapeException.class, () -> t.reshape(5, -1));
            assertThrows(ShapeException.class, () -> t.reshape(5, 5));
            assertThrows(ShapeException.class, () -> t.reshape(-1, -1));
            assertThrows(ShapeException.class, () -> t.transpose(0, 1).reshape(24), "a strided view cannot be reshaped");
        }
    }

    @Test
    void sliceSelectTransposePermuteIndexTheRightElements() {
        try (Tensor t = iota()) {
            assertArrayEquals(new float[] {16, 17, 18, 19, 20, 21, 22, 23}, t.slice(0, 1, 2).slice(1, 1, 3).toFloatArray());
            assertArrayEquals(new float[] {2, 6, 10, 14, 18, 22}, t.select(2, 2).toFloatArray());
            Tensor tr = t.transpose(1, 2); // [2, 4, 3]
            assertArrayEquals(new long[] {2, 4, 3}, tr.shape());
            assertFalse(tr.isContiguous());
            assertEquals(1f, tr.toFloatArray()[3]); // tr[0, 1, 0] = t[0, 0, 1]
            assertEquals(t.offsetOf(1, 2, 3), tr.offsetOf(1, 3, 2));
            Tensor p = t.permute(2, 0, 1); // [4, 2, 3]
            assertEquals(t.offsetOf(1, 2, 3), p.offsetOf(3, 1, 2));
            assertEquals(23f, p.toFloatArray()[23]);
            assertEquals(12f, p.toFloatArray()[3]); // p[0, 1, 0] = t[1, 0, 0]
        }
    }

    @Test
    void unsqueezeAddsASizeOneDimAnywhere() {
        try (Tensor t = iota()) {
            assertArrayEquals(new long[] {1, 2, 3, 4}, t.unsqueeze(0).shape());
            assertArrayEquals(new long[] {2, 3, 1, 4}, t.unsqueeze(2).shape());
            assertArrayEquals(new long[] {2, 3, 4, 1}, t.unsqueeze(-1).shape());
            assertTrue(t.unsqueeze(1).isContiguous());
            assertArrayEquals(t.toFloatArray(), t.unsqueeze(3).toFloatArray());
            assertThrows(ShapeException.class, () -> t.unsqueeze(5));
        }
    }

    @Test
    void badShapesAndIndicesAreShapeExceptions() {
        assertThrows(ShapeException.class, () -> Tensor.allocateHost(DType.F32, 2, -1));
        assertThrows(ShapeException.class, () -> Tensor.allocateHost(DType.F32, Long.MAX_VALUE, 4));
        assertThrows(ShapeException.class, () -> Tensor.of(new float[5], 2, 3));
        try (Tensor t = iota()) {
            assertThrows(ShapeException.class, () -> t.slice(0, 1, 3));
            assertThrows(ShapeException.class, () -> t.slice(1, 2, 1));
            assertThrows(ShapeException.class, () -> t.select(1, 3));
            assertThrows(ShapeException.class, () -> t.dim(3));
            assertThrows(ShapeException.class, () -> t.permute(0, 0, 1));
            assertThrows(ShapeException.class, () -> t.permute(0, 1));
            assertThrows(ShapeException.class, () -> t.offsetOf(0, 3, 0));
            assertThrows(ShapeException.class, () -> t.transpose(0, 1).data());
        }
    }

    @Test
    void quantizedTensorsKeepTheirLastDimWholeBlocks() {
        try (Tensor q = Tensor.allocateHost(DType.Q8_0, 4, 64)) {
            assertEquals(4 * 2 * 34, q.byteSize());
            assertEquals(2 * 2 * 34, q.slice(0, 2, 4).byteOffset());
            assertEquals(34, q.slice(1, 32, 64).byteOffset());
            assertThrows(ShapeException.class, () -> q.slice(1, 0, 16), "half a block");
            assertThrows(ShapeException.class, () -> q.select(1, 3), "an element inside a block");
            assertThrows(ShapeException.class, () -> q.transpose(0, 1), "blocks cannot be transposed");
            assertThrows(ShapeException.class, () -> q.permute(1, 0));
            assertThrows(ShapeException.class, () -> q.reshape(4, 64, 1), "last dim 1 is not a block multiple");
            assertThrows(ShapeException.class, () -> q.unsqueeze(-1), "a size-1 last dim would cut the blocks");
            assertThrows(ShapeException.class, () -> Tensor.allocateHost(DType.Q4_0, 3, 33));
            assertArrayEquals(new long[] {1, 4, 64}, q.unsqueeze(0).shape());
        }
        try (Tensor q = Tensor.allocateHost(DType.Q4_0, 2, 3, 32)) {
            Tensor p = q.permute(1, 0, 2); // non-last dims may move
            assertEquals(q.offsetOf(1, 2, 0), p.offsetOf(2, 1, 0));
        }
    }

    @Test
    void scalarsAndEmptyTensors() {
        try (Tensor s = Tensor.of(new float[] {2.5f})) {
            assertEquals(0, s.rank());
            assertEquals(1, s.numel());
            assertArrayEquals(new float[] {2.5f}, s.toFloatArray());
        }
        try (Tensor e = Tensor.allocateHost(DType.F32, 3, 0)) {
            assertEquals(0, e.numel());
            assertEquals(0, e.toFloatArray().length);
        }
    }

    @Test
    void intTensorsReadBackExactly() {
        int[] v = {Integer.MAX_VALUE, Integer.MIN_VALUE, 16777217, -1};
        try (Tensor t = Tensor.ofInts(v, 2, 2)) {
            assertArrayEquals(v, t.toIntArray());
            assertArrayEquals(new int[] {Integer.MAX_VALUE, 16777217, Integer.MIN_VALUE, -1}, t.transpose(0, 1).toIntArray());
            assertThrows(ShapeException.class, () -> Tensor.of(new float[] {1}, 1).toIntArray());
        }
    }
}
