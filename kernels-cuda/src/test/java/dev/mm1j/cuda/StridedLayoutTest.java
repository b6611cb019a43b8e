package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StridedLayoutTest {

    @Test
    void contiguousOperandsCollapseToOneDim() {
        long[] shape = {2, 3, 4};
        long[] st = Tensor.contiguousStrides(shape);
        StridedLayout l = StridedLayout.collapse(shape, st, st);
        assertEquals(1, l.rank);
        assertEquals(24, l.shape[0]);
        assertEquals(1, l.strides[0][0]);
        assertEquals(1, l.strides[1][0]);
    }

    @Test
    void aTransposedOperandKeepsDimsApartAndSizeOneDimsVanish() {
        try (Tensor t = Tensor.allocateHost(DType.F32, 4, 1, 6)) {
            Tensor tr = t.transpose(0, 2); // [6, 1, 4] strides [1, 6, 6]
            long[] shape = tr.shape();
            StridedLayout l = StridedLayout.collapse(shape, Tensor.contiguousStrides(shape), tr.strides());
            assertEquals(2, l.rank);
            assertArrayEquals(new long[] {6, 4}, Arrays.copyOf(l.shape, 2));
            assertArrayEquals(new long[] {4, 1}, Arrays.copyOf(l.strides[0], 2));
            assertArrayEquals(new long[] {1, 6}, Arrays.copyOf(l.strides[1], 2));
        }
    }

    @Test
    void scalarsAndAllOnesBecomeOneElement() {
        StridedLayout l = StridedLayout.collapse(new long[] {1, 1}, new long[] {5, 7});
        assertEquals(1, l.rank);
        assertEquals(1, l.shape[0]);
        assertEquals(0, l.strides[0][0]);
    }

    @Test
    void broadcastGivesZeroStridesToMissingAndUnitDims() {
        try (Tensor b = Tensor.allocateHost(DType.F32, 1, 5)) {
            assertArrayEquals(new long[] {0, 0, 1}, StridedLayout.broadcastStrides(new long[] {3, 4, 5}, b));
        }
    }

    @Test
    void rowsMergeLeadingDimsOrGiveUp() {
        try (Tensor t = Tensor.allocateHost(DType.F32, 2, 3, 8)) {
            assertArrayEquals(new long[] {6, 8, 1}, StridedLayout.rows(t));
            assertArrayEquals(new long[] {6, 8, 1}, StridedLayout.rows(t.slice(2, 0, 4)));
            assertArrayEquals(new long[] {3, 8, 1}, StridedLayout.rows(t.select(0, 1)));
            assertArrayEquals(new long[] {8, 1, 8}, StridedLayout.rows(t.select(0, 0).transpose(0, 1)));
            assertNull(StridedLayout.rows(t.transpose(0, 1))); // [3, 2, 8] strides [8, 24, 1]
            assertArrayEquals(new long[] {1, 8, 1}, StridedLayout.rows(t.select(0, 0).select(0, 0)));
        }
    }
}
