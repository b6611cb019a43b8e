package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.mm1.Mm1Config;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * An MM1 checkpoint behind the server: images are encoded by the vision tower and the connector (one image per
 * engine step), and their embeddings spliced into the prompt (spec §7) by {@link Mm1Model#prefill}, chunk by chunk;
 * the answer is decoded with the decoder's batched step like any text model.
 */
public final class Mm1ServedModel implements ServedModel {
    private final Mm1Model mm1;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String jinja;
    private final DType kvDtype;
    private final Tensor lastLogits; // [1, V]

    private Mm1ServedModel(Mm1Model mm1, Tokenizer tokenizer, ChatTemplate template, String jinja, DType kvDtype) {
        this.mm1 = mm1;
        this.tokenizer = tokenizer;
        this.template = template;
        this.jinja = jinja;
        this.kvDtype = kvDtype;
        this.lastLogits = mm1.ops().allocate(DType.F32, 1, mm1.config().text().vocabSize());
    }

    /** Opens an MM1 checkpoint folder; {@code template} null: recognised from tokenizer_config.json. */
    public static Mm1ServedModel open(Path folder, DType matrixDtype, Ops ops, DType kvDtype, ChatTemplate template, Consumer<String> warnings) throws IOException {
        Tokenizer tok = TextServedModel.loadTokenizer(folder);
        String jinja = ServedModels.chatTemplate(folder);
        Mm1Model m = Mm1Model.open(folder, matrixDtype, ops, warnings);
        ChatTemplate t = template != null ? template : ChatTemplate.detect(jinja, "mm1", m.config().text().vocabSize());
        return new Mm1ServedModel(m, tok, t, jinja, kvDtype);
    }

    @Override
    public String describe() {
        return mm1.config().describe();
    }

    @Override
    public int vocabSize() {
        return mm1.config().text().vocabSize();
    }

    @Override
    public int defaultContext() {
        return Math.min(mm1.config().text().maxPositionEmbeddings(), mm1.config().text().maxContext());
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
        return ChatTemplate.defaultSystemPrompt(jinja);
    }

    @Override
    public int[] stopTokens() {
        return TextServedModel.stopTokens(mm1.config().text().eosTokenIds(), tokenizer, template);
    }

    @Override
    public int imageTokenId() {
        return mm1.config().imageTokenId();
    }

    @Override
    public int positionsPerImage() {
        return mm1.config().tokensPerImage();
    }

    @Override
    public ImagePreprocessor preprocessor(long maxPixels) {
        return new ImagePreprocessor(mm1.config().vision(), new ImageDecoder(maxPixels));
    }

    @Override
    public DType kvDtype() {
        return kvDtype;
    }

    @Override
    public KvCache newCache(int capacity) {
        return mm1.text().newCache(capacity, kvDtype);
    }

    @Override
    public DecodeBatch newDecodeBatch(int sequences) {
        return mm1.text().newDecodeBatch(sequences);
    }

    @Override
    public PrefillJob prefill(KvCache cache, int[] ids, List<Tensor> pixels) {
        return new ImagePrefill(cache, mm1.expand(ids, pixels.size(), positionsPerImage()), pixels);
    }

    @Override
    public void close() {
        lastLogits.close();
        mm1.close();
    }

    /** Encodes the images one per step into one [N·k, tokens, d] tensor, then appends the spliced sequence in chunks. */
    private final class ImagePrefill implements PrefillJob {
        private final KvCache cache;
        private final int[] expanded;
        private final List<Tensor> pixels;
        private final float[] host;
        private Tensor embeds; // [N·k, tokens, d], made with the first image
        private int encoded;   // images encoded so far
        private int next;      // the next position to append

        ImagePrefill(KvCache cache, int[] expanded, List<Tensor> pixels) {
            this.cache = cache;
            this.expanded = expanded;
            this.pixels = pixels;
            this.host = new float[vocabSize()];
        }

        @Override
        public int step(int budget) {
            if (encoded < pixels.size()) {
                encodeNext();
                return positionsPerImage();
            }
            int n = Math.min(Math.max(1, budget), expanded.length - next);
            boolean last = next + n == expanded.length;
            mm1.prefill(cache, expanded, embeds, next, next + n, last ? lastLogits : null);
            if (last) mm1.ops().backend().copyOut(lastLogits, MemorySegment.ofArray(host));
            next += n;
            return n;
        }

        private void encodeNext() {
            Tensor px = pixels.get(encoded);
            try (Mm1Model.Encoded e = mm1.encode(px)) {
                Tensor emb = e.embeds(); // [k, tokens, d]
                long k = emb.dim(0);
                if (k * emb.dim(1) != positionsPerImage()) {
                    throw new Mm1jException("image " + encoded + " became " + k + " x " + emb.dim(1) + " embeddings, expected " + positionsPerImage() + " positions");
                }
                if (embeds == null) embeds = mm1.ops().allocate(DType.F32, pixels.size() * k, emb.dim(1), emb.dim(2));
                mm1.ops().copy(embeds.slice(0, encoded * k, (encoded + 1) * k), emb);
            }
            encoded++;
        }

        @Override
        public boolean done() {
            return encoded == pixels.size() && next == expanded.length;
        }

        @Override
        public float[] logits() {
            return host;
        }

        @Override
        public void close() {
            if (embeds != null) embeds.close();
            embeds = null;
        }
    }

    /** The MM1 configuration (for tests and /health). */
    Mm1Config config() {
        return mm1.config();
    }
}
