package dev.mm1j.model.tokenizer;

import java.util.Arrays;

/**
 * The merge table: an open-addressing hash map from a pair of token ids (packed in a long) to the merge's
 * rank and the id of the merged token. Read-only after construction, so safe to share between threads.
 */
final class PairMap {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;
    private int size;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, EMPTY);
        ranks = new int[cap];
        merged = new int[cap];
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
        if (size * 2 >= keys.length) throw new IllegalStateException("PairMap is full");
        long k = key(left, right);
        int i = hash(k) & mask;
        while (keys[i] != EMPTY && keys[i] != k) i = (i + 1) & mask;
        if (keys[i] == EMPTY) size++;
        keys[i] = k;
        ranks[i] = rank;
        merged[i] = mergedId;
    }

    /** The slot of a pair, or -1 if the pair does not merge. */
    int find(int left, int right) {
        long k = key(left, right);
        int i = hash(k) & mask;
        while (true) {
            long x = keys[i];
            if (x == k) return i;
            if (x == EMPTY) return -1;
            i = (i + 1) & mask;
        }
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int merged(int slot) {
        return merged[slot];
    }

    int size() {
        return size;
    }
}
