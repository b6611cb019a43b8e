package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.mm1.Mm1Config;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.IOException;
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

    private Mm1ServedModel(Mm1Model mm1, Tokenizer tokenizer, ChatTemplate template, String jinja, DType kvDtype) {
        this.mm1 = mm1;
        this.tokenizer = tokenizer;
        this.template = template;
        this.jinja = jinja;
        this.kvDtype = kvDtype;
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
    public TextModel text() {
        return mm1.text();
    }

    @Override
    public PrefillJob prefill(int[] ids, List<Tensor> pixels) {
        return new ImagePrefill(mm1.expand(ids, pixels.size(), positionsPerImage()), pixels);
    }

    @Override
    public int encode(List<PrefillJob> jobs, int maxImages) {
        // the next images of the jobs, in order
        List<ImagePrefill> owners = new java.util.ArrayList<>();
        List<Tensor> px = new java.util.ArrayList<>();
        for (PrefillJob j : jobs) {
            ImagePrefill ip = (ImagePrefill) j;
            for (int i = ip.encoded; i < ip.pixels.size() && px.size() < maxImages; i++) {
                owners.add(ip);
                px.add(ip.pixels.get(i));
            }
        }
        if (px.isEmpty()) return 0;
        // one batch [Σk, 3, S, S] through the encoder, its embeddings handed back image by image
        Tensor batch = px.getFirst();
        if (px.size() > 1) {
            long views = 0;
            for (Tensor t : px) views += t.dim(0);
            Tensor first = px.getFirst();
            batch = Tensor.allocateHost(DType.F32, views, first.dim(1), first.dim(2), first.dim(3));
            long at = 0;
            for (Tensor t : px) {
                java.lang.foreign.MemorySegment.copy(t.data(), 0, batch.data(), at, t.byteSize());
                at += t.byteSize();
            }
        }
        try (Mm1Model.Encoded e = mm1.encode(batch)) {
            long row = 0;
            for (int i = 0; i < px.size(); i++) {
                long k = px.get(i).dim(0);
                owners.get(i).store(e.embeds().slice(0, row, row + k));
                row += k;
            }
        } finally {
            if (batch != px.getFirst()) batch.close();
        }
        return px.size();
    }

    @Override
    public void close() {
        mm1.close();
    }

    /** Encodes the images one at a time into one [N·k, tokens, d] tensor; chunks are spliced from it (spec §7). */
    private final class ImagePrefill implements PrefillJob {
        private final int[] expanded;
        private final List<Tensor> pixels;
        private Tensor embeds; // [N·k, tokens, d], made with the first image
        private Tensor rows;   // the same as [N·k·tokens, d]
        private int encoded;   // images encoded so far
        private int next;      // the next position to hand out

        ImagePrefill(int[] expanded, List<Tensor> pixels) {
            this.expanded = expanded;
            this.pixels = pixels;
        }

        /** Keeps the embeddings [k, tokens, d] of the next image. */
        void store(Tensor emb) {
            long k = emb.dim(0);
            if (k * emb.dim(1) != positionsPerImage()) {
                throw new Mm1jException("image " + encoded + " became " + k + " x " + emb.dim(1) + " embeddings, expected " + positionsPerImage() + " positions");
            }
            if (embeds == null) {
                embeds = mm1.ops().allocate(DType.F32, pixels.size() * k, emb.dim(1), emb.dim(2));
                rows = embeds.reshape(embeds.dim(0) * embeds.dim(1), embeds.dim(2));
            }
            mm1.ops().copy(embeds.slice(0, encoded * k, (encoded + 1) * k), emb);
            encoded++;
        }

        @Override
        public boolean imagesDone() {
            return encoded == pixels.size();
        }

        @Override
        public int remaining() {
            return expanded.length - next;
        }

        @Override
        public void fill(Tensor hidden, int n, int[] ids, int off) {
            if (!imagesDone()) throw new IllegalStateException("images not encoded yet");
            mm1.splice(hidden, expanded, rows, next);
            System.arraycopy(expanded, next, ids, off, n);
            next += n;
        }

        @Override
        public void close() {
            if (embeds != null) embeds.close();
            embeds = null;
            rows = null;
        }
    }

    /** The MM1 configuration (for tests and /health). */
    Mm1Config config() {
        return mm1.config();
    }
}
