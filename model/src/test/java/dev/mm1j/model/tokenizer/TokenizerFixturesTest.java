package dev.mm1j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture made by the Hugging Face tokenizers library must match id for id: encoding with and without
 * special tokens, decoding with and without skipping them, decoding arbitrary id sequences (cut characters,
 * unknown ids), and streaming decoding (which must add up to the whole decode).
 */
class TokenizerFixturesTest {

    static List<String> names() {
        return Fixtures.NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void encodesLikeTheLibrary(String name) {
        Fixtures.Fixture f = Fixtures.load(name);
        Tokenizer tok = Fixtures.tokenizer(f);
        List<String> bad = new ArrayList<>();
        int checks = 0;
        for (Fixtures.Case c : f.cases()) {
            checks += 2;
            int[] plain = tok.encode(c.text(), false);
            if (!Arrays.equals(plain, c.ids())) bad.add(describe(c.text(), c.ids(), plain, tok));
            int[] special = tok.encode(c.text(), true);
            if (!Arrays.equals(special, c.idsSpecial())) bad.add("(addSpecial) " + describe(c.text(), c.idsSpecial(), special, tok));
        }
        report(name, "encode", checks, bad);
    }

    @ParameterizedTest
    @MethodSource("names")
    void decodesLikeTheLibrary(String name) {
        Fixtures.Fixture f = Fixtures.load(name);
        Tokenizer tok = Fixtures.tokenizer(f);
        List<String> bad = new ArrayList<>();
        int checks = 0;
        for (Fixtures.Case c : f.cases()) {
            checks += 2;
            check(bad, c.idsSpecial(), c.decoded(), tok.decode(c.idsSpecial(), false), "");
            check(bad, c.idsSpecial(), c.decodedSkip(), tok.decode(c.idsSpecial(), true), "(skip) ");
        }
        for (Fixtures.DecodeCase c : f.decodeCases()) {
            checks += 2;
            check(bad, c.ids(), c.decoded(), tok.decode(c.ids(), false), "");
            check(bad, c.ids(), c.decodedSkip(), tok.decode(c.ids(), true), "(skip) ");
        }
        report(name, "decode", checks, bad);
    }

    @ParameterizedTest
    @MethodSource("names")
    void streamsWholeCharacters(String name) {
        Fixtures.Fixture f = Fixtures.load(name);
        Tokenizer tok = Fixtures.tokenizer(f);
        List<String> bad = new ArrayList<>();
        int checks = 0;
        for (Fixtures.Case c : f.cases()) {
            for (boolean skip : new boolean[] {false, true}) {
                checks++;
                StreamingDecoder s = tok.streamingDecoder(skip);
                StringBuilder sb = new StringBuilder();
                for (int id : c.idsSpecial()) {
                    String piece = s.step(id);
                    if (!piece.isEmpty() && (Character.isHighSurrogate(piece.charAt(piece.length() - 1)) || piece.endsWith("\uFFFD"))) {
                        bad.add("half a character " + quoted(piece) + " streaming " + quoted(c.text()));
                    }
                    sb.append(piece);
                }
                sb.append(s.flush());
                String want = skip ? c.decodedSkip() : c.decoded();
                if (!sb.toString().equals(want)) bad.add("stream of " + quoted(c.text()) + ": want " + quoted(want) + " got " + quoted(sb.toString()));
            }
        }
        report(name, "stream", checks, bad);
    }

    /** Byte-level tokenizers without a normalizer or prefix space give the text back exactly. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"llama3", "mm1-demo"})
    void roundTripsExactly(String name) {
        Fixtures.Fixture f = Fixtures.load(name);
        Tokenizer tok = Fixtures.tokenizer(f);
        List<String> bad = new ArrayList<>();
        for (Fixtures.Case c : f.cases()) {
            String back = tok.decode(tok.encode(c.text(), false), false);
            if (!back.equals(c.text())) bad.add("round trip of " + quoted(c.text()) + " gave " + quoted(back));
        }
        report(name, "trip", f.cases().size(), bad);
    }

    private static void check(List<String> bad, int[] ids, String want, String got, String what) {
        if (!want.equals(got)) bad.add(what + "decode " + Arrays.toString(ids) + ": want " + quoted(want) + " got " + quoted(got));
    }

    private static void report(String name, String what, int checks, List<String> bad) {
        System.out.printf("tokenizer fixture %-24s %-7s %5d checks, %d mismatches%n", name, what, checks, bad.size());
        bad.stream().limit(15).forEach(b -> System.out.println("  " + b));
        assertTrue(checks > 100, "too few checks: " + checks);
        assertEquals(0, bad.size(), () -> name + ": " + bad.size() + " of " + checks + " " + what
            + " checks differ from the library, first: " + bad.getFirst());
    }

    static String describe(String text, int[] want, int[] got, Tokenizer tok) {
        return quoted(text) + ": want " + tokens(want, tok) + " got " + tokens(got, tok);
    }

    static String tokens(int[] ids, Tokenizer tok) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) sb.append(i > 0 ? " " : "").append(ids[i]).append(':').append(quoted(String.valueOf(tok.token(ids[i]))));
        return sb.append(']').toString();
    }

    static String quoted(String s) {
        StringBuilder sb = new StringBuilder();
        dev.mm1j.core.json.Json.quote(sb, s.length() > 120 ? s.substring(0, 120) + "..." : s);
        return sb.toString();
    }
}
