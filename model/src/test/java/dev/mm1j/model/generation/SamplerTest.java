package dev.mm1j.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static SamplingParams params(float temp, int topK, float topP, float minP, long seed) {
        return new SamplingParams(temp, topK, topP, minP, 1f, 0f, 0f, 64, seed);
    }

    @Test
    void greedyTakesTheLowestIdOfTies() {
        Sampler s = new Sampler(SamplingParams.greedy(), 4);
        assertEquals(1, s.sample(new float[] {0f, 3f, 3f, -1f}, 0));
        assertEquals(1, new Sampler(SamplingParams.greedy(), 4).sample(new float[] {9f, 0f, 1f, 5f, 2f, -3f}, 2), "row [1, 5, 2, -3] at offset 2");
    }

    @Test
    void sameSeedSameTokensAndFiltersDegenerateToGreedy() {
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.sin(i * 1.7) * 3;
        int[] a = draw(new Sampler(params(1f, 0, 1f, 0f, 7), 100), logits, 50);
        int[] b = draw(new Sampler(params(1f, 0, 1f, 0f, 7), 100), logits, 50);
        int[] c = draw(new Sampler(params(1f, 0, 1f, 0f, 8), 100), logits, 50);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertTrue(!java.util.Arrays.equals(a, c), "another seed draws other tokens");
        int best = Sampler.argmax(logits, 0, 100);
        for (int t : draw(new Sampler(params(1f, 1, 1f, 0f, 3), 100), logits, 20)) assertEquals(best, t, "top-k 1");
        for (int t : draw(new Sampler(params(1f, 0, 1e-6f, 0f, 3), 100), logits, 20)) assertEquals(best, t, "top-p tiny");
        for (int t : draw(new Sampler(params(1f, 0, 1f, 1f, 3), 100), logits, 20)) assertEquals(best, t, "min-p 1");
    }

    @Test
    void drawsFollowTheDistribution() {
        // probabilities 0.5, 0.3, 0.2 at temperature 1; at temperature 0.5 they become ∝ p²
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        assertFrequencies(new Sampler(params(1f, 0, 1f, 0f, 11), 3), logits, new double[] {0.5, 0.3, 0.2});
        double z = 0.25 + 0.09 + 0.04;
        assertFrequencies(new Sampler(params(0.5f, 0, 1f, 0f, 12), 3), logits, new double[] {0.25 / z, 0.09 / z, 0.04 / z});
        // top-k 2 renormalises the two best: 0.5/0.8, 0.3/0.8
        assertFrequencies(new Sampler(params(1f, 2, 1f, 0f, 13), 3), logits, new double[] {0.625, 0.375, 0});
        // top-p 0.7: 0.5 < 0.7 so the second is needed, the third is not
        assertFrequencies(new Sampler(params(1f, 0, 0.7f, 0f, 14), 3), logits, new double[] {0.625, 0.375, 0});
        // min-p 0.5: keeps tokens with p >= 0.25 (0.5 and 0.3)
        assertFrequencies(new Sampler(params(1f, 0, 1f, 0.5f, 15), 3), logits, new double[] {0.625, 0.375, 0});
    }

    @Test
    void penaltiesActOnTheWindow() {
        SamplingParams rep = new SamplingParams(0f, 0, 1f, 0f, 1.5f, 0f, 0f, 2, 0);
        Sampler s = new Sampler(rep, 3);
        s.accept(0);
        assertEquals(1, s.sample(new float[] {2f, 1.5f, -1f}, 0), "2/1.5 < 1.5");
        Sampler neg = new Sampler(rep, 3);
        neg.accept(0);
        assertEquals(1, neg.sample(new float[] {-1f, -1.2f, -5f}, 0), "-1·1.5 < -1.2");
        s.accept(2);
        s.accept(2); // window of 2: token 0 left it
        assertEquals(0, s.sample(new float[] {2f, 1.5f, -1f}, 0));

        Sampler pres = new Sampler(new SamplingParams(0f, 0, 1f, 0f, 1f, 0.6f, 0f, -1, 0), 2);
        pres.acceptAll(new int[] {0, 0, 0});
        assertEquals(1, pres.sample(new float[] {1f, 0.5f}, 0), "presence: 1 - 0.6 < 0.5");
        Sampler freq = new Sampler(new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0.2f, -1, 0), 2);
        freq.acceptAll(new int[] {0, 0});
        float[] l = {1f, 0.5f};
        assertEquals(0, freq.sample(l, 0), "1 - 2·0.2 = 0.6 > 0.5");
        assertEquals(0.6f, l[0], 1e-6f);
        freq.accept(0);
        assertEquals(1, freq.sample(new float[] {1f, 0.5f}, 0), "1 - 3·0.2 = 0.4 < 0.5");
    }

    @Test
    void invalidParameters() {
        assertThrows(Mm1jException.class, () -> params(-1f, 0, 1f, 0f, 0));
        assertThrows(Mm1jException.class, () -> params(1f, -2, 1f, 0f, 0));
        assertThrows(Mm1jException.class, () -> params(1f, 0, 0f, 0f, 0));
        assertThrows(Mm1jException.class, () -> params(1f, 0, 1f, 1.5f, 0));
        assertTrue(assertThrows(Mm1jException.class, () -> new SamplingParams(1f, 0, 1f, 0f, 0f, 0f, 0f, 64, 0)).getMessage().contains("repeat-penalty"));
    }

    static int[] draw(Sampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits.clone(), 0);
        return out;
    }

    static void assertFrequencies(Sampler s, float[] logits, double[] want) {
        int n = 20000;
        int[] counts = new int[want.length];
        for (int i = 0; i < n; i++) counts[s.sample(logits.clone(), 0)]++;
        for (int i = 0; i < want.length; i++) {
            double f = counts[i] / (double) n, sigma = Math.sqrt(want[i] * (1 - want[i]) / n);
            assertTrue(Math.abs(f - want[i]) <= 5 * sigma + 1e-9, "token " + i + ": frequency " + f + ", expected " + want[i]);
        }
    }
}
