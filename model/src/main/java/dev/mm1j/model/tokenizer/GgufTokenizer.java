package dev.mm1j.model.tokenizer;

import dev.mm1j.core.format.gguf.GgufVocabulary;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Tokenizer} from the tokenizer a GGUF file stores ({@code tokenizer.ggml.*}), in the same
 * form as the equivalent tokenizer.json, so that both give the same ids:
 * <ul>
 *   <li>{@code gpt2}: byte-level BPE with merges; the split regex comes from {@code tokenizer.ggml.pre}
 *       ({@code llama-bpe}: Llama 3's, with ignore_merges; {@code qwen2}: Qwen's, with NFC; {@code gpt-2},
 *       {@code default} or none: GPT-2's);</li>
 *   <li>{@code llama}: SentencePiece BPE: the adjacent pair whose concatenation is the highest-scoring
 *       normal token merges first (leftmost among equal scores); characters outside the vocabulary become
 *       {@code <0xNN>} byte tokens; spaces become ▁ and a ▁ is put in front of the text (and after each
 *       special token), unless {@code tokenizer.ggml.add_space_prefix} is false.</li>
 * </ul>
 * Control and unknown tokens become special added tokens, user-defined ones plain added tokens, all
 * matched in the raw text. BOS/EOS are added per {@code add_bos_token} / {@code add_eos_token} (when
 * absent: BOS for {@code llama}, nothing for {@code gpt2}).
 */
final class GgufTokenizer {
    private GgufTokenizer() {}

    static Tokenizer build(GgufVocabulary v, String src) {
        List<String> tokens = v.tokens();
        if (tokens.size() >= TokenizerJson.MAX_ID) throw new TokenizerException(src + ": " + tokens.size() + " tokens is too many");
        int[] types = v.tokenTypes();
        Map<String, Integer> vocab = new HashMap<>(tokens.size() * 2);
        List<AddedTokens.Token> added = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            String t = tokens.get(id);
            vocab.put(t, id); // a duplicate entry: the last one wins, as in llama.cpp
            int type = types == null ? GgufVocabulary.NORMAL : types[id];
            if (type == GgufVocabulary.CONTROL || type == GgufVocabulary.UNKNOWN || type == GgufVocabulary.USER_DEFINED) {
                added.add(new AddedTokens.Token(id, t, type != GgufVocabulary.USER_DEFINED, false, false, false, false));
            }
        }
        return switch (v.model()) {
            case "gpt2" -> byteLevel(v, src, vocab, added);
            case "llama" -> sentencePiece(v, src, vocab, added);
            default -> throw new TokenizerException(src + ": tokenizer.ggml.model '" + v.model() + "' is not supported (supported: gpt2, llama)");
        };
    }

    private static Tokenizer byteLevel(GgufVocabulary v, String src, Map<String, Integer> vocab, List<AddedTokens.Token> added) {
        if (v.merges() == null) throw new TokenizerException(src + ": tokenizer.ggml.merges is missing (a gpt2 tokenizer needs its merges)");
        List<String> merges = v.merges();
        PairMap pairs = new PairMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ', 1);
            if (sp < 0) throw new TokenizerException(src + ": tokenizer.ggml.merges[" + i + "] '" + m + "' is not two tokens separated by a space");
            String a = m.substring(0, sp), b = m.substring(sp + 1);
            Integer ia = vocab.get(a), ib = vocab.get(b), im = vocab.get(a + b);
            if (ia == null || ib == null || im == null) {
                throw new TokenizerException(src + ": tokenizer.ggml.merges[" + i + "] '" + m + "' uses a token that is not in the vocabulary");
            }
            pairs.put(ia, ib, i, im);
        }
        String pre = v.pre() == null ? "default" : v.pre();
        Normalizer normalizer = null;
        boolean ignoreMerges = false;
        PreTokenizer split = switch (pre) {
            case "llama-bpe", "llama3", "smaug-bpe" -> {
                ignoreMerges = true;
                yield regexThenBytes(FastSplit.LLAMA3, src);
            }
            case "qwen2" -> {
                normalizer = new Normalizer.Unicode(Form.NFC);
                yield regexThenBytes(FastSplit.QWEN2, src);
            }
            case "gpt-2", "gpt2", "default" -> new PreTokenizer.ByteLevelSplit(false, Finder.regex(FastSplit.GPT2, src));
            default -> throw new TokenizerException(src + ": tokenizer.ggml.pre '" + pre
                + "' is not supported (supported: llama-bpe, qwen2, gpt-2, default)");
        };
        Bpe model = new Bpe(vocab, pairs, v.unkId(), false, false, ignoreMerges);
        PostProcessor post = template(v, Boolean.TRUE.equals(v.addBos()), Boolean.TRUE.equals(v.addEos()));
        return new Tokenizer(src, new AddedTokens(added, normalizer), split, model, post, new Decoder.ByteLevelBytes(),
            name(v, v.bosId()), name(v, v.eosId()));
    }

    private static PreTokenizer regexThenBytes(String regex, String src) {
        return new PreTokenizer.Sequence(List.of(
            new PreTokenizer.Split(Finder.regex(regex, src), PreTokenizer.Behavior.ISOLATED, false),
            new PreTokenizer.ByteLevelSplit(false, null)));
    }

    private static Tokenizer sentencePiece(GgufVocabulary v, String src, Map<String, Integer> vocab, List<AddedTokens.Token> added) {
        float[] scores = v.scores();
        if (scores == null) throw new TokenizerException(src + ": tokenizer.ggml.scores is missing (a llama tokenizer needs its scores)");
        List<String> tokens = v.tokens();
        int[] types = v.tokenTypes();
        // every split of a normal token into two tokens is a pair that merges into it, ranked by the token's
        // score (equal scores share a rank: the leftmost pair merges first, as in SentencePiece)
        int n = tokens.size();
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        IntList found = new IntList();
        for (int id = 0; id < n; id++) {
            if (types != null && types[id] != GgufVocabulary.NORMAL) continue;
            String t = tokens.get(id);
            if (t.isEmpty() || vocab.get(t) != id) continue;
            int rank = sorted.length - 1 - lastIndexOf(sorted, scores[id]);
            for (int k = Character.charCount(t.codePointAt(0)); k < t.length(); k += Character.charCount(t.codePointAt(k))) {
                Integer a = vocab.get(t.substring(0, k)), b = vocab.get(t.substring(k));
                if (a == null || b == null) continue;
                found.add(a);
                found.add(b);
                found.add(rank);
                found.add(id);
            }
        }
        PairMap pairs = new PairMap(found.size() / 4 + 1);
        for (int i = 0; i < found.size(); i += 4) pairs.put(found.get(i), found.get(i + 1), found.get(i + 2), found.get(i + 3));
        int unk = v.unkId() >= 0 ? v.unkId() : vocab.getOrDefault("<unk>", -1);
        boolean byteFallback = vocab.containsKey("<0x00>") && vocab.containsKey("<0xFF>");
        boolean spacePrefix = !Boolean.FALSE.equals(v.addSpacePrefix());
        Normalizer.Replace spaces = new Normalizer.Replace(Finder.literal(" "), "\u2581");
        Normalizer normalizer = spacePrefix ? new Normalizer.Sequence(List.of(new Normalizer.Prepend("\u2581"), spaces)) : spaces;
        List<Decoder> decoders = new ArrayList<>(List.of(new Decoder.Replace(Finder.literal("\u2581"), " "), new Decoder.ByteFallback(), new Decoder.Fuse()));
        if (spacePrefix) decoders.add(new Decoder.Strip(' ', 1, 0));
        Bpe model = new Bpe(vocab, pairs, unk, true, byteFallback, false);
        PostProcessor post = template(v, !Boolean.FALSE.equals(v.addBos()), Boolean.TRUE.equals(v.addEos()));
        return new Tokenizer(src, new AddedTokens(added, normalizer), null, model, post, new Decoder.Sequence(decoders),
            name(v, v.bosId()), name(v, v.eosId()));
    }

    /** Index of the last element equal to {@code x} in a sorted array. */
    private static int lastIndexOf(float[] sorted, float x) {
        int lo = 0, hi = sorted.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Float.compare(sorted[mid], x) <= 0) {
                if (Float.compare(sorted[mid], x) == 0) found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static PostProcessor template(GgufVocabulary v, boolean bos, boolean eos) {
        List<int[]> pieces = new ArrayList<>();
        if (bos && v.bosId() >= 0) pieces.add(new int[] {v.bosId()});
        pieces.add(null);
        if (eos && v.eosId() >= 0) pieces.add(new int[] {v.eosId()});
        return pieces.size() == 1 ? null : new PostProcessor.Template(pieces);
    }

    private static String name(GgufVocabulary v, int id) {
        return id >= 0 ? v.tokens().get(id) : null;
    }
}
