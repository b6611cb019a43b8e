package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A text-only checkpoint (Llama, Mistral, Qwen2, Mixtral; or MM1's decoder alone) behind the server. */
public final class TextServedModel implements ServedModel {
    private final TextCheckpoint ckpt;
    private final TextModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final DType kvDtype;

    private TextServedModel(TextCheckpoint ckpt, TextModel model, Tokenizer tokenizer, ChatTemplate template, DType kvDtype) {
        this.ckpt = ckpt;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.kvDtype = kvDtype;
    }

    /**
     * Loads {@code ckpt}'s decoder on {@code ops} (the server then owns the checkpoint); {@code template} null:
     * recognised from the checkpoint.
     */
    public static TextServedModel load(TextCheckpoint ckpt, Ops ops, DType kvDtype, ChatTemplate template, Consumer<String> warnings) throws IOException {
        Tokenizer tok = loadTokenizer(ckpt.folder());
        ChatTemplate t = template != null ? template : ChatTemplate.detect(ckpt.chatTemplate(), ckpt.config().modelType(), ckpt.config().vocabSize());
        TextModel m = ckpt.load(ops, warnings);
        return new TextServedModel(ckpt, m, tok, t, kvDtype);
    }

    static Tokenizer loadTokenizer(Path folder) throws IOException {
        Path f = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(f)) throw new Mm1jException("no tokenizer.json in " + folder + ": the server needs the checkpoint's tokenizer");
        return Tokenizer.load(f);
    }

    /** EOS ids of the config and the tokenizer, and the template's end-of-turn tokens. */
    static int[] stopTokens(int[] configEos, Tokenizer tok, ChatTemplate t) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : configEos) ids.add(e);
        if (tok.eosId() >= 0) ids.add(tok.eosId());
        for (String s : t.endOfTurnTokens()) {
            int id = tok.tokenId(s);
            if (id >= 0) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String describe() {
        return model.describe();
    }

    @Override
    public int vocabSize() {
        return model.config().vocabSize();
    }

    @Override
    public int defaultContext() {
        return Math.min(model.config().maxPositionEmbeddings(), model.config().maxContext());
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ChatTemplate template() {
        return template;
    }

    @Override
    public String defaultSystemPrompt() {
        return ChatTemplate.defaultSystemPrompt(ckpt.chatTemplate());
    }

    @Override
    public int[] stopTokens() {
        return stopTokens(model.config().eosTokenIds(), tokenizer, template);
    }

    @Override
    public int imageTokenId() {
        return -1;
    }

    @Override
    public int positionsPerImage() {
        return 0;
    }

    @Override
    public ImagePreprocessor preprocessor(long maxPixels) {
        return null;
    }

    @Override
    public DType kvDtype() {
        return kvDtype;
    }

    @Override
    public TextModel text() {
        return model;
    }

    @Override
    public PrefillJob prefill(int[] ids, List<Tensor> pixels) {
        if (!pixels.isEmpty()) throw new Mm1jException("this model takes no images");
        return new TokenPrefill(model, ids);
    }

    @Override
    public void close() {
        model.close();
        ckpt.close();
    }

    /** A prompt of token ids: each chunk's rows are their token embeddings. */
    static final class TokenPrefill implements PrefillJob {
        private final TextModel model;
        private final int[] ids;
        private int next;

        TokenPrefill(TextModel model, int[] ids) {
            if (ids.length == 0) throw new Mm1jException("empty prompt");
            this.model = model;
            this.ids = ids;
        }

        @Override
        public boolean imagesDone() {
            return true;
        }

        @Override
        public int remaining() {
            return ids.length - next;
        }

        @Override
        public void fill(Tensor rows, int n, int[] out, int off) {
            int[] chunk = Arrays.copyOfRange(ids, next, next + n);
            model.embed(rows, chunk);
            System.arraycopy(chunk, 0, out, off, n);
            next += n;
        }

        @Override
        public void close() {}
    }
}
