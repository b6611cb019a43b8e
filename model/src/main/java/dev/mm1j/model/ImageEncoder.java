package dev.mm1j.model;

import dev.mm1j.core.Tensor;
import dev.mm1j.model.vision.RgbImage;
import java.util.List;
import java.util.Map;

/**
 * The image half of a multimodal family: what turns a decoded picture into rows of the decoder's input. A prompt
 * holds one {@link #imageTokenId()} per image; each becomes that image's {@link Input#rows()} positions (spec §7,
 * §9), filled with the rows {@link #encode} computes.
 *
 * <p>{@link #prepare} is the family's preprocessing (resize, crop, tiles, normalisation) and is thread-safe, so
 * request threads can run it; {@link #encode} computes on the model's backend and belongs to the thread that owns
 * the model.
 */
public interface ImageEncoder extends AutoCloseable {

    /** The id that marks an image in a prompt. */
    int imageTokenId();

    /** The image as the encoder takes it: its views as pixels and the rows it becomes. Thread-safe. */
    Input prepare(RgbImage image);

    /**
     * Encodes {@code images} as one batch. The result's {@link Encoded#rows()} holds every image's rows in order
     * ([Σ rows, d], the backend's memory); the caller closes it.
     */
    Encoded encode(List<Input> images);

    /**
     * One image ready for the encoder.
     *
     * @param pixels host F32 [k, 3, S, S]: the views the encoder sees (one, or tiles and an overview)
     * @param rows   decoder positions the image becomes
     * @param size   the original width and height (families whose rows depend on them, e.g. LLaVA-NeXT), or null
     */
    /** Frees the encoder's weights and buffers. */
    @Override
    default void close() {}

    record Input(Tensor pixels, int rows, int[] size) implements AutoCloseable {
        @Override
        public void close() {
            pixels.close();
        }
    }

    /**
     * Encoded images.
     *
     * @param rows    F32 [Σ rows, d]: every image's rows, in order
     * @param outputs the tensors the conformance command writes (spec §8/§9: {@code image_embeds}, and for MM1
     *                {@code vision_features}), owned by this object
     */
    record Encoded(Tensor rows, Map<String, Tensor> outputs) implements AutoCloseable {
        @Override
        public void close() {
            rows.close();
            outputs.values().forEach(Tensor::close); // views of rows close to nothing
        }
    }
}
