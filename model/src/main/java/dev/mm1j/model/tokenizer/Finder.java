package dev.mm1j.model.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Finds the non-overlapping matches of a pattern in a text, left to right: the {@code Pattern} of the
 * tokenizers library (a literal string, a regex, or a character class), used by Split, Replace and Digits.
 */
interface Finder {

    /**
     * Appends the {@code [start, end)} pairs of every match in {@code text[from, to)} to {@code spans}
     * (positions in {@code text}); the range is searched as if it were the whole text.
     */
    void find(String text, int from, int to, IntList spans);

    default void find(String text, IntList spans) {
        find(text, 0, text.length(), spans);
    }

    /** A literal string (empty: no match). */
    static Finder literal(String s) {
        return (text, from, to, spans) -> {
            if (s.isEmpty()) return;
            int i = from;
            while ((i = text.indexOf(s, i)) >= 0 && i + s.length() <= to) {
                spans.add(i);
                spans.add(i + s.length());
                i += s.length();
            }
        };
    }

    /** Each character (code point) for which {@code test} holds is one match. */
    static Finder chars(java.util.function.IntPredicate test) {
        return (text, from, to, spans) -> {
            for (int i = from; i < to; ) {
                int c = Character.codePointAt(text, i);
                int n = Character.charCount(c);
                if (test.test(c)) {
                    spans.add(i);
                    spans.add(i + n);
                }
                i += n;
            }
        };
    }

    /**
     * A regex in the tokenizers library's (Oniguruma) syntax. Known pre-tokenizer patterns get a
     * hand-written scanner; others run on java.util.regex with Unicode classes ({@code \s}, {@code \w}
     * and case-insensitivity as Oniguruma has them).
     */
    static Finder regex(String pattern, String where) {
        Finder fast = FastSplit.forPattern(pattern);
        if (fast != null) return fast;
        Pattern p = compile(pattern, where);
        return (text, from, to, spans) -> {
            Matcher m = p.matcher(text).region(from, to);
            while (m.find()) {
                spans.add(m.start());
                spans.add(m.end());
            }
        };
    }

    /** The java.util.regex form of a tokenizers regex (also used by tests as the reference of FastSplit). */
    static Pattern compile(String pattern, String where) {
        try {
            return Pattern.compile(javaSyntax(pattern), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(where + ": regex " + quote(pattern) + " is not supported: " + e.getDescription());
        }
    }

    /**
     * Oniguruma accepts script names bare ({@code \p{Han}}) and negation as {@code \p{^X}};
     * java.util.regex wants {@code \p{IsHan}} and {@code \P{X}}.
     */
    private static String javaSyntax(String pattern) {
        Matcher m = Pattern.compile("\\\\\\\\|\\\\([pP])\\{(\\^?)([A-Za-z_ ]+)\\}").matcher(pattern);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String r = m.group();
            if (m.group(1) != null) {
                boolean negate = m.group(1).equals("P") ^ !m.group(2).isEmpty();
                String name = compiles("\\p{" + m.group(3) + "}") || !compiles("\\p{Is" + m.group(3) + "}") ? m.group(3) : "Is" + m.group(3);
                r = "\\" + (negate ? "P" : "p") + "{" + name + "}";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(r));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static boolean compiles(String p) {
        try {
            Pattern.compile(p);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        dev.mm1j.core.json.Json.quote(sb, s);
        return sb.toString();
    }
}
