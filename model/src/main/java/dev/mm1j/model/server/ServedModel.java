package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.util.List;

/**
 * What the server needs from a model: a text-only decoder ({@link TextServedModel}) or MM1 with its image
 * encoder ({@link Mm1ServedModel}). The prompt side ({@link #tokenizer}, {@link #preprocessor}) is thread-safe
 * and used by the HTTP threads; everything that computes ({@link #newCache}, {@link #prefill}, the decode batch)
 * is used by the engine thread alone.
 */
public interface ServedModel extends AutoCloseable {

    /** One line: the architecture and sizes. */
    String describe();

    int vocabSize();

    /** The longest context worth configuring by default (max_position_embeddings, bounded by the sliding window). */
    int defaultContext();

    /** Thread-safe. */
    Tokenizer tokenizer();

    /** The chat format messages are rendered in. */
    ChatTemplate template();

    /** The system message the format adds when a conversation has none (Qwen's), or null. */
    String defaultSystemPrompt();

    /** The ids that end an answer (EOS, end-of-turn tokens). */
    int[] stopTokens();

    /** The id of {@code <image>}, or -1 when the model takes no images. */
    int imageTokenId();

    /** Positions one {@code <image>} id becomes in the sequence (spec §7); 0 without images. */
    int positionsPerImage();

    /** Turns decoded images into pixels for {@link #prefill} (thread-safe); null without images. */
    ImagePreprocessor preprocessor(long maxPixels);

    /** The KV-cache dtype that suits the backend. */
    DType kvDtype();

    KvCache newCache(int capacity);

    DecodeBatch newDecodeBatch(int sequences);

    /**
     * Starts appending a prompt to an empty {@code cache}: {@code ids} hold one {@link #imageTokenId} per entry of
     * {@code pixels} ([k, 3, S, S] F32 host tensors, one per image, owned by the caller). The work runs in
     * {@link PrefillJob#step}s so that the engine can decode other sequences between them.
     */
    PrefillJob prefill(KvCache cache, int[] ids, List<Tensor> pixels);

    @Override
    void close();

    /** A prompt being appended to a KV cache, piece by piece. Not thread-safe. */
    interface PrefillJob extends AutoCloseable {
        /**
         * Runs the next piece of work, about {@code budget} positions' worth (at least one unit: an image or a
         * chunk of positions), and returns the positions it counted.
         */
        int step(int budget);

        boolean done();

        /** The logits [V] of the last prompt position, once {@link #done()}; the caller may modify them. */
        float[] logits();

        /** Frees what the job holds (image embeddings); idempotent. */
        @Override
        void close();
    }
}
