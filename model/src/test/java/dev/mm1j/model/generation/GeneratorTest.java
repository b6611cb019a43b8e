package dev.mm1j.model.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.RandomWeights;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    static final Ops OPS = new Ops(new ReferenceBackend());
    static TextModel model;
    static Generator gen;

    @BeforeAll
    static void load() {
        TextConfig c = new TextConfig("llama", 24, 40, 2, 4, 2, 8, 1e-5f, 10000, null, 40, 128, false, "silu", false, 0, 0, 2, 1, 1, new int[] {2});
        model = TextModel.load(c, new Weights(RandomWeights.create(c, DType.F32, 5, 3f)), OPS);
        gen = new Generator(model);
    }

    @AfterAll
    static void close() {
        gen.close();
        model.close();
    }

    static GenerationParams params(int max, SamplingParams s, int... stops) {
        return new GenerationParams(max, s, stops, List.of());
    }

    /** Greedy by re-running the full forward for every token (no KV cache): the definition. */
    static int[] slowGreedy(int[] prompt, int n) {
        int[] ids = prompt.clone();
        int v = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            try (KvCache cache = model.newCache(64, DType.F32); Tensor logits = OPS.allocate(DType.F32, 1, v)) {
                model.prefill(cache, ids, logits);
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = dev.mm1j.model.generation.Sampler.argmax(logits.toFloatArray(), 0, v);
            }
        }
        return Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    @Test
    void greedyMatchesTheUncachedDefinitionAndStreams() {
        int[] prompt = {1, 7, 3, 30};
        List<Integer> streamed = new ArrayList<>();
        try (KvCache cache = model.newCache(64, DType.F32)) {
            GenerationResult r = gen.generate(cache, prompt, params(12, SamplingParams.greedy()), null, (id, text) -> streamed.add(id));
            assertArrayEquals(slowGreedy(prompt, 12), r.tokens());
            assertEquals(GenerationResult.StopReason.MAX_TOKENS, r.reason());
            assertEquals(11, r.decodeSteps(), "the last token needs no forward pass");
            assertEquals(13, streamed.size());
            assertEquals(-1, streamed.getLast());
            assertEquals(prompt.length + 11, cache.position());
        }
    }

    @Test
    void sameSeedSameOutput() {
        SamplingParams s = new SamplingParams(1.2f, 0, 1f, 0f, 1.1f, 0f, 0f, 64, 1234);
        int[] a, b, c;
        try (KvCache cache = model.newCache(64, DType.F32)) {
            a = gen.generate(cache, new int[] {1, 2}, params(20, s), null, null).tokens();
            cache.reset();
            b = gen.generate(cache, new int[] {1, 2}, params(20, s), null, null).tokens();
            cache.reset();
            c = gen.generate(cache, new int[] {1, 2}, params(20, new SamplingParams(1.2f, 0, 1f, 0f, 1.1f, 0f, 0f, 64, 99)), null, null).tokens();
        }
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void stopTokensAndContextFull() {
        int[] prompt = {1, 7, 3, 30};
        int[] greedy = slowGreedy(prompt, 8);
        try (KvCache cache = model.newCache(64, DType.F32)) {
            GenerationResult r = gen.generate(cache, prompt, params(8, SamplingParams.greedy(), greedy[3]), null, null);
            int firstStop = 0;
            while (greedy[firstStop] != greedy[3]) firstStop++;
            assertEquals(GenerationResult.StopReason.STOP_TOKEN, r.reason());
            assertArrayEquals(Arrays.copyOf(greedy, firstStop), r.tokens());
        }
        try (KvCache cache = model.newCache(6, DType.F32)) {
            GenerationResult r = gen.generate(cache, prompt, params(8, SamplingParams.greedy()), null, null);
            assertEquals(GenerationResult.StopReason.CONTEXT_FULL, r.reason());
            assertArrayEquals(Arrays.copyOf(greedy, 3), r.tokens(), "positions 4, 5 filled, a 3rd token sampled from the last");
            String e = assertThrows(Mm1jException.class, () -> gen.generate(cache, new int[] {1, 2, 3, 4, 5, 6, 7}, params(1, SamplingParams.greedy()), null, null)).getMessage();
            assertTrue(e.contains("the prompt has 7 tokens but the context holds 6"), e);
        }
    }

    @Test
    void aLongerPromptReusesTheCachedPrefix() {
        int[] turn1 = {1, 7, 3, 30};
        try (KvCache cache = model.newCache(64, DType.F32)) {
            GenerationResult r1 = gen.generate(cache, turn1, params(5, SamplingParams.greedy()), null, null);
            int[] turn2 = new int[turn1.length + r1.tokens().length + 2];
            System.arraycopy(turn1, 0, turn2, 0, turn1.length);
            System.arraycopy(r1.tokens(), 0, turn2, turn1.length, r1.tokens().length);
            turn2[turn2.length - 2] = 9;
            turn2[turn2.length - 1] = 11;
            GenerationResult r2 = gen.generate(cache, turn2, params(6, SamplingParams.greedy()), null, null);
            assertEquals(turn1.length + r1.tokens().length - 1, r2.reusedTokens(), "all but the last answer token (never fed) were cached");
            assertArrayEquals(slowGreedy(turn2, 6), r2.tokens());
        }
    }

    @Test
    void stopStringsCutTheText() {
        TextStream letters = new TextStream() {
            @Override
            public String step(int id) {
                return String.valueOf((char) ('a' + id % 26));
            }

            @Override
            public String flush() {
                return "";
            }
        };
        int[] prompt = {1, 7, 3, 30};
        int[] greedy = slowGreedy(prompt, 10);
        StringBuilder all = new StringBuilder();
        for (int t : greedy) all.append((char) ('a' + t % 26));
        String stop = all.substring(4, 6);
        StringBuilder shown = new StringBuilder();
        try (KvCache cache = model.newCache(64, DType.F32)) {
            GenerationResult r = gen.generate(cache, prompt, new GenerationParams(10, SamplingParams.greedy(), new int[0], List.of(stop)), letters,
                (id, text) -> shown.append(text));
            assertEquals(GenerationResult.StopReason.STOP_STRING, r.reason());
            assertEquals(all.substring(0, all.indexOf(stop)), r.text());
            assertEquals(r.text(), shown.toString());
        }
    }
}
