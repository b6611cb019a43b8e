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

    @Test
    void tinyTemperaturesAreGreedy() {
        // 1e-40 passes the API's [0, 2] check; 1/T used to overflow to infinity and every draw gave the last id
        float[] logits = {0.5f, 3f, -1f, 2.9f, 0f};
        for (float t : new float[] {Float.MIN_VALUE, 1e-40f, 1e-30f, 1e-6f, Math.nextDown(SamplingParams.GREEDY_BELOW)}) {
            SamplingParams p = params(t, 0, 1f, 0f, 5);
            assertTrue(p.isGreedy(), "T=" + t);
            for (int i = 0; i < 20; i++) assertEquals(1, new Sampler(p, 5).sample(logits.clone(), 0), "T=" + t);
        }
        assertTrue(!params(SamplingParams.GREEDY_BELOW, 0, 1f, 0f, 5).isGreedy());
        // just above the threshold: the logits are multiplied by 1e5 and the best token still wins every draw
        Sampler s = new Sampler(params(SamplingParams.GREEDY_BELOW, 0, 1f, 0f, 5), 5);
        for (int i = 0; i < 200; i++) assertEquals(1, s.sample(logits.clone(), 0));
    }

    @Test
    void nonFiniteLogitsFallBackToArgmaxWithoutNaN() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY, ninf = Float.NEGATIVE_INFINITY;
        assertEquals(2, Sampler.argmax(new float[] {nan, 1f, 4f, nan, 4f}, 0, 5), "NaN never wins; ties to the lowest id");
        assertEquals(0, Sampler.argmax(new float[] {nan, nan}, 0, 2), "all NaN: id 0, still in range");
        assertEquals(1, Sampler.argmax(new float[] {ninf, inf, nan}, 0, 3));
        assertEquals(0, Sampler.argmax(new float[] {ninf, ninf}, 0, 2));
        SamplingParams p = params(0.8f, 40, 0.95f, 0.05f, 1);
        assertEquals(3, new Sampler(p, 4).sample(new float[] {1f, nan, 2f, 3f}, 0));
        assertEquals(2, new Sampler(p, 4).sample(new float[] {1f, 0f, inf, 3f}, 0));
        assertEquals(0, new Sampler(p, 3).sample(new float[] {ninf, ninf, ninf}, 0));
        // -infinity alone is a masked token, not a failure: the draw happens among the others
        int[] drawn = draw(new Sampler(params(1f, 0, 1f, 0f, 9), 3), new float[] {ninf, 0f, 0f}, 200);
        for (int t : drawn) assertTrue(t == 1 || t == 2, "masked token drawn");
        // huge logits overflow once divided by a small temperature: argmax instead of NaN probabilities
        assertEquals(1, new Sampler(params(1e-4f, 0, 1f, 0f, 9), 3).sample(new float[] {3e38f, Float.MAX_VALUE, -3e38f}, 0));
    }

    /** Random parameters (extremes included) on random logits (NaN, infinities, subnormals, huge values included). */
    @Test
    void fuzzedSamplerNeverPicksNaNNorAnIdOutOfRange() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(20240916);
        float[] temps = {0f, Float.MIN_VALUE, 1e-40f, 1e-20f, 1e-6f, 1e-5f, 1e-4f, 0.01f, 0.7f, 1f, 2f, 100f, 1e30f, Float.MAX_VALUE};
        float[] topPs = {Float.MIN_VALUE, 1e-30f, 1e-6f, 0.5f, 0.95f, Math.nextDown(1f), 1f};
        float[] minPs = {0f, Float.MIN_VALUE, 1e-30f, 0.05f, 0.5f, 1f};
        float[] reps = {Float.MIN_VALUE, 1e-30f, 0.5f, 1f, 1.3f, 1e30f, Float.MAX_VALUE};
        float[] pens = {-Float.MAX_VALUE, -2f, -Float.MIN_VALUE, 0f, 1e-45f, 2f, 1e30f, Float.MAX_VALUE};
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f,
            Float.MAX_VALUE, -Float.MAX_VALUE, 0f, -0f, 88.8f, -104f};
        int cases = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int vocab = new int[] {1, 2, 3, 17, 100, 1000}[rnd.nextInt(6)];
            int topK = new int[] {0, 1, 2, vocab - 1, vocab, vocab + 5, Integer.MAX_VALUE}[rnd.nextInt(7)];
            SamplingParams p = new SamplingParams(temps[rnd.nextInt(temps.length)], Math.max(0, topK), topPs[rnd.nextInt(topPs.length)],
                minPs[rnd.nextInt(minPs.length)], reps[rnd.nextInt(reps.length)], pens[rnd.nextInt(pens.length)], pens[rnd.nextInt(pens.length)],
                new int[] {-1, 0, 1, 64}[rnd.nextInt(4)], rnd.nextLong());
            Sampler s = new Sampler(p, vocab);
            int style = rnd.nextInt(4);
            for (int step = 0; step < 8; step++) {
                int offset = rnd.nextInt(3);
                float[] logits = new float[offset + vocab + rnd.nextInt(3)];
                boolean anyNumber = false;
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = switch (style) {
                        case 0 -> (float) rnd.nextGaussian() * 5;
                        case 1 -> rnd.nextInt(10) == 0 ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextGaussian() * 30;
                        case 2 -> specials[rnd.nextInt(specials.length)];
                        default -> (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(80) - 40));
                    };
                }
                float[] original = logits.clone();
                for (int i = offset; i < offset + vocab; i++) anyNumber |= !Float.isNaN(original[i]);
                int id = s.sample(logits, offset);
                java.util.function.Supplier<String> what = () -> p + " on " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(original, offset, offset + vocab));
                assertTrue(id >= 0 && id < vocab, () -> "id " + id + " out of [0, " + vocab + "): " + what.get());
                if (anyNumber) assertTrue(!Float.isNaN(original[offset + id]), () -> "a NaN logit was picked: " + what.get());
                if (p.isGreedy() && p.penaltyLastN() == 0) assertEquals(Sampler.argmax(original, offset, vocab), id, what);
                s.accept(rnd.nextInt(2) == 0 ? id : rnd.nextInt(vocab + 2) - 1); // out-of-range tokens are ignored
                cases++;
            }
        }
        assertEquals(24000, cases);
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
