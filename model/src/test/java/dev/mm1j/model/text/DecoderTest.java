package dev.mm1j.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.core.weights.Weights;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Invariants of the decoder on random weights: KV-cached, chunked and batched paths agree with a full forward. */
class DecoderTest {
    static final Ops OPS = new Ops(new ReferenceBackend());

    static TextConfig config(int experts, boolean bias, boolean tied) {
        return new TextConfig(experts > 0 ? "mixtral" : "llama", 24, 40, 2, 4, 2, 8, 1e-5f, 10000, null, 61, 128, tied, "silu",
            bias, 0, experts, 2, 1, 1, new int[] {2});
    }

    static TextModel model(TextConfig c, int chunk) {
        MapWeightSource src = RandomWeights.create(c, DType.F32, 42, 2f);
        return TextModel.load(c, new Weights(src), OPS, chunk);
    }

    static final int[] PROMPT = {1, 5, 9, 33, 60, 0, 17, 17, 42, 8, 3};

    static float[] fullLogits(TextModel m, int[] ids) {
        try (KvCache cache = m.newCache(32, DType.F32); Tensor logits = OPS.allocate(DType.F32, ids.length, m.config().vocabSize())) {
            m.prefill(cache, ids, logits);
            assertEquals(ids.length, cache.position());
            assertArrayEquals(ids, cache.tokens());
            return logits.toFloatArray();
        }
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - got[i]) / Math.max(1, Math.abs(want[i])));
        assertTrue(max <= tol, what + ": max relative error " + max);
    }

    /** Logits when positions [0, k) are prefilled and the rest decoded one at a time (spec §8 --decode-from). */
    static float[] decodeFrom(TextModel m, int[] ids, int k, DType kv) {
        int v = m.config().vocabSize();
        float[] out = new float[ids.length * v];
        try (KvCache cache = m.newCache(32, kv); Tensor logits = OPS.allocate(DType.F32, k, v); DecodeBatch batch = m.newDecodeBatch(1)) {
            m.prefill(cache, Arrays.copyOf(ids, k), logits);
            System.arraycopy(logits.toFloatArray(), 0, out, 0, k * v);
            for (int t = k; t < ids.length; t++) {
                batch.step(new KvCache[] {cache}, new int[] {ids[t]}, 1);
                System.arraycopy(batch.copyLogitsToHost(1), 0, out, t * v, v);
            }
        }
        return out;
    }

    @Test
    void decodeFromAnyPositionMatchesTheFullForward() {
        for (TextConfig c : new TextConfig[] {config(0, false, false), config(4, true, true)}) {
            try (TextModel m = model(c, 512)) {
                float[] full = fullLogits(m, PROMPT);
                for (int k : new int[] {1, 4, PROMPT.length - 1}) {
                    assertClose(full, decodeFrom(m, PROMPT, k, DType.F32), 1e-5, c.modelType() + " decode from " + k);
                }
                assertClose(full, decodeFrom(m, PROMPT, 3, DType.F16), 2e-2, "F16 cache");
                assertClose(full, decodeFrom(m, PROMPT, 3, DType.BF16), 5e-2, "BF16 cache");
            }
        }
    }

    @Test
    void chunkedPrefillMatches() {
        TextConfig c = config(3, false, false);
        float[] full;
        try (TextModel m = model(c, 512)) {
            full = fullLogits(m, PROMPT);
        }
        try (TextModel m = model(c, 3)) {
            assertClose(full, fullLogits(m, PROMPT), 1e-5, "chunks of 3");
        }
    }

    @Test
    void batchedDecodeMatchesSingleSequences() {
        TextConfig c = config(4, false, true);
        try (TextModel m = model(c, 512); DecodeBatch batch = m.newDecodeBatch(3);
             KvCache a = m.newCache(16, DType.F32); KvCache b = m.newCache(16, DType.F32); KvCache d = m.newCache(16, DType.F32)) {
            int[][] prompts = {{1, 2, 3}, {4, 5, 6, 7, 8}, {9}};
            KvCache[] caches = {a, b, d};
            for (int i = 0; i < 3; i++) m.prefill(caches[i], prompts[i], null);
            int[][] next = {{10, 11, 12}, {20, 21, 22}, {30, 31, 32}};
            float[][] batched = new float[3][];
            for (int step = 0; step < 3; step++) {
                int[] toks = {next[0][step], next[1][step], next[2][step]};
                batch.step(caches, toks, 3);
                float[] host = batch.copyLogitsToHost(3);
                if (step == 2) {
                    for (int i = 0; i < 3; i++) batched[i] = Arrays.copyOfRange(host, i * c.vocabSize(), (i + 1) * c.vocabSize());
                }
            }
            for (int i = 0; i < 3; i++) {
                int[] all = new int[prompts[i].length + 3];
                System.arraycopy(prompts[i], 0, all, 0, prompts[i].length);
                System.arraycopy(next[i], 0, all, prompts[i].length, 3);
                float[] full = fullLogits(m, all);
                assertClose(Arrays.copyOfRange(full, (all.length - 1) * c.vocabSize(), all.length * c.vocabSize()), batched[i], 1e-5, "sequence " + i);
            }
        }
    }

    @Test
    void embeddingsInputMatchesIds() {
        TextConfig c = config(0, true, false);
        try (TextModel m = model(c, 4); KvCache cache = m.newCache(32, DType.F32);
             Tensor hidden = OPS.allocate(DType.F32, PROMPT.length, c.hiddenSize());
             Tensor logits = OPS.allocate(DType.F32, 1, c.vocabSize())) {
            m.embed(hidden, PROMPT);
            m.forward(cache, hidden, null, logits);
            float[] full = fullLogits(m, PROMPT);
            assertClose(Arrays.copyOfRange(full, (PROMPT.length - 1) * c.vocabSize(), full.length), logits.toFloatArray(), 1e-5, "last row");
            assertEquals(-1, cache.token(0));
        }
    }

    @Test
    void clearErrors() {
        TextConfig c = config(0, false, false);
        try (TextModel m = model(c, 512); KvCache cache = m.newCache(4, DType.F32); DecodeBatch batch = m.newDecodeBatch(2)) {
            String e = assertThrows(Mm1jException.class, () -> m.prefill(cache, new int[] {1, 2, 3, 4, 5}, null)).getMessage();
            assertTrue(e.contains("does not fit: the context holds 4 positions and 0 are used"), e);
            m.prefill(cache, new int[] {1, 2, 3, 4}, null);
            e = assertThrows(Mm1jException.class, () -> batch.step(new KvCache[] {cache}, new int[] {1}, 1)).getMessage();
            assertTrue(e.contains("does not fit"), e);
            assertEquals(4, cache.position());
            e = assertThrows(Mm1jException.class, () -> m.prefill(cache, new int[] {61}, null)).getMessage();
            assertTrue(e.contains("token id 61"), e);
            cache.truncate(1);
            e = assertThrows(Mm1jException.class, () -> batch.step(new KvCache[] {cache, cache}, new int[] {1, 2}, 2)).getMessage();
            assertTrue(e.contains("repeats"), e);
        }
        TextConfig untied = config(0, false, false);
        MapWeightSource src = RandomWeights.create(new TextConfig("llama", 24, 40, 2, 4, 2, 8, 1e-5f, 10000, null, 61, 128, true, "silu",
            false, 0, 0, 2, 1, 1, new int[0]), DType.F32, 1, 1f);
        String e = assertThrows(Mm1jException.class, () -> TextModel.load(untied, new Weights(src), OPS)).getMessage();
        assertTrue(e.contains("lm_head.weight") && e.contains("tie_word_embeddings=false"), e);
    }

    @Test
    void routingIsSoftmaxTopKRenormalisedWithTiesToTheLowerIndex() {
        MoeRouting r = new MoeRouting(2, 4, 2);
        float[] logits = {1f, 3f, 3f, 0f, /* row 1 */ 0f, 0f, 0f, 0f};
        r.route(logits, 2, 4, 2, true);
        assertEquals(1, r.chosen(0, 0, 2));
        assertEquals(2, r.chosen(0, 1, 2));
        assertEquals(0.5f, r.chosenWeight(0, 0, 2), 1e-7);
        assertEquals(0, r.chosen(1, 0, 2));
        assertEquals(1, r.chosen(1, 1, 2));
        assertEquals(2, r.count(1));
        assertEquals(0, r.count(3));
        int[] rows = new int[2];
        float[] w = new float[2];
        r.stage(1, rows, w);
        assertArrayEquals(new int[] {0, 1}, rows);
    }
}
