package dev.mm1j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The hand-written scanners must find exactly what java.util.regex finds for the same pattern. */
class FastSplitTest {
    /** Characters that exercise every branch: letters of several scripts, numbers, all kinds of white space, marks, symbols. */
    private static final String[] POOL = {
        "a", "b", "s", "t", "r", "e", "v", "m", "l", "d", "S", "T", "R", "E", "V", "M", "L", "D", "\u017F", "\u212A", "é", "ß",
        "İ", "ı", "你", "日", "ア", "한", "ж", "Ж", "ا", "ש", "न", "\u093F", "\u0301", "ก", "\u0E31", "ǅ", "ʰ",
        "0", "1", "9", "٣", "१", "²", "½", "Ⅻ", "①", "１",
        " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u000B", "\u000C", "\u0085", "\u00A0", "\u1680", "\u2002", "\u2028", "\u2029",
        "\u202F", "\u3000", "\u200B", "\uFEFF", "\u001C", "\u001F",
        "'", "'", "’", "\"", ".", ",", "!", "?", "-", "_", "(", ")", "<", ">", "|", "/", "\\", "@", "#", "$", "€", "©", "→",
        "😀", "👍", "\uD83C\uDFFD", "\u200D", "\uFE0F", "𝔘", "𠀀", "\uE000", "\u0000", "\u007F",
    };

    @ParameterizedTest
    @ValueSource(strings = {FastSplit.LLAMA3, FastSplit.QWEN2, FastSplit.GPT2})
    void matchesTheRegexOnRandomText(String pattern) {
        Finder fast = FastSplit.forPattern(pattern);
        assertNotNull(fast);
        Pattern reference = Finder.compile(pattern, "test");
        SplittableRandom r = new SplittableRandom(7);
        for (int iter = 0; iter < 20_000; iter++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(1, 30);
            // runs of the same character make long white-space and digit runs likely
            for (int k = 0; k < n; k++) sb.append(POOL[r.nextInt(POOL.length)].repeat(r.nextInt(8) == 0 ? r.nextInt(2, 6) : 1));
            check(fast, reference, sb.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {FastSplit.LLAMA3, FastSplit.QWEN2, FastSplit.GPT2})
    void matchesTheRegexOnTheFixtureCorpus(String pattern) {
        Finder fast = FastSplit.forPattern(pattern);
        Pattern reference = Finder.compile(pattern, "test");
        for (Fixtures.Case c : Fixtures.load("llama3").cases()) check(fast, reference, c.text());
    }

    @Test
    void otherPatternsHaveNoScanner() {
        assertNull(FastSplit.forPattern("\\s+"));
        assertNull(FastSplit.forPattern(FastSplit.LLAMA3 + "|x"));
    }

    private static void check(Finder fast, Pattern reference, String text) {
        IntList want = new IntList();
        Matcher m = reference.matcher(text);
        while (m.find()) {
            want.add(m.start());
            want.add(m.end());
        }
        IntList got = new IntList();
        fast.find(text, got);
        assertArrayEquals(want.toArray(), got.toArray(), () -> "text " + TokenizerFixturesTest.quoted(text));
    }
}
