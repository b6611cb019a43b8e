package dev.mm1j.model.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids as they are generated, returning only text that is final: never half a UTF-8 character
 * (a token holding the first bytes of an emoji gives "" until the rest arrives), and with the spacing the
 * whole decode would have (SentencePiece's leading space is dropped only at the very start).
 *
 * <p>It keeps a short window of recent ids and decodes it with and without the new id, as the tokenizers
 * library's {@code DecodeStream} does, so it works with every decoder (byte-level, byte fallback,
 * meta-space, strip). Not thread-safe: one per generation.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private int[] ids = new int[16];
    private int size;
    private String prefix = "";
    /** ids[0..prefixIndex) decode to {@code prefix}; the ids after it are held back */
    private int prefixIndex;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds a generated id; returns the new complete text, or "" if there is none yet. */
    public String step(int id) {
        if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
        ids[size++] = id;
        String text = tokenizer.decode(ids, 0, size, skipSpecial);
        if (text.length() <= prefix.length() || text.endsWith(String.valueOf(Utf8.REPLACEMENT))) return "";
        if (!text.startsWith(prefix)) {
            throw new TokenizerException(tokenizer.source() + ": streaming decode: the text of the ids so far ("
                + text + ") does not extend the text already returned (" + prefix + ")");
        }
        String fresh = text.substring(prefix.length());
        // keep the ids that made the new text; they are the context the next id is decoded with
        int newPrefixIndex = size - prefixIndex;
        System.arraycopy(ids, prefixIndex, ids, 0, size - prefixIndex);
        size -= prefixIndex;
        prefix = tokenizer.decode(ids, 0, size, skipSpecial);
        prefixIndex = newPrefixIndex;
        return fresh;
    }

    /**
     * Ends the stream: returns the text still held back (incomplete bytes come out as U+FFFD), or "", and
     * starts afresh.
     */
    public String flush() {
        String text = tokenizer.decode(ids, 0, size, skipSpecial);
        String rest = text.length() > prefix.length() && text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        size = 0;
        prefix = "";
        prefixIndex = 0;
        return rest;
    }
}
