package dev.mm1j.model.tokenizer;

import dev.mm1j.core.format.gguf.GgufFile;
import dev.mm1j.core.format.gguf.GgufVocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A text tokenizer that gives the same ids as the Hugging Face tokenizers library for the BPE tokenizers
 * of the Llama family: byte-level BPE (GPT-2, Llama 3, Qwen) and SentencePiece-style BPE (Llama 2,
 * Mistral). Load one with {@link #load(Path)}; it is immutable and safe to use from several threads.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("model-dir"));   // or .../tokenizer.json
 * int[] ids = tok.encode("Hello world", true);             // with BOS if the tokenizer adds one
 * String text = tok.decode(ids, true);                     // "Hello world"
 * StreamingDecoder out = tok.streamingDecoder(true);       // for generation: complete characters only
 * }</pre>
 *
 * <p>Encoding follows the library: added tokens (specials such as {@code <|eot_id|>}) are found in the
 * raw text, the rest is normalized, pre-tokenized and encoded word by word with BPE, then the
 * post-processor adds BOS (and such) when {@code addSpecial} is true. Special tokens written in the text
 * are recognized by {@link #encode(String, boolean)} (what chat templates rely on) and not by
 * {@link #encodeLiteral} (for users' text).
 */
public final class Tokenizer {
    private final String source;
    private final AddedTokens added;
    private final PreTokenizer preTokenizer;
    private final Bpe model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final Map<Integer, AddedTokens.Token> addedById = new HashMap<>();
    private final Map<String, Integer> addedByContent = new HashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    private final int vocabSize;
    private final int bosId;
    private final int eosId;

    Tokenizer(String source, AddedTokens added, PreTokenizer preTokenizer, Bpe model, PostProcessor postProcessor,
              Decoder decoder, String bosToken, String eosToken) {
        this.source = source;
        this.added = added;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        int size = model.size();
        for (AddedTokens.Token t : added.tokens()) {
            addedById.putIfAbsent(t.id(), t);
            addedByContent.putIfAbsent(t.content(), t.id());
            if (t.special()) specialContents.add(t.content());
            size = Math.max(size, t.id() + 1);
        }
        vocabSize = size;
        int bos = bosToken != null ? tokenId(bosToken) : postProcessor != null ? postProcessor.leadingId() : -1;
        this.bosId = bos;
        this.eosId = eosToken != null ? tokenId(eosToken) : -1;
    }

    /**
     * Loads a tokenizer from a tokenizer.json file (or tokenizer.json.gz), from a model folder holding one,
     * or from a GGUF file (its {@code tokenizer.ggml.*} metadata). A tokenizer_config.json beside a
     * tokenizer.json, when present, gives the BOS and EOS tokens.
     *
     * @throws TokenizerException for a missing, malformed or unsupported file (the message names it)
     */
    public static Tokenizer load(Path path) throws IOException {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = path.resolve("tokenizer.json");
            if (!Files.isRegularFile(file)) throw new TokenizerException(path + ": no tokenizer.json in this folder");
        } else if (!Files.exists(path)) {
            throw new TokenizerException(path + ": no such file");
        }
        if (file.getFileName().toString().endsWith(".gguf")) {
            try (GgufFile f = GgufFile.open(file)) {
                return fromGguf(GgufVocabulary.read(f), file.toString());
            }
        }
        return TokenizerJson.load(file);
    }

    /** A tokenizer from the vocabulary of an open GGUF file; {@code source} names it in messages. */
    public static Tokenizer fromGguf(GgufVocabulary vocabulary, String source) {
        return GgufTokenizer.build(vocabulary, source);
    }

    /**
     * The ids of a text. With {@code addSpecial}, the post-processor's tokens are added (BOS for Llama 2
     * and the demo model; nothing for Qwen, nor for Llama 3 files whose post-processor is only ByteLevel).
     * Special tokens written in the text are recognised (what chat templates rely on). Lone surrogates in the
     * text are treated as U+FFFD.
     */
    public int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, null);
    }

    /**
     * The ids of a text in which special tokens are not recognised: {@code "</s>"} is encoded as the characters
     * {@code <}, {@code /}, {@code s}, {@code >}, as the tokenizers library does with {@code encode_special_tokens}
     * (Transformers' {@code split_special_tokens=True}). Added tokens that are not special are still recognised.
     * For text from users, so that it cannot end a turn or open a new one.
     */
    public int[] encodeLiteral(String text, boolean addSpecial) {
        return encode(text, addSpecial, new int[] {0, text.length()});
    }

    /**
     * The ids of a text in which special tokens are recognised except where they overlap one of the
     * {@code literal} spans: sorted, disjoint pairs [start, end) of char offsets (null: none). A rendered chat
     * prompt marks its messages' content literal, so that the template's special tokens count and the users'
     * do not, while the whole text is still split and merged as one (the same ids as the template's text with
     * the content in it, wherever no special token is written in the content).
     */
    public int[] encode(String text, boolean addSpecial, int[] literal) {
        if (literal != null) {
            for (int i = 0; i < literal.length; i++) {
                if (literal.length % 2 != 0 || literal[i] < 0 || literal[i] > text.length() || (i > 0 && literal[i] < literal[i - 1])) {
                    throw new IllegalArgumentException("literal spans must be sorted pairs within [0, " + text.length() + "], got " + java.util.Arrays.toString(literal));
                }
            }
        }
        IntList out = new IntList(text.length() / 3 + 4);
        PreTokenizer.Sink toModel = (t, start, end, atStart, byteLevel) -> model.encode(t, start, end, byteLevel, out);
        added.split(Utf8.sanitize(text), new AddedTokens.Sink() {
            @Override
            public void text(String normalized, boolean atStart) {
                if (normalized.isEmpty()) return;
                if (preTokenizer == null) toModel.accept(normalized, 0, normalized.length(), atStart, false);
                else preTokenizer.split(normalized, 0, normalized.length(), atStart, false, toModel);
            }

            @Override
            public void token(int id) {
                out.add(id);
            }
        }, literal);
        int[] ids = out.toArray();
        return addSpecial && postProcessor != null ? postProcessor.process(ids) : ids;
    }

    /**
     * The text of some ids. With {@code skipSpecial}, special tokens (BOS, EOS, {@code <|im_end|>}...) are
     * left out. Ids outside the vocabulary are ignored, as the library does. Bytes that do not form
     * complete UTF-8 characters come out as U+FFFD.
     */
    public String decode(int[] ids, boolean skipSpecial) {
        return decode(ids, 0, ids.length, skipSpecial);
    }

    String decode(int[] ids, int from, int to, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            String t = tokenOf(ids[i]);
            if (t == null || (skipSpecial && specialContents.contains(t))) continue;
            tokens.add(t);
        }
        if (decoder == null) return String.join(" ", tokens);
        return String.join("", decoder.decode(tokens));
    }

    /** A decoder for generated ids that returns text only once it forms complete characters. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new StreamingDecoder(this, skipSpecial);
    }

    /** The id of a token string (an added token or a vocabulary entry, e.g. "<|eot_id|>"), or -1. */
    public int tokenId(String token) {
        Integer id = addedByContent.get(token);
        return id != null ? id : model.tokenId(token);
    }

    /** The token string of an id (its vocabulary form, e.g. "Ġworld" or "▁world"), or null. */
    public String token(int id) {
        return tokenOf(id);
    }

    private String tokenOf(int id) {
        AddedTokens.Token t = addedById.get(id);
        return t != null ? t.content() : model.token(id);
    }

    /** The BOS id: from tokenizer_config.json, else the token the post-processor puts first; -1 if unknown. */
    public int bosId() {
        return bosId;
    }

    /**
     * The EOS id from tokenizer_config.json (or the GGUF metadata), -1 if unknown. Chat models often stop on
     * other tokens too (Llama 3's {@code <|eot_id|>}): take those from the model's generation config.
     */
    public int eosId() {
        return eosId;
    }

    /** One more than the largest id (vocabulary and added tokens). */
    public int vocabSize() {
        return vocabSize;
    }

    /** True for special added tokens (those {@code decode(ids, true)} leaves out). */
    public boolean isSpecial(int id) {
        String t = tokenOf(id);
        return t != null && specialContents.contains(t);
    }

    /** Where this tokenizer was loaded from. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + vocabSize + " tokens]";
    }
}
