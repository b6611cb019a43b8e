package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
    private final Tensor lastLogits; // [1, V] backend memory, for the end of a prefill

    private TextServedModel(TextCheckpoint ckpt, TextModel model, Tokenizer tokenizer, ChatTemplate template, DType kvDtype) {
        this.ckpt = ckpt;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.kvDtype = kvDtype;
        this.lastLogits = model.ops().allocate(DType.F32, 1, model.config().vocabSize());
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
    public KvCache newCache(int capacity) {
        return model.newCache(capacity, kvDtype);
    }

    @Override
    public DecodeBatch newDecodeBatch(int sequences) {
        return model.newDecodeBatch(sequences);
    }

    @Override
    public PrefillJob prefill(KvCache cache, int[] ids, List<Tensor> pixels) {
        if (!pixels.isEmpty()) throw new Mm1jException("this model takes no images");
        return new TokenPrefill(model, cache, ids, lastLogits);
    }

    @Override
    public void close() {
        lastLogits.close();
        model.close();
        ckpt.close();
    }

    /** Appends ids in chunks of the step budget; the last chunk's logits are the result. */
    static final class TokenPrefill implements PrefillJob {
        private final TextModel model;
        private final KvCache cache;
        private final int[] ids;
        private final Tensor lastLogits;
        private final float[] host;
        private int next;

        TokenPrefill(TextModel model, KvCache cache, int[] ids, Tensor lastLogits) {
            if (ids.length == 0) throw new Mm1jException("empty prompt");
            this.model = model;
            this.cache = cache;
            this.ids = ids;
            this.lastLogits = lastLogits;
            this.host = new float[model.config().vocabSize()];
        }

        @Override
        public int step(int budget) {
            int n = Math.min(Math.max(1, budget), ids.length - next);
            boolean last = next + n == ids.length;
            model.prefill(cache, Arrays.copyOfRange(ids, next, next + n), last ? lastLogits : null);
            if (last) model.ops().backend().copyOut(lastLogits, MemorySegment.ofArray(host));
            next += n;
            return n;
        }

        @Override
        public boolean done() {
            return next == ids.length;
        }

        @Override
        public float[] logits() {
            return host;
        }

        @Override
        public void close() {}
    }
}
