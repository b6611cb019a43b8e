package dev.mm1j.model.llava;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.vision.MlpProjector;
import dev.mm1j.model.vision.Probe;
import dev.mm1j.model.vision.VisionTower;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The image side of LLaVA (transformers' {@code get_image_features} and, for NeXT, {@code pack_image_features}): the
 * CLIP tower's selected hidden states (one layer or several concatenated; the class token dropped unless the strategy
 * is full), the MLP projector on every view, and for LLaVA-NeXT the packing of each image's views into rows: the base
 * image's g² rows, then the tile grid (tiles row-major, g × g features each) cropped by unpadding, row by row, each
 * grid row followed by {@code image_newline}.
 */
final class LlavaVision implements AutoCloseable {
    private final LlavaConfig c;
    private final Ops ops;
    private final VisionTower tower;
    private final MlpProjector projector;
    private final Tensor newline; // F32 [d] (NeXT), else null

    private LlavaVision(LlavaConfig c, Ops ops, VisionTower tower, MlpProjector projector, Tensor newline) {
        this.c = c;
        this.ops = ops;
        this.tower = tower;
        this.projector = projector;
        this.newline = newline;
    }

    /** Loads the tower (up to the deepest selected layer), the projector and image_newline from {@code root} (legacy names). */
    static LlavaVision load(Weights root, LlavaConfig c, Ops ops) {
        VisionTower tower = VisionTower.load(root, c.vision(), c.layersToRun(), ops);
        try {
            long d = c.text().hiddenSize();
            MlpProjector proj = MlpProjector.load(root, c.featureWidth(), d, c.projectorBias(), c.projectorAct(), ops);
            Tensor nl = c.next() ? root.on(ops).f32("image_newline", d) : null;
            return new LlavaVision(c, ops, tower, proj, nl);
        } catch (RuntimeException | Error e) {
            tower.close();
            throw e;
        }
    }

    /** The selected features [V, tokens, W·layers] of pixels [V, 3, S, S]; the caller closes them. */
    Tensor features(Tensor pixels) {
        int s = c.vision().imageSize();
        if (pixels.rank() != 4 || pixels.dim(2) != s || pixels.dim(3) != s) {
            throw new Mm1jException("[llava] pixels " + pixels + ": the encoder takes " + s + "x" + s + " views (vision_config.image_size)");
        }
        return tower.hiddenStates(pixels, c.hiddenStates(), !c.keepClass(), Probe.NONE);
    }

    /**
     * The rows every image becomes, in sequence order, from the features [V, tokens, W·layers] of all images' views
     * (each image's views consecutive: one for llava, base then tiles for NeXT). {@code sizes} holds each image's
     * (height, width). Returns [R, d]; the caller closes it.
     */
    Tensor rows(Tensor features, List<int[]> sizes) {
        long v = features.dim(0), t = features.dim(1), d = c.text().hiddenSize();
        if (!c.next()) {
            if (v != sizes.size()) throw new Mm1jException("[llava] " + v + " views for " + sizes.size() + " images");
            Tensor out = ops.allocate(DType.F32, v * t, d);
            try {
                projector.project(out.reshape(v, t, d), features);
                return out;
            } catch (RuntimeException | Error e) {
                out.close();
                throw e;
            }
        }
        // the table: every view's projected rows, then image_newline
        int g = c.grid();
        Tensor table = ops.allocate(DType.F32, v * t + 1, d);
        try {
            projector.project(table.slice(0, 0, v * t).reshape(v, t, d), features);
            ops.copy(table.slice(0, v * t, v * t + 1), newline.reshape(1, d));
            int[] index = packIndex(sizes, (int) v, g);
            Tensor out = ops.allocate(DType.F32, index.length, d);
            try (Tensor ids = ops.allocate(DType.I32, index.length)) {
                ops.copyIn(ids, MemorySegment.ofArray(index));
                ops.getRows(out, table, ids);
                return out;
            } catch (RuntimeException | Error e) {
                out.close();
                throw e;
            }
        } finally {
            table.close();
        }
    }

    /**
     * For every output row, the table row it copies: per image, the base view's g² rows, then for each kept grid row
     * the kept grid columns (tile {@code 1 + (y/g)·cols + x/g}, position {@code (y%g)·g + x%g}) and the newline (the
     * table's last row).
     */
    int[] packIndex(List<int[]> sizes, int views, int g) {
        Anyres a = c.anyres();
        int gg = g * g, newlineRow = views * gg;
        int total = 0;
        for (int[] s : sizes) total = Math.addExact(total, a.rows(s[0], s[1], g, c.unpadRound7()));
        int[] out = new int[total];
        int k = 0, first = 0;
        for (int[] s : sizes) {
            int[] tiles = a.tiles(s[0], s[1]);
            if (first + 1 + tiles[0] * tiles[1] > views) throw new Mm1jException("[llava] the images need more views than the " + views + " encoded");
            for (int i = 0; i < gg; i++) out[k++] = first * gg + i;
            int[] u = Anyres.unpadded(s[0], s[1], tiles[0] * g, tiles[1] * g, c.unpadRound7());
            for (int y = u[0]; y < u[1]; y++) {
                for (int x = u[2]; x < u[3]; x++) {
                    int tile = 1 + (y / g) * tiles[1] + x / g;
                    out[k++] = (first + tile) * gg + (y % g) * g + x % g;
                }
                out[k++] = newlineRow;
            }
            first += 1 + tiles[0] * tiles[1];
        }
        if (first != views) throw new Mm1jException("[llava] " + views + " views encoded for images that take " + first);
        return out;
    }

    /** Rows an image of {@code h × w} pixels becomes. */
    int rowsFor(int h, int w) {
        return c.next() ? c.anyres().rows(h, w, c.grid(), c.unpadRound7()) : c.tokensPerView();
    }

    @Override
    public void close() {
        projector.close();
        tower.close();
    }
}
