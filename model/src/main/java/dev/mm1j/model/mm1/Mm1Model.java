package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.vision.Connector;
import dev.mm1j.model.vision.VisionTower;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The assembled MM1 model (spec §1): the vision tower ({@code vision_tower.}), the connector ({@code connector.}
 * or {@code multi_modal_projector.}) and the language model ({@code language_model.}).
 *
 * <p>Images go through {@link #encode} as one batch (or in chunks, for progress); a prompt's ids are
 * {@link #expand expanded} so that each {@code <image>} id becomes the image's {@code tokens} positions (marked -1),
 * and {@link #prefill} splices the connector's outputs into those positions (spec §7): positions count through
 * the image embeddings, and the KV cache records -1 there.
 *
 * <p>Runs one forward at a time (the decoder's buffers are shared): use it from one thread.
 */
public final class Mm1Model implements AutoCloseable {
    private final Mm1Config config;
    private final Ops ops;
    private final VisionTower vision;
    private final Connector connector;
    private final TextModel text;
    private final AutoCloseable[] owned; // checkpoint files and converted weights, closed last

    private Mm1Model(Mm1Config config, Ops ops, VisionTower vision, Connector connector, TextModel text, AutoCloseable... owned) {
        this.config = config;
        this.ops = ops;
        this.vision = vision;
        this.connector = connector;
        this.text = text;
        this.owned = owned;
    }

    /**
     * Loads the three parts from {@code root} (the checkpoint's top level). The caller keeps {@code root} open
     * while the model lives, and calls {@link Weights#finish()} to hear about unused tensors.
     */
    public static Mm1Model load(Mm1Config config, Weights root, Ops ops) {
        VisionTower vt = null;
        Connector conn = null;
        try {
            vt = VisionTower.load(root, config.vision(), ops);
            conn = Connector.load(root, config.vision(), config.text().hiddenSize(), ops);
            TextModel tm = TextModel.load(config.text(), root.prefix("language_model"), ops);
            return new Mm1Model(config, ops, vt, conn, tm);
        } catch (RuntimeException | Error e) {
            if (conn != null) conn.close();
            if (vt != null) vt.close();
            throw e;
        }
    }

    /**
     * Opens an MM1 checkpoint folder (config.json + safetensors) and loads it; {@code matrixDtype} (nullable)
     * converts the matmul weights on load ({@code --weights}). {@code warnings} (nullable: stderr) receives one
     * line per unused tensor group or unconverted matrix. The model owns the open files.
     */
    public static Mm1Model open(Path folder, DType matrixDtype, Ops ops, Consumer<String> warnings) throws IOException {
        Checkpoint ckpt = Checkpoint.open(folder, matrixDtype);
        Weights w = null;
        try {
            Mm1Config config = Mm1Config.fromJson(ckpt.config());
            w = new Weights(ckpt.weights(), matrixDtype);
            if (warnings != null) w.warnings(warnings);
            Mm1Model m = load(config, w, ops);
            w.finish();
            return new Mm1Model(config, ops, m.vision, m.connector, m.text, w, ckpt);
        } catch (RuntimeException | Error e) {
            if (w != null) w.close();
            ckpt.close();
            throw e;
        }
    }

    /**
     * A model with seeded random weights generated in memory ({@link RandomMm1Weights}: matmul weights in
     * {@code dtype}, e.g. Q8_0, written directly in that type), for benchmarks of the presets. Fails before allocating
     * when they would take more than {@code maxBytes}.
     */
    public static Mm1Model random(Mm1Config config, DType dtype, long seed, Ops ops, long maxBytes) {
        RandomMm1Weights src = new RandomMm1Weights(config, dtype, seed, maxBytes);
        Weights w = new Weights(src);
        try {
            Mm1Model m = load(config, w, ops);
            return new Mm1Model(config, ops, m.vision, m.connector, m.text, w, src);
        } catch (RuntimeException | Error e) {
            w.close();
            src.close();
            throw e;
        }
    }

    public Mm1Config config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    /** The language model (for decoding after {@link #prefill}). */
    public TextModel text() {
        return text;
    }

    public VisionTower visionTower() {
        return vision;
    }

    public Connector connector() {
        return connector;
    }

    // ================================================================== images

    /**
     * The encoder's features and the connector's embeddings of some images.
     *
     * @param features [N, g², W]: hidden state {@code vision_feature_layer} without the class token (spec §4)
     * @param embeds   [N, tokens, d]: the connector's output (spec §5)
     */
    public record Encoded(Tensor features, Tensor embeds) implements AutoCloseable {
        @Override
        public void close() {
            features.close();
            embeds.close();
        }
    }

    /** Encodes pixels [N, 3, S, S] (F32, preprocessed) as one batch. The caller closes the result. */
    public Encoded encode(Tensor pixels) {
        return encode(pixels, Integer.MAX_VALUE, null);
    }

    /**
     * Encodes pixels [N, 3, S, S] in batches of at most {@code chunk} images; {@code done} (nullable) hears the
     * number of images finished after each batch (for progress lines).
     */
    public Encoded encode(Tensor pixels, int chunk, IntConsumer done) {
        if (pixels.rank() != 4 || pixels.dim(0) < 1) throw new Mm1jException("[encode] pixels " + pixels + ": expected F32 [N, 3, S, S] with N >= 1");
        long n = pixels.dim(0);
        if (n <= chunk) {
            Tensor f = vision.features(pixels);
            try {
                Tensor e = connector.embeddings(f);
                if (done != null) done.accept((int) n);
                return new Encoded(f, e);
            } catch (RuntimeException | Error ex) {
                f.close();
                throw ex;
            }
        }
        long g = pixels.dim(2) / config.vision().vision().patchSize();
        long w = config.vision().vision().hiddenSize(), d = config.text().hiddenSize();
        long tokens = connector.tokensPerImage((int) g);
        Tensor features = ops.allocate(DType.F32, n, g * g, w);
        Tensor embeds = ops.allocate(DType.F32, n, tokens, d);
        try {
            for (long a = 0; a < n; a += chunk) {
                long b = Math.min(n, a + chunk);
                try (Tensor f = vision.features(pixels.slice(0, a, b)); Tensor e = connector.embeddings(f)) {
                    ops.copy(features.slice(0, a, b), f);
                    ops.copy(embeds.slice(0, a, b), e);
                }
                if (done != null) done.accept((int) b);
            }
            return new Encoded(features, embeds);
        } catch (RuntimeException | Error ex) {
            features.close();
            embeds.close();
            throw ex;
        }
    }

    /**
     * The embeddings of {@code inputs} input images as the sequence takes them, [inputs, k·tokens, d]: with
     * image_split each input is k encoder images (tiles and overview, in order) whose embeddings follow each other at
     * its one {@code <image>}. A view of {@code embeds} [inputs·k, tokens, d].
     */
    public static Tensor perInput(Tensor embeds, int inputs) {
        long views = embeds.dim(0);
        if (inputs < 1 || views % inputs != 0) throw new Mm1jException("[images] " + views + " encoded views do not split into " + inputs + " inputs");
        return embeds.reshape(inputs, views / inputs * embeds.dim(1), embeds.dim(2));
    }

    // ================================================================== the sequence

    /**
     * The expanded sequence of {@code ids} (spec §7): every {@code image_token_id} becomes {@code tokensPerImage}
     * positions marked -1, other ids stay. Fails when the ids hold another number of images than {@code images}.
     */
    public int[] expand(int[] ids, int images, int tokensPerImage) {
        int found = countImages(ids);
        if (found != images) {
            throw new Mm1jException("the prompt has " + found + " image token" + (found == 1 ? "" : "s") + " (<image>, id " + config.imageTokenId()
                + ") but " + images + " image" + (images == 1 ? " is" : "s are") + " given: each image needs exactly one");
        }
        int[] out = new int[Math.addExact(ids.length, Math.multiplyExact(images, tokensPerImage - 1))];
        int j = 0;
        for (int id : ids) {
            if (id == config.imageTokenId()) {
                java.util.Arrays.fill(out, j, j + tokensPerImage, -1);
                j += tokensPerImage;
            } else {
                out[j++] = id;
            }
        }
        return out;
    }

    /** How many {@code image_token_id}s {@code ids} holds. */
    public int countImages(int[] ids) {
        int n = 0;
        for (int id : ids) if (id == config.imageTokenId()) n++;
        return n;
    }

    /**
     * Appends positions [{@code from}, {@code to}) of the expanded sequence {@code expanded} (from {@link #expand})
     * to {@code cache}, batched: ids are embedded, the positions marked -1 take the rows of {@code imageEmbeds}
     * [N, tokens, d] in order (the k-th marked position of the whole sequence gets row k of the flattened
     * embeddings), then the decoder runs. {@code logits} is null, [1, V] (the last position's) or
     * [to − from, V]. {@code imageEmbeds} may be null when the sequence has no image.
     */
    public void prefill(KvCache cache, int[] expanded, Tensor imageEmbeds, int from, int to, Tensor logits) {
        if (from < 0 || to > expanded.length || to <= from) throw new Mm1jException("[prefill] positions " + from + ".." + to + " of " + expanded.length + " are empty");
        Tensor rows = imageRows(expanded, imageEmbeds);
        long d = config.text().hiddenSize();
        try (Tensor hidden = ops.allocate(DType.F32, to - from, d)) {
            splice(hidden, expanded, rows, from);
            text.forward(cache, hidden, java.util.Arrays.copyOfRange(expanded, from, to), logits);
        }
    }

    /**
     * {@code hidden} [n, d] = the embeddings of positions [from, from + n): token embeddings, and image rows where
     * {@code expanded} holds -1. {@code rows} are the image embeddings flattened to [images·tokens, d].
     */
    public void splice(Tensor hidden, int[] expanded, Tensor rows, int from) {
        int n = (int) hidden.dim(0);
        int[] ids = new int[n];
        int imageRow = 0;
        for (int i = 0; i < from; i++) if (expanded[i] < 0) imageRow++;
        for (int i = 0; i < n; i++) ids[i] = Math.max(expanded[from + i], 0);
        // 1. token embeddings everywhere (image positions get id 0's row, overwritten next)
        text.embed(hidden, ids);
        // 2. each run of image positions takes the next rows of the image embeddings
        for (int i = 0; i < n; ) {
            if (expanded[from + i] >= 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && expanded[from + j] < 0) j++;
            ops.copy(hidden.slice(0, i, j), rows.slice(0, imageRow, imageRow + (j - i)));
            imageRow += j - i;
            i = j;
        }
    }

    /** The image embeddings as rows [images·tokens, d], checked against the positions {@code expanded} marks. */
    Tensor imageRows(int[] expanded, Tensor imageEmbeds) {
        long marked = 0;
        for (int id : expanded) if (id < 0) marked++;
        long d = config.text().hiddenSize();
        if (imageEmbeds == null) {
            if (marked > 0) throw new Mm1jException("[prefill] the sequence has " + marked + " image positions but no image embeddings are given");
            return null;
        }
        if (imageEmbeds.rank() != 3 || imageEmbeds.dim(2) != d || imageEmbeds.dtype() != DType.F32 || !imageEmbeds.isContiguous()) {
            throw new Mm1jException("[prefill] image embeddings " + imageEmbeds + ": expected contiguous F32 [N, tokens, " + d + "]");
        }
        long have = imageEmbeds.dim(0) * imageEmbeds.dim(1);
        if (have != marked) throw new Mm1jException("[prefill] the sequence has " + marked + " image positions but the image embeddings hold " + have + " rows");
        return imageEmbeds.reshape(have, d);
    }

    @Override
    public void close() {
        text.close();
        connector.close();
        vision.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new Mm1jException("closing " + c + ": " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "Mm1Model[" + config.describe() + "]";
    }
}
