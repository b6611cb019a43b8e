package dev.mm1j.model.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a word becomes one symbol per character (or per byte, for byte-level words), then the
 * adjacent pair with the lowest merge rank is merged, leftmost first, until no pair merges. Characters
 * missing from the vocabulary become {@code <0xNN>} byte tokens (byte_fallback) or the unknown token
 * (consecutive ones fused with fuse_unk), or are dropped when there is neither, as in the tokenizers library.
 *
 * <p>Ranks need not be distinct: the SentencePiece form (merge the pair whose result scores highest) is the
 * same algorithm with every pair that makes a token ranked by that token's score.
 *
 * <p>Thread-safe: the tables are read-only and the word cache is concurrent.
 */
final class Bpe {
    private static final int CACHE_CAPACITY = 50_000;
    private static final int CACHE_MAX_WORD = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final PairMap merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final boolean byteFallback;
    /** single-character tokens of the BMP: char → id or -1 */
    private final int[] charIds = new int[0x10000];
    /** single-code-point tokens above the BMP */
    private final Map<Integer, Integer> supplementaryIds = new HashMap<>();
    /** byte → id of its byte-level character token, or -1 */
    private final int[] byteLevelIds = new int[256];
    /** byte → id of its {@code <0xNN>} token, or -1 (all -1 without byte_fallback) */
    private final int[] fallbackIds = new int[256];
    private final Map<String, int[]> charCache = new ConcurrentHashMap<>();
    private final Map<String, int[]> byteCache = new ConcurrentHashMap<>();

    /**
     * @param vocab        token → id
     * @param merges       pair → (rank, merged id)
     * @param unkId        the unknown token's id, or -1
     * @param byteFallback use {@code <0xNN>} tokens for characters missing from the vocabulary
     */
    Bpe(Map<String, Integer> vocab, PairMap merges, int unkId, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        idToToken = new String[max + 1];
        Arrays.fill(charIds, -1);
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String t = e.getKey();
            idToToken[e.getValue()] = t;
            if (t.length() == 1) charIds[t.charAt(0)] = e.getValue();
            else if (t.length() == 2 && t.codePointCount(0, 2) == 1) supplementaryIds.put(t.codePointAt(0), e.getValue());
        }
        for (int b = 0; b < 256; b++) {
            byteLevelIds[b] = charIds[ByteLevel.BYTE_TO_CHAR[b]];
            Integer f = byteFallback ? vocab.get(String.format("<0x%02X>", b)) : null;
            fallbackIds[b] = f == null ? -1 : f;
        }
    }

    /** The id of a token, or -1. */
    int tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    /** The token of an id, or null. */
    String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** One more than the largest id. */
    int size() {
        return idToToken.length;
    }

    /**
     * Appends the ids of one word.
     *
     * @param byteLevel the word stands for its byte-level form (each UTF-8 byte mapped to a character)
     */
    void encode(String word, boolean byteLevel, IntList out) {
        if (word.isEmpty()) return;
        Map<String, int[]> cache = byteLevel ? byteCache : charCache;
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = encodeUncached(word, byteLevel);
            if (word.length() < CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private int[] encodeUncached(String word, boolean byteLevel) {
        if (ignoreMerges) {
            Integer id = vocab.get(byteLevel ? ByteLevel.encode(word) : word);
            if (id != null) return new int[] {id};
        }
        IntList symbols = byteLevel ? byteSymbols(word) : charSymbols(word);
        return merge(symbols);
    }

    /** Initial symbols of a byte-level word: one per UTF-8 byte. */
    private IntList byteSymbols(String word) {
        byte[] bytes = Utf8.encode(word);
        IntList ids = new IntList(bytes.length);
        Unknown unk = new Unknown(ids);
        for (byte b : bytes) {
            int id = byteLevelIds[b & 0xFF];
            if (id >= 0) {
                unk.flush();
                ids.add(id);
            } else {
                unk.missing(String.valueOf(ByteLevel.BYTE_TO_CHAR[b & 0xFF]));
            }
        }
        unk.flush();
        return ids;
    }

    /** Initial symbols of a word: one per code point. */
    private IntList charSymbols(String word) {
        IntList ids = new IntList(word.length());
        Unknown unk = new Unknown(ids);
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            int n = Character.charCount(c);
            int id = n == 1 ? charIds[c] : supplementaryIds.getOrDefault(c, -1);
            if (id >= 0) {
                unk.flush();
                ids.add(id);
            } else {
                unk.missing(word.substring(i, i + n));
            }
            i += n;
        }
        unk.flush();
        return ids;
    }

    /** A character missing from the vocabulary: its byte tokens, else the unknown token (maybe fused), else nothing. */
    private final class Unknown {
        private final IntList ids;
        private boolean pending;

        Unknown(IntList ids) {
            this.ids = ids;
        }

        void missing(String ch) {
            byte[] bytes = Utf8.encode(ch);
            boolean all = byteFallback;
            for (byte b : bytes) all &= fallbackIds[b & 0xFF] >= 0;
            if (all) {
                flush();
                for (byte b : bytes) ids.add(fallbackIds[b & 0xFF]);
                return;
            }
            if (unkId < 0) return;
            if (pending && !fuseUnk) ids.add(unkId);
            pending = true;
        }

        void flush() {
            if (pending) ids.add(unkId);
            pending = false;
        }
    }

    /** Merges adjacent symbols, lowest rank first and leftmost among equal ranks. */
    private int[] merge(IntList symbols) {
        int n = symbols.size();
        int[] ids = symbols.toArray();
        if (n < 2) return ids;
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) push(heap, ids, i, i + 1);
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) continue;
            int slot = merges.find(ids[pos], ids[right]);
            if (slot < 0 || merges.rank(slot) != rank) continue; // stale: one side changed since it was queued
            ids[pos] = merges.merged(slot);
            ids[right] = -1;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            alive--;
            if (prev[pos] >= 0) push(heap, ids, prev[pos], pos);
            if (next[pos] >= 0) push(heap, ids, pos, next[pos]);
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) out[k++] = ids[i];
        return out;
    }

    private void push(LongHeap heap, int[] ids, int left, int right) {
        int slot = merges.find(ids[left], ids[right]);
        if (slot >= 0) heap.push(((long) merges.rank(slot) << 32) | left);
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }
}
