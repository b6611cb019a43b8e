package dev.mm1j.core.format.gguf;

import dev.mm1j.core.format.ModelFormatException;
import java.util.List;

/**
 * The tokenizer as a GGUF file stores it ({@code tokenizer.ggml.*}), checked for consistency (array lengths,
 * ids in range) but not interpreted: the tokenizer code builds a BPE or SentencePiece tokenizer from it.
 *
 * @param model        {@code tokenizer.ggml.model}: "llama" (SentencePiece: scores, byte tokens like {@code <0x0A>}),
 *                     "gpt2" (byte-level BPE with merges), or another name
 * @param pre          {@code tokenizer.ggml.pre}: the pre-tokenizer (e.g. "llama-bpe", "qwen2"), or null
 * @param tokens       {@code tokenizer.ggml.tokens}, indexed by id
 * @param scores       {@code tokenizer.ggml.scores} (SentencePiece piece scores), or null
 * @param tokenTypes   {@code tokenizer.ggml.token_type} (see the constants), or null
 * @param merges       {@code tokenizer.ggml.merges} ("a b" per merge, in rank order), or null
 * @param bosId        {@code tokenizer.ggml.bos_token_id}, or -1 (likewise the other ids)
 * @param addBos       {@code tokenizer.ggml.add_bos_token}, or null when unspecified
 * @param chatTemplate {@code tokenizer.chat_template} (Jinja), or null
 */
public record GgufVocabulary(String model, String pre, List<String> tokens, float[] scores, int[] tokenTypes, List<String> merges,
                             int bosId, int eosId, int unkId, int padId, Boolean addBos, Boolean addEos, Boolean addSpacePrefix,
                             String chatTemplate) {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** Reads and checks the tokenizer metadata of {@code f}. */
    public static GgufVocabulary read(GgufFile f) {
        String model = f.string("tokenizer.ggml.model");
        if (model == null) throw new ModelFormatException(f.name() + ": missing tokenizer.ggml.model (no tokenizer in this file)");
        GgufArray tokArray = f.array("tokenizer.ggml.tokens");
        if (tokArray == null) throw new ModelFormatException(f.name() + ": missing tokenizer.ggml.tokens");
        List<String> tokens = tokArray.strings();
        float[] scores = f.array("tokenizer.ggml.scores") != null ? f.array("tokenizer.ggml.scores").floats() : null;
        int[] types = f.array("tokenizer.ggml.token_type") != null ? f.array("tokenizer.ggml.token_type").ints() : null;
        if (scores != null && scores.length != tokens.size()) {
            throw new ModelFormatException(f.name() + ": tokenizer.ggml.scores has " + scores.length + " entries for " + tokens.size() + " tokens");
        }
        if (types != null && types.length != tokens.size()) {
            throw new ModelFormatException(f.name() + ": tokenizer.ggml.token_type has " + types.length + " entries for " + tokens.size() + " tokens");
        }
        List<String> merges = f.array("tokenizer.ggml.merges") != null ? f.array("tokenizer.ggml.merges").strings() : null;
        return new GgufVocabulary(model, f.string("tokenizer.ggml.pre"), tokens, scores, types, merges,
            id(f, "tokenizer.ggml.bos_token_id", tokens.size()), id(f, "tokenizer.ggml.eos_token_id", tokens.size()),
            id(f, "tokenizer.ggml.unknown_token_id", tokens.size()), id(f, "tokenizer.ggml.padding_token_id", tokens.size()),
            f.bool("tokenizer.ggml.add_bos_token"), f.bool("tokenizer.ggml.add_eos_token"), f.bool("tokenizer.ggml.add_space_prefix"),
            f.string("tokenizer.chat_template"));
    }

    private static int id(GgufFile f, String key, int vocab) {
        if (!f.has(key)) return -1;
        long v = f.integer(key, -1);
        if (v < 0 || v >= vocab) throw new ModelFormatException(f.name() + ": " + key + " = " + v + " is not a token id (the vocabulary has " + vocab + " tokens)");
        return (int) v;
    }
}
