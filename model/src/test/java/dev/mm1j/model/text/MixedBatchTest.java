package dev.mm1j.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.Weights;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A mixed step (decode rows and prompt chunks of several sequences in one forward) against running them one by one. */
class MixedBatchTest {
    static final Ops OPS = new Ops(new ReferenceBackend());

    @Test
    void mixedStepGivesTheLogitsOfSeparatePrefillAndDecode() {
        for (int experts : new int[] {0, 4}) {
            TextConfig c = new TextConfig("llama", 24, 40, 2, 4, 2, 8, 1e-5f, 10000, null, 40, 128, false, "silu", false, 0, experts, 2, 1, 1, new int[] {2});
            TextModel m = TextModel.load(c, new Weights(RandomWeights.create(c, DType.F32, 11, 3f)), OPS);
            int v = c.vocabSize();
            int[] promptA = {1, 5, 9, 3, 7}, promptB = {1, 8, 8, 2, 30, 4, 6}, promptC = {1, 12};
            try (KvCache a = m.newCache(32, DType.F32); KvCache b = m.newCache(32, DType.F32); KvCache cc = m.newCache(32, DType.F32);
                 KvCache a1 = m.newCache(32, DType.F32); KvCache b1 = m.newCache(32, DType.F32); KvCache c1 = m.newCache(32, DType.F32);
                 MixedBatch mb = m.newMixedBatch(12, 3); DecodeBatch db = m.newDecodeBatch(1); Tensor last = OPS.allocate(DType.F32, 1, v)) {
                // the references: A prefilled then one decode step with token 11; B's first 4 positions; C whole
                m.prefill(a1, promptA, null);
                float[] wantA = db.step(new KvCache[] {a1}, new int[] {11}, 1).toFloatArray();
                m.prefill(b1, Arrays.copyOf(promptB, 4), last);
                float[] wantB = last.toFloatArray();
                m.prefill(c1, promptC, last);
                float[] wantC = last.toFloatArray();
                // mixed: A's decode row, B's first chunk of 4, C's whole prompt of 2, in one forward
                m.prefill(a, promptA, null);
                int[] ids = {11, 1, 8, 8, 2, 1, 12};
                m.embed(mb.input(0, 7), ids);
                float[] got = mb.step(new KvCache[] {a, b, cc}, new int[] {1, 4, 2}, 3, ids).toFloatArray();
                assertClose(wantA, Arrays.copyOfRange(got, 0, v), "A (decode row), experts " + experts);
                assertClose(wantB, Arrays.copyOfRange(got, v, 2 * v), "B (prompt chunk)");
                assertClose(wantC, Arrays.copyOfRange(got, 2 * v, 3 * v), "C (whole prompt)");
                assertEquals(6, a.position());
                assertEquals(4, b.position());
                assertEquals(8, b.token(1));
                // B's next chunk continues where the first ended
                m.embed(mb.input(0, 3), new int[] {30, 4, 6});
                float[] nextB = mb.step(new KvCache[] {b}, new int[] {3}, 1, new int[] {30, 4, 6}).toFloatArray();
                m.prefill(b1, Arrays.copyOfRange(promptB, 4, 7), last);
                assertClose(last.toFloatArray(), nextB, "B's second chunk");
                assertThrows(Mm1jException.class, () -> mb.step(new KvCache[] {a, a}, new int[] {1, 1}, 2, ids), "the same cache twice");
                assertThrows(Mm1jException.class, () -> mb.step(new KvCache[] {a}, new int[] {13}, 1, new int[13]), "more rows than the batch holds");
            }
            m.close();
        }
    }

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4f * Math.max(1, Math.abs(want[i])), what + " logit " + i);
        }
    }
}
