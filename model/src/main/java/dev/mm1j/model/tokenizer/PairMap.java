package dev.mm1j.model.tokenizer;

/**
 * The merge table: an open-addressing hash map from a pair of token ids (packed in a long) to the merge's
 * rank and the id of the merged token. Key and value share a cache line (interleaved in one array), since
 * lookups into a table of a few hundred thousand merges are mostly cache misses. Read-only after
 * construction, so safe to share between threads.
 */
final class PairMap {
    private static final long EMPTY = -1L;
    /** slot i: table[2i] = key, table[2i + 1] = rank << 32 | merged id */
    private final long[] table;
    private final int mask;
    private int size;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        table = new long[2 * cap];
        for (int i = 0; i < table.length; i += 2) table[i] = EMPTY;
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return (int) k;
    }

    /** Adds a merge; a pair already there is replaced (as the tokenizers library's hash map does). */
    void put(int left, int right, int rank, int mergedId) {
        if (size * 2 >= mask + 1) throw new IllegalStateException("PairMap is full");
        long k = key(left, right);
        int i = hash(k) & mask;
        while (table[2 * i] != EMPTY && table[2 * i] != k) i = (i + 1) & mask;
        if (table[2 * i] == EMPTY) size++;
        table[2 * i] = k;
        table[2 * i + 1] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** The slot of a pair, or -1 if the pair does not merge. */
    int find(int left, int right) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (true) {
            long x = table[2 * i];
            if (x == k) return i;
            if (x == EMPTY) return -1;
            i = (i + 1) & mask;
        }
    }

    int rank(int slot) {
        return (int) (table[2 * slot + 1] >>> 32);
    }

    int merged(int slot) {
        return (int) table[2 * slot + 1];
    }

    int size() {
        return size;
    }
}
