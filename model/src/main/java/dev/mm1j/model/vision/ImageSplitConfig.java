package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;

/**
 * {@code image_split} of config.json (spec §7, MM1's high-resolution scheme): when enabled, an image is
 * resized to {@code sub_image_size·grid[1]} wide × {@code sub_image_size·grid[0]} high and cut into
 * {@code grid[0] × grid[1]} tiles (row-major), plus an overview (the whole image at {@code sub_image_size}²)
 * placed {@code "after"} or {@code "before"} the tiles. Each is encoded on its own at {@code sub_image_size}.
 *
 * @param enabled      {@code enabled}
 * @param subImageSize {@code sub_image_size}
 * @param rows         {@code grid[0]}
 * @param cols         {@code grid[1]}
 * @param overview     {@code overview}: {@code after} or {@code before}
 */
public record ImageSplitConfig(boolean enabled, int subImageSize, int rows, int cols, String overview) {

    public ImageSplitConfig {
        if (subImageSize <= 0) throw new Mm1jException("image_split.sub_image_size " + subImageSize + " must be positive");
        if (rows <= 0 || cols <= 0) throw new Mm1jException("image_split.grid [" + rows + ", " + cols + "] must hold two positive integers");
        if ((long) rows * cols > 64) throw new Mm1jException("image_split.grid [" + rows + ", " + cols + "] has more than 64 tiles");
        if (!"after".equals(overview) && !"before".equals(overview)) {
            throw new Mm1jException("image_split.overview '" + overview + "' is not supported (after or before)");
        }
    }

    /** Splitting off (the spec's default values otherwise). */
    public static ImageSplitConfig disabled() {
        return new ImageSplitConfig(false, 672, 2, 2, "after");
    }

    /** Reads the {@code image_split} object (null: disabled). */
    public static ImageSplitConfig fromJson(JsonObject o) {
        if (o == null) return disabled();
        int rows = 2, cols = 2;
        if (o.has("grid")) {
            long[] g = o.getLongs("grid");
            if (g.length != 2) throw new Mm1jException("image_split.grid must hold 2 integers [rows, cols], got " + g.length);
            if (g[0] <= 0 || g[1] <= 0 || g[0] > 64 || g[1] > 64) throw new Mm1jException("image_split.grid [" + g[0] + ", " + g[1] + "] must hold two integers in 1..64");
            rows = (int) g[0];
            cols = (int) g[1];
        }
        return new ImageSplitConfig(o.optBoolean("enabled", false), o.optInt("sub_image_size", 672), rows, cols, o.optString("overview", "after"));
    }

    /** Images the encoder sees per input image: tiles + overview when enabled, else 1. */
    public int imagesPerInput() {
        return enabled ? rows * cols + 1 : 1;
    }

    /** Index of the overview among an input's {@link #imagesPerInput()} images. */
    public int overviewIndex() {
        return "before".equals(overview) ? 0 : rows * cols;
    }
}
