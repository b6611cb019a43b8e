package dev.mm1j.tests.kit;

import java.util.SplittableRandom;

/** Seeded test data: the same seed gives the same values on every JVM. */
public final class Data {
    private final SplittableRandom random;

    public Data(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** {@code n} standard normal values. */
    public float[] normal(int n) {
        return normal(n, 0, 1);
    }

    /** {@code n} normal values with the given mean and standard deviation. */
    public float[] normal(int n, double mean, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + std * random.nextGaussian());
        return v;
    }

    /** {@code n} values uniform in [lo, hi). */
    public float[] uniform(int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextDouble(lo, hi);
        return v;
    }

    /** {@code n} values drawn from {@code levels} small integers (−levels/2 ..), so that many are equal. */
    public float[] ties(int n, int levels) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = random.nextInt(levels) - levels / 2;
        return v;
    }

    /** {@code n} ints in [0, bound). */
    public int[] ints(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = random.nextInt(bound);
        return v;
    }

    /** {@code x} times {@code s}, elementwise (a new array). */
    public static float[] scaled(float[] x, float s) {
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i++) v[i] = x[i] * s;
        return v;
    }
}
