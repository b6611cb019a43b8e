package dev.mm1j.model.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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
    /** Slots of the word cache (system property {@code mm1j.tokenizer.cache}; 0 turns it off). */
    private static final int CACHE_CAPACITY = Integer.getInteger("mm1j.tokenizer.cache", 1 << 16);
    private static final int CACHE_MAX_WORD = 256;
    /** Words of up to this many symbols merge with a plain scan instead of a heap. */
    private static final int SMALL = 48;

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
    private final WordCache charCache = new WordCache(CACHE_CAPACITY);
    private final WordCache byteCache = new WordCache(CACHE_CAPACITY);
    /** pieces of long words, which ignore_merges does not apply to (used only with ignore_merges) */
    private final WordCache byteChunkCache;
    private final WordCache charChunkCache;
    private volatile PairMap bigrams;

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
        byteChunkCache = new WordCache(ignoreMerges ? CACHE_CAPACITY : 0);
        charChunkCache = new WordCache(ignoreMerges ? CACHE_CAPACITY : 0);
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
    void encode(String text, int start, int end, boolean byteLevel, IntList out) {
        if (start >= end) return;
        if (end - start >= CACHE_MAX_WORD) encodeLong(text, start, end, byteLevel, out);
        else encodeCached(text, start, end, byteLevel, ignoreMerges, out);
    }

    private void encodeCached(String text, int start, int end, boolean byteLevel, boolean wholeWord, IntList out) {
        WordCache cache = !wholeWord && ignoreMerges ? (byteLevel ? byteChunkCache : charChunkCache) : byteLevel ? byteCache : charCache;
        int h = WordCache.hash(text, start, end);
        int[] ids = cache.get(text, start, end, h);
        if (ids == null) {
            String word = text.substring(start, end);
            ids = encodeUncached(word, byteLevel, wholeWord);
            cache.put(word, h, ids);
        }
        out.addAll(ids);
    }

    /**
     * A long word (SentencePiece-style tokenizers have no pre-tokenizer: a whole paragraph is one word) is
     * cut where no merge can ever join the two sides (no vocabulary entry holds that pair of characters),
     * and the pieces, which merge independently, are encoded (and cached) one by one. Same ids, much faster.
     */
    private void encodeLong(String text, int start, int end, boolean byteLevel, IntList out) {
        if (ignoreMerges) {
            Integer id = vocab.get(byteLevel ? ByteLevel.encode(text.substring(start, end)) : text.substring(start, end));
            if (id != null) {
                out.add(id);
                return;
            }
        }
        PairMap pairs = bigrams();
        int piece = start;
        int left = text.codePointAt(start);
        for (int p = start + Character.charCount(left); p < end; ) {
            int right = text.codePointAt(p);
            if (!joinable(left, right, byteLevel, pairs)) {
                encodePiece(text, piece, p, byteLevel, out);
                piece = p;
            }
            left = right;
            p += Character.charCount(right);
        }
        encodePiece(text, piece, end, byteLevel, out);
    }

    private void encodePiece(String text, int start, int end, boolean byteLevel, IntList out) {
        if (end - start < CACHE_MAX_WORD) encodeCached(text, start, end, byteLevel, false, out);
        else out.addAll(encodeUncached(text.substring(start, end), byteLevel, false));
    }

    /** Whether some token could span the boundary between two characters of a word. */
    private boolean joinable(int left, int right, boolean byteLevel, PairMap pairs) {
        if (byteLevel) {
            int lb = left < 0x80 ? left : 0x80 | (left & 0x3F);
            int rb = right < 0x80 ? right : right < 0x800 ? 0xC0 | (right >> 6) : right < 0x10000 ? 0xE0 | (right >> 12) : 0xF0 | (right >> 18);
            if (byteLevelIds[lb] < 0 || byteLevelIds[rb] < 0) return true; // unknown bytes: be safe
            return pairs.find(ByteLevel.BYTE_TO_CHAR[lb], ByteLevel.BYTE_TO_CHAR[rb]) >= 0;
        }
        if (symbolOf(left) < 0 || symbolOf(right) < 0) return true; // byte fallback or unknown: be safe
        return pairs.find(left, right) >= 0;
    }

    private int symbolOf(int c) {
        return c < 0x10000 ? charIds[c] : supplementaryIds.getOrDefault(c, -1);
    }

    /** Every pair of adjacent code points inside a vocabulary entry (built when first needed). */
    private PairMap bigrams() {
        PairMap b = bigrams;
        if (b != null) return b;
        synchronized (this) {
            if (bigrams == null) {
                java.util.Set<Long> seen = new java.util.HashSet<>();
                for (String t : idToToken) {
                    if (t == null) continue;
                    int prev = -1;
                    for (int i = 0; i < t.length(); ) {
                        int c = t.codePointAt(i);
                        if (prev >= 0) seen.add(((long) prev << 32) | c);
                        prev = c;
                        i += Character.charCount(c);
                    }
                }
                PairMap m = new PairMap(Math.max(4, seen.size()));
                for (long k : seen) m.put((int) (k >>> 32), (int) k, 0, 0);
                bigrams = m;
            }
            return bigrams;
        }
    }

    private int[] encodeUncached(String word, boolean byteLevel, boolean wholeWord) {
        IntList symbols = byteLevel ? byteSymbols(word) : charSymbols(word);
        int[] ids = symbols.size() <= SMALL ? mergeSmall(symbols.toArray()) : merge(symbols);
        if (ignoreMerges && wholeWord && ids.length > 1) {
            // ignore_merges: a word that is a token is that token (checked after merging: when the merges
            // give one token, it is that token anyway, and the lookup is the slower step)
            Integer id = vocab.get(byteLevel ? ByteLevel.encode(word) : word);
            if (id != null) return new int[] {id};
        }
        return ids;
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

    /** {@link #merge} for short words: the pair ranks in an array, scanned for the lowest. */
    private int[] mergeSmall(int[] ids) {
        int n = ids.length;
        int[] ranks = new int[Math.max(0, n - 1)];
        for (int i = 0; i + 1 < n; i++) ranks[i] = rankOf(ids[i], ids[i + 1]);
        while (n > 1) {
            int best = 0;
            for (int i = 1; i < n - 1; i++) if (ranks[i] < ranks[best]) best = i;
            if (ranks[best] == Integer.MAX_VALUE) break;
            ids[best] = merges.merged(merges.find(ids[best], ids[best + 1]));
            System.arraycopy(ids, best + 2, ids, best + 1, n - best - 2);
            System.arraycopy(ranks, best + 1, ranks, best, n - best - 2);
            n--;
            if (best > 0) ranks[best - 1] = rankOf(ids[best - 1], ids[best]);
            if (best < n - 1) ranks[best] = rankOf(ids[best], ids[best + 1]);
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    private int rankOf(int left, int right) {
        int slot = merges.find(left, right);
        return slot < 0 ? Integer.MAX_VALUE : merges.rank(slot);
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
