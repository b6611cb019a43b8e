package dev.mm1j.cpu.simd;

/**
 * Per-thread scratch arrays that grow to the largest size asked for and are then reused, so that steady
 * state (e.g. decoding token after token) allocates nothing. Each pool thread owns one {@code Scratch}
 * (indexed by the worker number a {@link dev.mm1j.cpu.Parallel.Body} receives); slots keep unrelated
 * buffers of one kernel apart.
 */
final class Scratch {
    static final int SLOTS = 6;

    private final float[][] floats = new float[SLOTS][];
    private final long[][] longs = new long[2][];

    /** A float array of at least {@code n} elements in {@code slot} (contents unspecified). */
    float[] floats(int slot, int n) {
        float[] a = floats[slot];
        if (a == null || a.length < n) {
            // round up so that slowly growing sizes (a KV cache) do not reallocate every step
            a = new float[Math.max(n, a == null ? 0 : Math.min(Integer.MAX_VALUE - 64, a.length + (a.length >> 1)))];
            floats[slot] = a;
        }
        return a;
    }

    /** A long array of at least {@code n} elements in {@code slot} (0 or 1). */
    long[] longs(int slot, int n) {
        long[] a = longs[slot];
        if (a == null || a.length < n) longs[slot] = a = new long[n];
        return a;
    }

    /** Scratch for every thread of a pool of {@code threads}. */
    static Scratch[] forThreads(int threads) {
        Scratch[] s = new Scratch[threads];
        for (int i = 0; i < threads; i++) s[i] = new Scratch();
        return s;
    }
}
