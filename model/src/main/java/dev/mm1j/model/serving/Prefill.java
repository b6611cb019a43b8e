package dev.mm1j.model.serving;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.text.TextModel;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt on its way into a KV cache: its images are encoded (several requests' images in one batch, see
 * {@link Engine}), then its positions are handed out chunk by chunk as embeddings, token rows and image rows
 * spliced (spec §7). Engine thread only.
 */
final class Prefill implements AutoCloseable {
    private final TextModel text;
    private final int[] expanded;
    private final List<ImageEncoder.Input> images;
    private Tensor rows;  // [Σ rows, d]: every image's rows, made with the first image
    private int encoded;  // images encoded so far
    private long rowsIn;  // rows stored so far
    private int next;     // the next position to hand out

    Prefill(TextModel text, int[] expanded, List<ImageEncoder.Input> images) {
        if (expanded.length == 0) throw new EngineException(EngineException.Kind.BAD_INPUT, "empty prompt");
        this.text = text;
        this.expanded = expanded;
        this.images = images;
    }

    /** Whether every image of the prompt is encoded. */
    boolean imagesDone() {
        return encoded == images.size();
    }

    /** The images not encoded yet. */
    List<ImageEncoder.Input> pendingImages() {
        return images.subList(encoded, images.size());
    }

    /** Keeps the rows [rows, d] of the next image. */
    void store(Tensor imageRows) {
        ImageEncoder.Input in = images.get(encoded);
        if (imageRows.dim(0) != in.rows()) throw new Mm1jException("image " + encoded + " became " + imageRows.dim(0) + " rows, expected " + in.rows());
        if (rows == null) {
            long total = 0;
            for (ImageEncoder.Input i : images) total += i.rows();
            rows = text.ops().allocate(DType.F32, total, text.config().hiddenSize());
        }
        text.ops().copy(rows.slice(0, rowsIn, rowsIn + in.rows()), imageRows);
        rowsIn += in.rows();
        encoded++;
    }

    /** Positions not yet handed out by {@link #fill}. */
    int remaining() {
        return expanded.length - next;
    }

    /**
     * Writes the embeddings of the next {@code n} positions into {@code hidden} F32 [n, d] and their ids (-1 for
     * image positions) into {@code ids[off, off + n)}, and moves past them. Needs {@link #imagesDone()}.
     */
    void fill(Tensor hidden, int n, int[] ids, int off) {
        if (!imagesDone()) throw new IllegalStateException("images not encoded yet");
        if (images.isEmpty()) text.embed(hidden, Arrays.copyOfRange(expanded, next, next + n));
        else ImageSplice.splice(text, hidden, expanded, rows, next);
        System.arraycopy(expanded, next, ids, off, n);
        next += n;
    }

    /** Frees the image rows; idempotent. */
    @Override
    public void close() {
        if (rows != null) rows.close();
        rows = null;
    }
}
