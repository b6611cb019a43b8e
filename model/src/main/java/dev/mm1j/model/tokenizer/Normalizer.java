package dev.mm1j.model.tokenizer;

import java.text.Normalizer.Form;
import java.util.List;
import java.util.Locale;

/** A tokenizer.json "normalizer": rewrites each piece of text between added tokens before it is split. */
sealed interface Normalizer {

    String normalize(String s);

    /** Applies each in order. */
    record Sequence(List<Normalizer> items) implements Normalizer {
        @Override
        public String normalize(String s) {
            for (Normalizer n : items) s = n.normalize(s);
            return s;
        }
    }

    /** NFC, NFD, NFKC or NFKD. */
    record Unicode(Form form) implements Normalizer {
        @Override
        public String normalize(String s) {
            return java.text.Normalizer.normalize(s, form);
        }
    }

    /** Lower case, character by character (as Rust's {@code char::to_lowercase}: no final-sigma rule). */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                int n = Character.charCount(c);
                if (c < 0x80) sb.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
                else sb.append(s.substring(i, i + n).toLowerCase(Locale.ROOT));
                i += n;
            }
            return sb.toString();
        }
    }

    /** Removes leading and/or trailing white space. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String s) {
            int a = 0, b = s.length();
            while (left && a < b && Chars.isWhiteSpace(s.codePointAt(a))) a += Character.charCount(s.codePointAt(a));
            while (right && b > a && Chars.isWhiteSpace(s.codePointBefore(b))) b -= Character.charCount(s.codePointBefore(b));
            return s.substring(a, b);
        }
    }

    /** Prepends a string to non-empty text. */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    /** Replaces every match of a pattern (a literal string or a regex) with {@code content}. */
    record Replace(Finder pattern, String content) implements Normalizer {
        @Override
        public String normalize(String s) {
            return replaceAll(pattern, content, s);
        }

        static String replaceAll(Finder pattern, String content, String s) {
            IntList spans = new IntList();
            pattern.find(s, spans);
            if (spans.size() == 0) return s;
            StringBuilder sb = new StringBuilder(s.length() + 16);
            int prev = 0;
            for (int i = 0; i < spans.size(); i += 2) {
                sb.append(s, prev, spans.get(i)).append(content);
                prev = spans.get(i + 1);
            }
            return sb.append(s, prev, s.length()).toString();
        }
    }
}
