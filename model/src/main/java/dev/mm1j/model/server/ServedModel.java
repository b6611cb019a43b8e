package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.text.TextModel;
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

    /** The decoder: KV caches, batched steps, token embeddings (engine thread). */
    TextModel text();

    /**
     * Prepares a prompt: {@code ids} hold one {@link #imageTokenId} per entry of {@code pixels} ([k, 3, S, S] F32
     * host tensors, one per image, owned by the caller). The engine encodes the images, then appends the positions
     * chunk by chunk, mixed with other sequences' rows.
     */
    PrefillJob prefill(int[] ids, List<Tensor> pixels);

    /**
     * Encodes up to {@code maxImages} images the {@code jobs} (from {@link #prefill}) still wait for, oldest job
     * first, as one batch; returns how many it encoded. A model without images encodes none.
     */
    default int encode(List<PrefillJob> jobs, int maxImages) {
        return 0;
    }

    @Override
    void close();

    /** A prompt on its way into a KV cache: its images, then its positions as embeddings. Not thread-safe. */
    interface PrefillJob extends AutoCloseable {
        /** Whether every image of the prompt is encoded (see {@link ServedModel#encode}). */
        boolean imagesDone();

        /** Positions not yet handed out by {@link #fill}. */
        int remaining();

        /**
         * Writes the embeddings of the next {@code n} positions into {@code rows} F32 [n, d] and their ids (-1 for
         * image positions) into {@code ids[off, off + n)}, and moves past them. Needs {@link #imagesDone()}.
         */
        void fill(Tensor rows, int n, int[] ids, int off);

        /** Frees what the job holds (image embeddings); idempotent. */
        @Override
        void close();
    }
}
