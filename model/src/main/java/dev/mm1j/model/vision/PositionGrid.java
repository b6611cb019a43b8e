package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import java.util.HashMap;
import java.util.Map;

/**
 * A learned G × G grid of position embeddings ([G², W], row-major) and its bicubic resizes to other grid sides
 * (spec §4 step 2: PyTorch {@code interpolate(mode="bicubic", align_corners=False)}, a = −0.75, no antialias),
 * computed once per side and cached. Shared by the ViT and the C-Abstractor.
 */
final class PositionGrid implements AutoCloseable {
    private final Ops ops;
    private final Tensor grid; // [G², W]
    private final int side;
    private final Map<Integer, Tensor> resized = new HashMap<>();

    PositionGrid(Ops ops, Tensor grid, int side) {
        this.ops = ops;
        this.grid = grid;
        this.side = side;
    }

    /** The embeddings for a g × g patch grid: [g², W] (the stored grid itself when g = G). */
    synchronized Tensor forGrid(int g) {
        if (g == side) return grid;
        return resized.computeIfAbsent(g, k -> {
            long w = grid.dim(1);
            Tensor out = ops.allocate(DType.F32, (long) g * g, w);
            ops.resizeBicubic(out.reshape(g, g, w), grid.reshape(side, side, w));
            return out;
        });
    }

    @Override
    public synchronized void close() {
        resized.values().forEach(Tensor::close);
        resized.clear();
    }
}
