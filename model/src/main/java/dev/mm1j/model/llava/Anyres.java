package dev.mm1j.model.llava;

import dev.mm1j.core.Mm1jException;
import java.util.List;

/**
 * LLaVA-NeXT's "anyres" geometry, as transformers' image_processing_utils / modeling_llava_next define it (and
 * the original LLaVA-1.6 code, for GGUF pairs): which grid pinpoint an image goes to, how it is resized and padded
 * into it, how many 336-px tiles that makes, and which part of the tile grid's features survives unpadding.
 * Pure integer and double arithmetic in the order Python does it, so the choices match to the pixel.
 *
 * @param pinpoints the candidate resolutions as (height, width), in the order they are tried (ties: the first wins)
 * @param tile      the side of one tile (the processor's crop size, the encoder's image_size)
 */
public record Anyres(List<int[]> pinpoints, int tile) {

    public Anyres {
        if (tile < 1) throw new Mm1jException("[anyres] tile size " + tile + " must be positive");
        if (pinpoints == null || pinpoints.isEmpty()) throw new Mm1jException("image_grid_pinpoints is empty");
        pinpoints = pinpoints.stream().map(int[]::clone).toList();
        for (int[] p : pinpoints) {
            if (p.length != 2 || p[0] < tile || p[1] < tile || p[0] % tile != 0 || p[1] % tile != 0) {
                throw new Mm1jException("image_grid_pinpoints entry " + java.util.Arrays.toString(p) + " is not a pair of positive multiples of the tile size "
                    + tile + " (the model cuts the grid into whole tiles)");
            }
        }
    }

    @Override
    public List<int[]> pinpoints() {
        return pinpoints.stream().map(int[]::clone).toList();
    }

    /**
     * select_best_resolution: the pinpoint (height, width) that keeps the most of an {@code h × w} image's pixels
     * when it is scaled to fit, then the one that wastes the fewest; the first of equals.
     */
    public int[] bestResolution(int h, int w) {
        int[] best = null;
        long maxEffective = 0;
        double minWasted = Double.POSITIVE_INFINITY;
        for (int[] p : pinpoints) {
            double scale = Math.min((double) p[1] / w, (double) p[0] / h);
            long dw = (long) (w * scale), dh = (long) (h * scale);
            long effective = Math.min(dw * dh, (long) w * h);
            long wasted = (long) p[0] * p[1] - effective;
            if (effective > maxEffective || effective == maxEffective && wasted < minWasted) {
                maxEffective = effective;
                minWasted = wasted;
                best = p;
            }
        }
        return best.clone();
    }

    /** get_patch_output_size: (height, width) of the image scaled into {@code target} (height, width), aspect kept. */
    public static int[] resizedSize(int h, int w, int[] target) {
        double scaleW = (double) target[1] / w, scaleH = (double) target[0] / h;
        if (scaleW < scaleH) return new int[] {(int) Math.min(Math.ceil(h * scaleW), target[0]), target[1]};
        return new int[] {target[0], (int) Math.min(Math.ceil(w * scaleH), target[1])};
    }

    /** (tile rows, tile columns) of an {@code h × w} image: get_anyres_image_grid_shape. */
    public int[] tiles(int h, int w) {
        int[] b = bestResolution(h, w);
        return new int[] {b[0] / tile, b[1] / tile};
    }

    /** Encoder views of an {@code h × w} image: the base image and its tiles. */
    public int views(int h, int w) {
        int[] t = tiles(h, w);
        return 1 + t[0] * t[1];
    }

    /**
     * unpad_image on a {@code rows × cols} feature grid of an {@code h × w} image: the kept {row0, row1, col0, col1}
     * (half-open). {@code round7}: transformers ≥ 4.45 rounds the scaled side to 7 decimals before truncating
     * ({@code int(round(x, 7))}); older releases and the original LLaVA truncate ({@code int(x)}).
     */
    public static int[] unpadded(int h, int w, int rows, int cols, boolean round7) {
        if ((double) w / h > (double) cols / rows) {
            double scaled = h * ((double) cols / w);
            int newH = (int) (round7 ? round7(scaled) : scaled);
            int pad = (rows - newH) / 2;
            return new int[] {pad, rows - pad, 0, cols};
        }
        double scaled = w * ((double) rows / h);
        int newW = (int) (round7 ? round7(scaled) : scaled);
        int pad = (cols - newW) / 2;
        return new int[] {0, rows, pad, cols - pad};
    }

    /** Python's round(x, 7) for the non-negative values unpadding scales (half to even on the decimal value). */
    static double round7(double x) {
        return new java.math.BigDecimal(x).setScale(7, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * Rows an {@code h × w} image becomes in the sequence (strategy default, {@code g} patches per tile side): g² for
     * the base image, then the unpadded grid with one {@code image_newline} per grid row.
     */
    public int rows(int h, int w, int g, boolean round7) {
        int[] t = tiles(h, w);
        int[] u = unpadded(h, w, t[0] * g, t[1] * g, round7);
        return g * g + (u[1] - u[0]) * (u[3] - u[2] + 1);
    }
}
