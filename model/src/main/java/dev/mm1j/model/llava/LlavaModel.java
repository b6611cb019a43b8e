package dev.mm1j.model.llava;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.vision.RgbImage;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The image half of a LLaVA-1.5 or LLaVA-NeXT model at the loading seam ({@link LlavaFamily} builds it): the
 * checkpoint's own processor ({@link #prepare}: preprocessor_config.json, or spec §9.1 for an mmproj), then every
 * view of every image as one batch through the CLIP tower and the projector, and for NeXT the packing of each
 * image's views into rows ({@link #encode}: spec §9's image_embeds [R, d], every spliced row in sequence order).
 *
 * <p>Each image token of a prompt becomes its image's rows ({@link dev.mm1j.model.ImageSplice}). A GGUF pair's text
 * vocabulary has no image token: there {@link #imageTokenId()} is {@code vocab_size}, an id no text produces, which
 * the prompt builders (and {@code mm1j logits}' {@code img}) put where an image goes.
 */
public final class LlavaModel implements ImageEncoder {
    private final LlavaConfig config;
    private final ProcessorConfig processorConfig;
    private final LlavaImageProcessor processor;
    private final Ops ops;
    private final LlavaVision vision;

    private LlavaModel(LlavaConfig config, ProcessorConfig processorConfig, Ops ops, LlavaVision vision) {
        this.config = config;
        this.processorConfig = processorConfig;
        this.processor = new LlavaImageProcessor(processorConfig);
        this.ops = ops;
        this.vision = vision;
    }

    /**
     * Loads the tower (up to the deepest selected layer), the projector and image_newline from {@code root} (the
     * legacy names of {@link LlavaNames}), for images preprocessed by {@code processor}.
     */
    static LlavaModel load(LlavaConfig config, ProcessorConfig processor, Weights root, Ops ops) {
        checkProcessor(config, processor);
        return new LlavaModel(config, processor, ops, LlavaVision.load(root, config, ops));
    }

    /** The processor's views must be what the encoder takes: image_size squares (and NeXT's pinpoints must agree). */
    static void checkProcessor(LlavaConfig c, ProcessorConfig p) {
        int s = c.vision().imageSize();
        if (c.next() != p.isNext()) {
            throw new Mm1jException("preprocessor_config.json: image_processor_type " + p.type() + " does not go with model_type " + (c.next() ? "llava_next" : "llava"));
        }
        boolean ok = p.isNext() ? p.cropH() == s && p.baseSize() == s
            : p.doCenterCrop() ? p.cropH() == s && p.cropW() == s : p.doResize() && p.sizeH() == s && p.sizeW() == s;
        if (!ok) throw new Mm1jException("preprocessor_config.json: " + p + " does not make the " + s + "x" + s + " views vision_config.image_size needs");
        if (p.isNext()) {
            List<String> a = p.pinpoints().stream().map(Arrays::toString).toList(), b = c.pinpoints().stream().map(Arrays::toString).toList();
            if (!a.equals(b)) throw new Mm1jException("image_grid_pinpoints differ between preprocessor_config.json " + a + " and config.json " + b);
        }
    }

    public LlavaConfig config() {
        return config;
    }

    /** The checkpoint's image processor (preprocessor_config.json, or the mmproj's §9.1 preprocessing). */
    public LlavaImageProcessor processor() {
        return processor;
    }

    public ProcessorConfig processorConfig() {
        return processorConfig;
    }

    /** config.json's image_token_index; for a GGUF pair (no image token in the vocabulary) vocab_size. */
    @Override
    public int imageTokenId() {
        return config.imageTokenIndex() >= 0 ? config.imageTokenIndex() : config.text().vocabSize();
    }

    /** Preprocesses one image: its views [views, 3, S, S] and the rows it becomes. Thread-safe. */
    @Override
    public Input prepare(RgbImage image) {
        LlavaImageProcessor.Processed p = processor.process(image);
        return new Input(p.pixels(), rowsFor(p.height(), p.width()), new int[] {p.width(), p.height()});
    }

    /** Rows an image of {@code height × width} pixels takes in the sequence. */
    public int rowsFor(int height, int width) {
        return vision.rowsFor(height, width);
    }

    /** Encodes the images as one batch of views: rows [Σ rows, d]; outputs {@code image_embeds} (the same rows, spec §9). */
    @Override
    public Encoded encode(List<Input> images) {
        Features f = features(images);
        f.features().close();
        return new Encoded(f.rows(), Map.of("image_embeds", f.rows().reshape(f.rows().shape())));
    }

    /**
     * The images' rows and, before the projector, the selected vision features of every view.
     *
     * @param rows     [R, d]: every row the images put into the sequence, in order
     * @param features [views, tokens, W·layers] (each image's views consecutive)
     */
    public record Features(Tensor rows, Tensor features) implements AutoCloseable {
        @Override
        public void close() {
            rows.close();
            features.close();
        }
    }

    /** {@link #encode}, keeping the vision features too (for checks against transformers' image features). */
    public Features features(List<Input> images) {
        if (images.isEmpty()) throw new Mm1jException("[llava] no images to encode");
        int s = config.vision().imageSize();
        long views = 0;
        for (Input in : images) views += in.pixels().dim(0);
        List<int[]> sizes = new ArrayList<>();
        try (Tensor pixels = Tensor.allocateHost(DType.F32, views, 3, s, s)) {
            long at = 0, viewBytes = 3L * s * s * 4;
            for (int i = 0; i < images.size(); i++) {
                Input in = images.get(i);
                Tensor px = in.pixels();
                if (in.size() == null || px.rank() != 4 || px.dim(1) != 3 || px.dim(2) != s || px.dim(3) != s || px.dtype() != DType.F32 || !px.isContiguous()) {
                    throw new Mm1jException("[llava] image " + i + ": pixels " + px + " (size " + Arrays.toString(in.size()) + "): expected F32 [views, 3, " + s + ", " + s
                        + "] from prepare() with the original size");
                }
                int w = in.size()[0], h = in.size()[1];
                int need = config.next() ? config.anyres().views(h, w) : 1;
                if (px.dim(0) != need) throw new Mm1jException("[llava] image " + i + " (" + w + "x" + h + ") has " + px.dim(0) + " views, its grid needs " + need);
                if (in.rows() != rowsFor(h, w)) throw new Mm1jException("[llava] image " + i + " claims " + in.rows() + " rows, a " + w + "x" + h + " image takes " + rowsFor(h, w));
                MemorySegment.copy(px.data(), 0, pixels.data(), at * viewBytes, px.byteSize());
                at += px.dim(0);
                sizes.add(new int[] {h, w});
            }
            Tensor f = vision.features(pixels);
            try {
                return new Features(vision.rows(f, sizes), f);
            } catch (RuntimeException | Error e) {
                f.close();
                throw e;
            }
        }
    }

    @Override
    public void close() {
        vision.close();
    }

    @Override
    public String toString() {
        return "LlavaModel[" + config.describe() + "]";
    }
}
