package dev.mm1j.model.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The added tokens of tokenizer.json ("added_tokens"): special tokens such as {@code <|begin_of_text|>} and
 * extra tokens such as {@code <tool_call>}, found in the text before it is normalized and split, as the
 * tokenizers library does it:
 * <ol>
 *   <li>tokens with {@code normalized: false} are matched in the raw text (leftmost, then longest);</li>
 *   <li>the text between them is normalized, and tokens with {@code normalized: true} (their content
 *       normalized too) are matched in it;</li>
 *   <li>{@code single_word} tokens match only between non-word characters; {@code lstrip} / {@code rstrip}
 *       tokens swallow the white space on their left / right.</li>
 * </ol>
 * Matching does not depend on whether special tokens are added: {@code addSpecial} only controls the
 * post-processor (BOS). Special tokens can be left unrecognised in literal spans of the text (user content).
 */
final class AddedTokens {

    /** One added token with its tokenizer.json flags. */
    record Token(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized) {}

    /** Receives the text between added tokens and the added tokens, in order. */
    interface Sink {
        /** Text to normalize (already normalized when it comes from step 2), split and encode by the model. */
        void text(String normalizedText, boolean atStart);

        void token(int id);
    }

    private final List<Token> tokens;
    private final Normalizer normalizer;
    private final Trie raw;
    private final Trie normalizedTrie;

    AddedTokens(List<Token> tokens, Normalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        this.normalizer = normalizer;
        raw = new Trie();
        normalizedTrie = new Trie();
        for (int i = 0; i < this.tokens.size(); i++) {
            Token t = this.tokens.get(i);
            if (t.content().isEmpty()) continue;
            if (t.normalized()) normalizedTrie.add(normalizer == null ? t.content() : normalizer.normalize(t.content()), i);
            else raw.add(t.content(), i);
        }
    }

    List<Token> tokens() {
        return tokens;
    }

    /** Splits the text into added tokens and normalized text pieces. */
    void split(String text, Sink sink) {
        split(text, sink, null);
    }

    /**
     * As {@link #split(String, Sink)}, except that special tokens are not recognised where they overlap a literal
     * span: {@code literal} holds sorted, disjoint pairs [start, end) of chars of {@code text} (null: none), and
     * a special token there stays text, as the tokenizers library does for the whole text with
     * {@code encode_special_tokens} (a skipped match is not searched again for other tokens). Added tokens that
     * are not special are recognised everywhere. A {@code normalized} special token is matched after
     * normalization, where offsets no longer map to the text: it is not recognised in a piece between raw
     * matches that touches a literal span at all.
     */
    void split(String text, Sink sink, int[] literal) {
        if (raw.isEmpty() && normalizedTrie.isEmpty()) {
            sink.text(normalize(text), true);
            return;
        }
        find(text, 0, raw, literal, false, new Pieces() {
            @Override
            public void text(String piece, int at, boolean atStart) {
                String n = normalize(piece);
                if (normalizedTrie.isEmpty()) sink.text(n, atStart);
                else find(n, 0, normalizedTrie, null, overlaps(literal, at, at + piece.length()), new Pieces() {
                    @Override
                    public void text(String normalizedPiece, int unused, boolean start) {
                        sink.text(normalizedPiece, start);
                    }

                    @Override
                    public void token(int id) {
                        sink.token(id);
                    }
                }, atStart);
            }

            @Override
            public void token(int id) {
                sink.token(id);
            }
        }, true);
    }

    /** Text pieces with their offset in the string searched. */
    private interface Pieces {
        void text(String piece, int at, boolean atStart);

        void token(int id);
    }

    /** Whether [from, to) overlaps a span of {@code literal} (sorted pairs; null: none). */
    static boolean overlaps(int[] literal, int from, int to) {
        if (literal == null) return false;
        for (int i = 0; i + 1 < literal.length; i += 2) {
            if (literal[i] >= to) return false;
            if (literal[i + 1] > from && literal[i] < literal[i + 1]) return true;
        }
        return false;
    }

    private String normalize(String s) {
        return normalizer == null ? s : normalizer.normalize(s);
    }

    /**
     * Cuts {@code s} at the matches of the trie; text pieces go to sink.text (atStart for a piece at 0). Special
     * tokens are skipped when {@code noSpecials} or where they overlap {@code literal} (offsets in {@code s} + base).
     */
    private void find(String s, int base, Trie trie, int[] literal, boolean noSpecials, Pieces sink, boolean atStart) {
        int done = 0; // end of the last piece given to the sink
        int i = 0;
        while (i < s.length()) {
            long m = trie.longestAt(s, i);
            if (m < 0) {
                i++;
                continue;
            }
            int end = (int) (m >>> 32), index = (int) m;
            Token t = tokens.get(index);
            int start = i;
            i = end; // matches never overlap, even a discarded one
            if (t.special() && (noSpecials || overlaps(literal, base + start, base + end))) continue;
            if (t.singleWord()) {
                boolean wordBefore = start > 0 && Chars.isWordChar(s.codePointBefore(start));
                boolean wordAfter = end < s.length() && Chars.isWordChar(s.codePointAt(end));
                if (wordBefore || wordAfter) continue;
            }
            if (t.lstrip()) {
                int j = start;
                while (j > done && Chars.isWhiteSpace(s.codePointBefore(j))) j -= Character.charCount(s.codePointBefore(j));
                start = j;
            }
            if (t.rstrip()) {
                while (end < s.length() && Chars.isWhiteSpace(s.codePointAt(end))) end += Character.charCount(s.codePointAt(end));
                i = end;
            }
            if (done < start) sink.text(s.substring(done, start), base + done, atStart && done == 0);
            sink.token(t.id());
            done = end;
        }
        if (done < s.length() || s.isEmpty()) sink.text(done == 0 ? s : s.substring(done), base + done, atStart && done == 0);
    }

    /** A character trie over the token contents. */
    private static final class Trie {
        private final Node root = new Node();
        /** bit c set: some token starts with char c (skips the trie walk at most positions) */
        private final long[] first = new long[1024];
        private boolean empty = true;

        boolean isEmpty() {
            return empty;
        }

        void add(String content, int index) {
            Node n = root;
            for (int i = 0; i < content.length(); i++) n = n.child(content.charAt(i), true);
            if (n.token < 0) n.token = index; // the first of duplicate contents wins
            first[content.charAt(0) >>> 6] |= 1L << content.charAt(0);
            empty = false;
        }

        /** (end << 32 | token index) of the longest token starting at {@code i}, or -1. */
        long longestAt(String s, int i) {
            char c = s.charAt(i);
            if ((first[c >>> 6] & (1L << c)) == 0) return -1;
            Node n = root;
            long best = -1;
            for (int j = i; j < s.length(); j++) {
                n = n.child(s.charAt(j), false);
                if (n == null) break;
                if (n.token >= 0) best = ((long) (j + 1) << 32) | n.token;
            }
            return best;
        }
    }

    private static final class Node {
        char[] keys = new char[0];
        Node[] kids = new Node[0];
        int token = -1;

        Node child(char c, boolean create) {
            int k = Arrays.binarySearch(keys, c);
            if (k >= 0) return kids[k];
            if (!create) return null;
            int at = -k - 1;
            char[] nk = new char[keys.length + 1];
            Node[] nn = new Node[kids.length + 1];
            System.arraycopy(keys, 0, nk, 0, at);
            System.arraycopy(kids, 0, nn, 0, at);
            nk[at] = c;
            nn[at] = new Node();
            System.arraycopy(keys, at, nk, at + 1, keys.length - at);
            System.arraycopy(kids, at, nn, at + 1, kids.length - at);
            keys = nk;
            kids = nn;
            return nn[at];
        }
    }
}
