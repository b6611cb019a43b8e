package dev.mm1j.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Quant;
import dev.mm1j.cpu.PackedWeight;
import dev.mm1j.cpu.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The panel layouts at this JVM's preferred width (the other widths are covered through the backend by
 * PackedMatmulTest and the conformance kit): every weight read back from the panels ({@link Panels#get}, the
 * layouts' scalar definition) equals the reference dequantization of the original blocks, pad rows included.
 */
class PanelsTest {
    @Test
    void everyWeightReadsBack() {
        try (Parallel par = new Parallel(2)) {
            for (DType t : new DType[] {DType.Q8_0, DType.Q4_0}) {
                for (int[] nk : new int[][] {{1, 32}, {7, 64}, {Panels.rows(t) + 3, 96}, {3 * Panels.rows(t), 32}, {130, 800}}) {
                    int n = nk[0], k = nk[1];
                    float[] v = new float[n * k];
                    Random r = new Random(n * 31L + k);
                    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
                    Tensor w = Tensor.allocateHost(t, n, k);
                    for (int row = 0; row < n; row++) Quant.encode(t, v, row * k, k, w.segment(), t.byteSize((long) row * k));
                    Tensor p = Panels.pack(w, par, null);
                    PackedWeight pw = (PackedWeight) p.storage();
                    float[] want = w.toFloatArray();
                    for (int row = 0; row < n; row++) {
                        for (int col = 0; col < k; col++) {
                            assertEquals(want[row * k + col], Panels.get(pw, row, col), t + " " + n + "x" + k + " [" + row + ", " + col + "]");
                        }
                    }
                    int padded = (n + pw.panelRows() - 1) / pw.panelRows() * pw.panelRows();
                    for (int row = n; row < padded; row++) assertEquals(0f, Math.abs(Panels.get(pw, row, k - 1)), "pad row " + row);
                    pw.close();
                }
            }
        }
    }
}
