package dev.mm1j.model.tokenizer;

/**
 * The BPE results of recent words, looked up by a range of a string so that a hit allocates nothing.
 * Direct-mapped (a word replaces whatever was in its slot) and lock-free: entries are immutable and
 * published through a plain array store, which the final fields make safe to read from any thread.
 */
final class WordCache {
    private record Entry(String word, int hash, int[] ids) {}

    private final Entry[] slots;
    private final int mask;

    /** @param capacity slots (rounded up to a power of two); 0 disables the cache */
    WordCache(int capacity) {
        int n = capacity <= 0 ? 0 : Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        slots = new Entry[n];
        mask = n - 1;
    }

    static int hash(String s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + s.charAt(i);
        return h ^ (h >>> 16);
    }

    /** The ids of {@code s[start, end)} (whose {@link #hash} is {@code h}), or null. */
    int[] get(String s, int start, int end, int h) {
        if (slots.length == 0) return null;
        Entry e = slots[h & mask];
        if (e == null || e.hash != h || e.word.length() != end - start || !e.word.regionMatches(0, s, start, end - start)) return null;
        return e.ids;
    }

    void put(String word, int h, int[] ids) {
        if (slots.length > 0) slots[h & mask] = new Entry(word, h, ids);
    }
}
