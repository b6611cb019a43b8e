package dev.mm1j.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A tokenizer.json "decoder": turns the token strings of some ids back into text. Each step maps a list of
 * strings to a list of strings (the tokenizers library's {@code decode_chain}); the results are joined.
 */
sealed interface Decoder {

    List<String> decode(List<String> tokens);

    /** Applies each in order. */
    record Sequence(List<Decoder> items) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            for (Decoder d : items) tokens = d.decode(tokens);
            return tokens;
        }
    }

    /**
     * Byte-level: each token's characters stand for bytes (a token with any other character, such as an
     * added token with a space, stands for its own UTF-8); the bytes of all tokens are decoded together,
     * invalid sequences becoming U+FFFD.
     */
    record ByteLevelBytes() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            int n = 0;
            for (String t : tokens) n += t.length() * 4;
            byte[] bytes = new byte[n];
            int k = 0;
            for (String t : tokens) {
                boolean all = true;
                for (int i = 0; i < t.length() && all; i++) all = ByteLevel.byteOf(t.charAt(i)) >= 0;
                if (all) {
                    for (int i = 0; i < t.length(); i++) bytes[k++] = (byte) ByteLevel.byteOf(t.charAt(i));
                } else {
                    byte[] u = Utf8.encode(t);
                    System.arraycopy(u, 0, bytes, k, u.length);
                    k += u.length;
                }
            }
            return List.of(Utf8.decodeLossy(bytes, 0, k));
        }
    }

    /** Runs of {@code <0xNN>} tokens become the text of their bytes, or one U+FFFD per byte if not valid UTF-8. */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] run = new byte[tokens.size()];
            int n = 0;
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    run[n++] = (byte) b;
                    continue;
                }
                n = flush(run, n, out);
                out.add(t);
            }
            flush(run, n, out);
            return out;
        }

        private static int flush(byte[] run, int n, List<String> out) {
            if (n == 0) return 0;
            if (Utf8.isValid(run, 0, n)) out.add(Utf8.decodeLossy(run, 0, n));
            else for (int i = 0; i < n; i++) out.add(String.valueOf(Utf8.REPLACEMENT));
            return 0;
        }

        /** The byte of a {@code <0xNN>} token, or -1. */
        static int byteToken(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int a = 0;
                while (a < Math.min(start, cps.length) && cps[a] == content) a++;
                int b = cps.length;
                for (int i = 0; i < stop && b > a && cps[b - 1] == content; i++) b--;
                out.add(new String(cps, a, b - a));
            }
            return out;
        }
    }

    /** Replaces every match of a pattern in each token. */
    record Replace(Finder pattern, String content) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) out.add(Normalizer.Replace.replaceAll(pattern, content, t));
            return out;
        }
    }

    /** Meta-space: ▁ becomes a space, except in the first token when a ▁ was prepended at encoding. */
    record Metaspace(char replacement, boolean prepended) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i == 0 && prepended) out.add(t.replace(String.valueOf(replacement), ""));
                else out.add(t.replace(replacement, ' '));
            }
            return out;
        }
    }
}
