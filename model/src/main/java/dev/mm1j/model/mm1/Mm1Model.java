package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.vision.Connector;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import dev.mm1j.model.vision.RgbImage;
import dev.mm1j.model.vision.VisionTower;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * MM1's image half (spec §4, §5, §7): the vision tower ({@code vision_tower.}) and the connector ({@code connector.}
 * or {@code multi_modal_projector.}). An input image becomes its views (the image resized, or tiles and an overview
 * with {@code image_split}), each encoded on its own; their embeddings follow each other at the image's one
 * {@code <image>} position, {@link Mm1Config#tokensPerImage()} rows in all. Runs on one thread at a time.
 */
public final class Mm1Model implements ImageEncoder {
    private final Mm1Config config;
    private final Ops ops;
    private final VisionTower vision;
    private final Connector connector;
    private final ImagePreprocessor preprocessor;

    private Mm1Model(Mm1Config config, Ops ops, VisionTower vision, Connector connector) {
        this.config = config;
        this.ops = ops;
        this.vision = vision;
        this.connector = connector;
        this.preprocessor = new ImagePreprocessor(config.vision(), ImageDecoder.withDefaultLimit());
    }

    /** Loads the vision tower and the connector from {@code root} (the checkpoint's top level). */
    public static Mm1Model load(Mm1Config config, Weights root, Ops ops) {
        VisionTower vt = VisionTower.load(root, config.vision(), ops);
        try {
            return new Mm1Model(config, ops, vt, Connector.load(root, config.vision(), config.text().hiddenSize(), ops));
        } catch (RuntimeException | Error e) {
            vt.close();
            throw e;
        }
    }

    public Mm1Config config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    public VisionTower visionTower() {
        return vision;
    }

    public Connector connector() {
        return connector;
    }

    // ================================================================== ImageEncoder

    @Override
    public int imageTokenId() {
        return config.imageTokenId();
    }

    /** The views of {@code image} (resized, or tiles + overview), normalised: [k, 3, S, S]. */
    @Override
    public Input prepare(RgbImage image) {
        return new Input(preprocessor.normalise(preprocessor.views(image)), config.tokensPerImage(), new int[] {image.width(), image.height()});
    }

    /**
     * The image entries of {@code pixels} [N, 3, S, S] (already preprocessed, spec §8 {@code --pixels}): one image
     * each, no splitting; views of {@code pixels}, which the caller keeps open.
     */
    public List<Input> inputs(Tensor pixels) {
        checkPixels(pixels);
        int s = (int) pixels.dim(2), rows = connector.tokensPerImage(s / config.vision().vision().patchSize());
        Input[] out = new Input[(int) pixels.dim(0)];
        for (int i = 0; i < out.length; i++) out[i] = new Input(pixels.slice(0, i, i + 1), rows, null);
        return List.of(out);
    }

    /**
     * Encodes the views of {@code images} as one batch. Outputs (spec §8): {@code vision_features} [views, g², W]
     * and {@code image_embeds} [views, tokens, d]; rows: the embeddings flattened to [views·tokens, d].
     */
    @Override
    public Encoded encode(List<Input> images) {
        if (images.isEmpty()) throw new Mm1jException("[encode] no images");
        Tensor pixels = images.getFirst().pixels();
        if (images.size() > 1) {
            long views = 0;
            for (Input i : images) views += i.pixels().dim(0);
            pixels = Tensor.allocateHost(DType.F32, views, pixels.dim(1), pixels.dim(2), pixels.dim(3));
            long at = 0;
            for (Input i : images) {
                Tensor p = i.pixels();
                if (p.dim(2) != pixels.dim(2) || p.dim(3) != pixels.dim(3)) {
                    pixels.close();
                    throw new Mm1jException("[encode] images of one batch must share their size: " + p + " after " + images.getFirst().pixels());
                }
                MemorySegment.copy(p.segment(), p.byteOffset(), pixels.data(), at, p.byteSize());
                at += p.byteSize();
            }
        }
        try {
            Features f = encode(pixels);
            Tensor rows = f.embeds().reshape(f.embeds().dim(0) * f.embeds().dim(1), f.embeds().dim(2));
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            outputs.put("vision_features", f.features());
            outputs.put("image_embeds", f.embeds());
            return new Encoded(rows, outputs);
        } finally {
            if (images.size() > 1) pixels.close();
        }
    }

    /**
     * The encoder's features and the connector's embeddings of some views.
     *
     * @param features [N, g², W]: hidden state {@code vision_feature_layer} without the class token (spec §4)
     * @param embeds   [N, tokens, d]: the connector's output (spec §5)
     */
    public record Features(Tensor features, Tensor embeds) implements AutoCloseable {
        @Override
        public void close() {
            features.close();
            embeds.close();
        }
    }

    /** Encodes pixels [N, 3, S, S] (F32, preprocessed) as one batch. The caller closes the result. */
    public Features encode(Tensor pixels) {
        return encode(pixels, Integer.MAX_VALUE, null);
    }

    /**
     * Encodes pixels [N, 3, S, S] in batches of at most {@code chunk} views; {@code done} (nullable) hears the
     * number of views finished after each batch (for progress lines).
     */
    public Features encode(Tensor pixels, int chunk, IntConsumer done) {
        checkPixels(pixels);
        long n = pixels.dim(0);
        if (n <= chunk) {
            Tensor f = vision.features(pixels);
            try {
                Tensor e = connector.embeddings(f);
                if (done != null) done.accept((int) n);
                return new Features(f, e);
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
            return new Features(features, embeds);
        } catch (RuntimeException | Error ex) {
            features.close();
            embeds.close();
            throw ex;
        }
    }

    private void checkPixels(Tensor pixels) {
        int patch = config.vision().vision().patchSize();
        long[] s = pixels.shape();
        if (pixels.rank() != 4 || s[0] < 1 || s[1] != 3 || s[2] != s[3] || s[2] < patch || s[2] % patch != 0 || pixels.dtype() != DType.F32) {
            throw new Mm1jException("[encode] pixels " + pixels + ": expected F32 [N, 3, S, S] with N >= 1 and S a multiple of patch_size " + patch);
        }
    }

    @Override
    public void close() {
        connector.close();
        vision.close();
    }

    @Override
    public String toString() {
        return "Mm1Model[" + config.describe() + "]";
    }
}
