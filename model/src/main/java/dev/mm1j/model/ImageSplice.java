package dev.mm1j.model;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.util.Arrays;

/**
 * Images in the sequence (spec §7, §9), for every family: a prompt's image ids are {@link #expand expanded} to one
 * position per row of their image (marked -1), and {@link #prefill} embeds the ids and copies the image rows into
 * the marked positions in order, so positions count through the images and the KV cache records -1 there.
 */
public final class ImageSplice {
    private ImageSplice() {}

    /** How many {@code imageTokenId}s {@code ids} holds. */
    public static int count(int[] ids, int imageTokenId) {
        int n = 0;
        for (int id : ids) if (id == imageTokenId) n++;
        return n;
    }

    /**
     * The expanded sequence: the k-th {@code imageTokenId} becomes {@code rows[k]} positions marked -1, other ids
     * stay. Fails, naming both counts, when the ids hold another number of images than {@code rows} has entries.
     */
    public static int[] expand(int[] ids, int imageTokenId, int[] rows) {
        int found = count(ids, imageTokenId);
        if (found != rows.length) {
            throw new Mm1jException("the prompt has " + found + " image token" + (found == 1 ? "" : "s") + " (id " + imageTokenId + ") but " + rows.length
                + " image" + (rows.length == 1 ? " is" : "s are") + " given: each image needs exactly one");
        }
        long total = ids.length - (long) found;
        for (int r : rows) total += r;
        if (total > Integer.MAX_VALUE - 8) throw new Mm1jException("the prompt expands to " + total + " positions");
        int[] out = new int[(int) total];
        int j = 0, k = 0;
        for (int id : ids) {
            if (id == imageTokenId) {
                Arrays.fill(out, j, j + rows[k], -1);
                j += rows[k++];
            } else {
                out[j++] = id;
            }
        }
        return out;
    }

    /** {@link #expand} with every image taking {@code rowsPerImage} positions. */
    public static int[] expand(int[] ids, int imageTokenId, int images, int rowsPerImage) {
        int[] rows = new int[images];
        Arrays.fill(rows, rowsPerImage);
        return expand(ids, imageTokenId, rows);
    }

    /**
     * Appends positions [{@code from}, {@code to}) of {@code expanded} to {@code cache}, batched: ids are embedded,
     * the positions marked -1 take the rows of {@code imageRows} [R, d] in order (the k-th marked position of the
     * whole sequence gets row k), then the decoder runs. {@code logits} is null, [1, V] (the last position's) or
     * [to − from, V]. {@code imageRows} may be null when the sequence has no image.
     */
    public static void prefill(TextModel text, KvCache cache, int[] expanded, Tensor imageRows, int from, int to, Tensor logits) {
        if (from < 0 || to > expanded.length || to <= from) throw new Mm1jException("[prefill] positions " + from + ".." + to + " of " + expanded.length + " are empty");
        check(text, expanded, imageRows);
        try (Tensor hidden = text.ops().allocate(DType.F32, to - from, text.config().hiddenSize())) {
            splice(text, hidden, expanded, imageRows, from);
            text.forward(cache, hidden, Arrays.copyOfRange(expanded, from, to), logits);
        }
    }

    /**
     * {@code hidden} [n, d] = the embeddings of positions [from, from + n): token embeddings, and image rows where
     * {@code expanded} holds -1 ({@code imageRows} [R, d]: the rows of every image of the sequence, in order).
     */
    public static void splice(TextModel text, Tensor hidden, int[] expanded, Tensor imageRows, int from) {
        int n = (int) hidden.dim(0);
        int[] ids = new int[n];
        int imageRow = 0;
        for (int i = 0; i < from; i++) if (expanded[i] < 0) imageRow++;
        for (int i = 0; i < n; i++) ids[i] = Math.max(expanded[from + i], 0);
        // 1. token embeddings everywhere (image positions get id 0's row, overwritten next)
        text.embed(hidden, ids);
        // 2. each run of image positions takes the next rows of the images
        for (int i = 0; i < n; ) {
            if (expanded[from + i] >= 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && expanded[from + j] < 0) j++;
            text.ops().copy(hidden.slice(0, i, j), imageRows.slice(0, imageRow, imageRow + (j - i)));
            imageRow += j - i;
            i = j;
        }
    }

    /** The image rows must match the positions {@code expanded} marks. */
    private static void check(TextModel text, int[] expanded, Tensor imageRows) {
        long marked = 0;
        for (int id : expanded) if (id < 0) marked++;
        long d = text.config().hiddenSize();
        if (imageRows == null) {
            if (marked > 0) throw new Mm1jException("[prefill] the sequence has " + marked + " image positions but no image rows are given");
            return;
        }
        if (imageRows.rank() != 2 || imageRows.dim(1) != d || imageRows.dtype() != DType.F32) {
            throw new Mm1jException("[prefill] image rows " + imageRows + ": expected F32 [R, " + d + "]");
        }
        if (imageRows.dim(0) != marked) throw new Mm1jException("[prefill] the sequence has " + marked + " image positions but " + imageRows.dim(0) + " image rows are given");
    }
}
