package dev.mm1j.model.tokenizer;

import java.util.List;

/**
 * A tokenizer.json "pre_tokenizer": splits a normalized piece of text into the words the model encodes
 * one by one. Pieces are pushed to a {@link Sink}, in order, never empty.
 */
sealed interface PreTokenizer {

    /** Receives pieces. */
    interface Sink {
        /**
         * @param text      holds the piece at {@code [start, end)}
         * @param atStart   the piece starts at the beginning of the input text (Metaspace's "first" scheme)
         * @param byteLevel the piece stands for its byte-level form (bytes mapped to characters), which is
         *                  built only if a later step needs the characters
         */
        void accept(String text, int start, int end, boolean atStart, boolean byteLevel);
    }

    /** Splits {@code text[start, end)}; the flags are those of {@link Sink#accept}. */
    void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out);

    /** The byte-level form of a range (for steps that need the characters). */
    private static String materialize(String text, int start, int end) {
        byte[] b = Utf8.encode(text, start, end);
        return ByteLevel.encode(b, 0, b.length);
    }

    /** Applies each in order, each to every piece the one before it made. */
    record Sequence(List<PreTokenizer> items) implements PreTokenizer {
        @Override
        public void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            if (items.isEmpty()) out.accept(text, start, end, atStart, byteLevel);
            else stage(0, text, start, end, atStart, byteLevel, out);
        }

        private void stage(int i, String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            if (i == items.size() - 1) items.get(i).split(text, start, end, atStart, byteLevel, out);
            else items.get(i).split(text, start, end, atStart, byteLevel, (t, s, e, a, b) -> stage(i + 1, t, s, e, a, b, out));
        }
    }

    /** How Split treats the matches of its pattern. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior parse(String s) {
            return switch (s) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> null;
            };
        }
    }

    /** Splits on the matches of a pattern; {@code invert} splits on what does not match instead. */
    record Split(Finder pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            if (byteLevel) {
                text = materialize(text, start, end);
                start = 0;
                end = text.length();
            }
            IntList spans = new IntList();
            pattern.find(text, start, end, spans);
            splitOn(text, start, end, spans, behavior, invert, atStart, out);
        }

        /**
         * Cuts {@code text} at the match {@code spans} (start, end pairs) the way the tokenizers library's
         * {@code NormalizedString::split} does, dropping empty pieces.
         */
        static void splitOn(String text, int start, int end, IntList spans, Behavior behavior, boolean invert, boolean atStart, Sink out) {
            if (behavior == Behavior.ISOLATED && !invert) {
                // the common case (regex splits): every match and every gap between matches is a piece
                int prev = start;
                for (int i = 0; i < spans.size(); i += 2) {
                    int s = spans.get(i), e = spans.get(i + 1);
                    if (prev < s) out.accept(text, prev, s, atStart && prev == start, false);
                    if (s < e) out.accept(text, s, e, atStart && s == start, false);
                    prev = e;
                }
                if (prev < end) out.accept(text, prev, end, atStart && prev == start, false);
                return;
            }
            // (start, end, isMatch) triples covering the text
            int[] parts = new int[3 * (spans.size() + 1)];
            int n = 0, prev = start;
            for (int i = 0; i < spans.size(); i += 2) {
                int s = spans.get(i), e = spans.get(i + 1);
                if (prev != s) n = put(parts, n, prev, s, invert);
                n = put(parts, n, s, e, !invert);
                prev = e;
            }
            if (prev != end) n = put(parts, n, prev, end, invert);
            int[] kept = new int[parts.length];
            int k = 0;
            switch (behavior) {
                case REMOVED -> {
                    for (int i = 0; i < n; i += 3) if (parts[i + 2] == 0) k = put(kept, k, parts[i], parts[i + 1], false);
                }
                case ISOLATED -> {
                    kept = parts;
                    k = n;
                }
                case MERGED_WITH_PREVIOUS, CONTIGUOUS -> {
                    boolean previousMatch = false;
                    for (int i = 0; i < n; i += 3) {
                        boolean match = parts[i + 2] != 0;
                        boolean merge = behavior == Behavior.CONTIGUOUS ? match == previousMatch : match && !previousMatch;
                        if (merge && k > 0) kept[k - 2] = parts[i + 1];
                        else k = put(kept, k, parts[i], parts[i + 1], false);
                        previousMatch = match;
                    }
                }
                case MERGED_WITH_NEXT -> {
                    // built right to left, then read backwards
                    boolean previousMatch = false;
                    for (int i = n - 3; i >= 0; i -= 3) {
                        boolean match = parts[i + 2] != 0;
                        if (match && !previousMatch && k > 0) kept[k - 3] = parts[i];
                        else k = put(kept, k, parts[i], parts[i + 1], false);
                        previousMatch = match;
                    }
                    for (int i = k - 3; i >= 0; i -= 3) emit(text, start, kept[i], kept[i + 1], atStart, out);
                    return;
                }
            }
            for (int i = 0; i < k; i += 3) emit(text, start, kept[i], kept[i + 1], atStart, out);
        }

        private static void emit(String text, int start, int s, int e, boolean atStart, Sink out) {
            if (s < e) out.accept(text, s, e, atStart && s == start, false);
        }

        private static int put(int[] a, int n, int s, int e, boolean match) {
            a[n] = s;
            a[n + 1] = e;
            a[n + 2] = match ? 1 : 0;
            return n + 3;
        }
    }

    /**
     * GPT-2's byte-level pre-tokenizer: optionally prefixes a space, optionally splits with GPT-2's regex,
     * and maps every byte to a printable character (lazily: the pieces are marked byte-level).
     */
    record ByteLevelSplit(boolean addPrefixSpace, Finder regex) implements PreTokenizer {
        static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

        @Override
        public void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            if (byteLevel) { // mapped twice, as the library does
                text = materialize(text, start, end);
                start = 0;
                end = text.length();
            }
            if (addPrefixSpace && (start == end || text.charAt(start) != ' ')) {
                text = " " + text.substring(start, end);
                start = 0;
                end = text.length();
            }
            if (regex == null) {
                out.accept(text, start, end, atStart, true);
                return;
            }
            IntList spans = new IntList();
            regex.find(text, start, end, spans);
            Split.splitOn(text, start, end, spans, Behavior.ISOLATED, false, atStart, (t, s, e, a, b) -> out.accept(t, s, e, a, true));
        }
    }

    /**
     * SentencePiece's meta-space: spaces become {@code replacement} (▁), a ▁ is prepended per the scheme,
     * and with {@code split} the text is cut before each ▁.
     */
    record Metaspace(char replacement, Prepend scheme, boolean split) implements PreTokenizer {
        enum Prepend { ALWAYS, FIRST, NEVER }

        @Override
        public void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            text = byteLevel ? materialize(text, start, end) : text.substring(start, end);
            text = text.replace(' ', replacement);
            boolean prepend = scheme == Prepend.ALWAYS || (scheme == Prepend.FIRST && atStart);
            if (prepend && !text.isEmpty() && text.charAt(0) != replacement) text = replacement + text;
            if (!split) {
                out.accept(text, 0, text.length(), atStart, false);
                return;
            }
            IntList spans = new IntList();
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == replacement) {
                    spans.add(i);
                    spans.add(i + 1);
                }
            }
            Split.splitOn(text, 0, text.length(), spans, Behavior.MERGED_WITH_NEXT, false, atStart, out);
        }
    }

    /** Splits digits from the rest: each digit alone, or runs of digits. */
    record Digits(boolean individual) implements PreTokenizer {
        private static final Finder NUMERIC = Finder.chars(Chars::isNumeric);

        @Override
        public void split(String text, int start, int end, boolean atStart, boolean byteLevel, Sink out) {
            if (byteLevel) {
                text = materialize(text, start, end);
                start = 0;
                end = text.length();
            }
            IntList spans = new IntList();
            NUMERIC.find(text, start, end, spans);
            Split.splitOn(text, start, end, spans, individual ? Behavior.ISOLATED : Behavior.CONTIGUOUS, false, atStart, out);
        }
    }
}
