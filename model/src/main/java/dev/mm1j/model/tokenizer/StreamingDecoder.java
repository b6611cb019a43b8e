package dev.mm1j.model.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids as they are generated, returning only text that is final: never half a UTF-8 character
 * (a token holding the first bytes of an emoji gives "" until the rest arrives), and with the spacing the
 * whole decode would have (SentencePiece's leading space is dropped only at the very start).
 *
 * <p>It keeps a short window of recent ids and decodes it with and without the new id, as the tokenizers
 * library's {@code DecodeStream} does, so it works with every decoder (byte-level, byte fallback,
 * meta-space, strip). The window is bounded, so every step costs the same: text is held back while it ends in
 * U+FFFD (a character whose last bytes may still come) or does not grow, but for at most {@link #MAX_HELD} ids —
 * no UTF-8 character needs more (at most 4 bytes, each id giving at least one). Past that the held ids are
 * given out as they decode (U+FFFD for bytes that never formed a character). Not thread-safe: one per
 * generation.
 */
public final class StreamingDecoder {
    /** Ids held back at most while their text is incomplete (ends in U+FFFD) or empty. */
    static final int MAX_HELD = 8;

    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    /** the window: ids[0, prefixIndex) decode to {@code prefix} (given out already), ids[prefixIndex, size) are held */
    private final int[] ids = new int[2 * MAX_HELD + 2];
    private int size;
    private String prefix = "";
    private int prefixIndex;
    /** ids decoded so far (for the tests: linear in the ids stepped) */
    long decodedIds;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds a generated id; returns the new complete text, or "" if there is none yet. */
    public String step(int id) {
        ids[size++] = id;
        String text = decode(0, size);
        int held = size - prefixIndex;
        boolean incomplete = text.length() <= prefix.length() || text.endsWith(String.valueOf(Utf8.REPLACEMENT));
        if (incomplete && held < MAX_HELD) return "";
        String fresh;
        if (text.startsWith(prefix)) {
            fresh = text.substring(prefix.length());
        } else {
            // the held ids changed text given out already: bytes that never formed a character (a byte-fallback run
            // with an invalid byte turns into U+FFFD as a whole); give the held ids' own text and go on from them
            fresh = decode(prefixIndex, size);
        }
        // the ids of this chunk become the context the next id is decoded with
        System.arraycopy(ids, prefixIndex, ids, 0, held);
        size = held;
        prefixIndex = held;
        prefix = decode(0, size);
        return fresh;
    }

    /**
     * Ends the stream: returns the text still held back (incomplete bytes come out as U+FFFD), or "", and
     * starts afresh.
     */
    public String flush() {
        String text = decode(0, size);
        String rest = text.length() > prefix.length() && text.startsWith(prefix) ? text.substring(prefix.length())
            : text.startsWith(prefix) ? "" : decode(prefixIndex, size);
        size = 0;
        prefix = "";
        prefixIndex = 0;
        return rest;
    }

    private String decode(int from, int to) {
        decodedIds += to - from;
        return tokenizer.decode(ids, from, to, skipSpecial);
    }

    @Override
    public String toString() {
        return "StreamingDecoder[" + Arrays.toString(Arrays.copyOf(ids, size)) + ", held from " + prefixIndex + "]";
    }
}
