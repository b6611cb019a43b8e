package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/**
 * LLaVA-1.5's projector (spec §5, {@code connector_config.type = "mlp"}): {@code linear_2(gelu(linear_1(f)))} on
 * every patch feature, so an image becomes g² embeddings. Tensors under {@value #PREFIX}.
 */
public final class MlpProjector implements Connector {
    public static final String PREFIX = "multi_modal_projector";

    private final Ops ops;
    private final Linear linear1; // (d, W)
    private final Linear linear2; // (d, d)
    private final long width, d;

    private MlpProjector(Ops ops, Linear linear1, Linear linear2, long width, long d) {
        this.ops = ops;
        this.linear1 = linear1;
        this.linear2 = linear2;
        this.width = width;
        this.d = d;
    }

    /** Loads {@value #PREFIX}.linear_1 [d, W] and linear_2 [d, d] (with biases) from the checkpoint's top level. */
    public static MlpProjector load(Weights root, VisionConfig vision, long textHidden, Ops ops) {
        Weights w = root.prefix(PREFIX);
        long wd = vision.hiddenSize();
        return new MlpProjector(ops, Linear.load(w, "linear_1", ops, textHidden, wd, true),
            Linear.load(w, "linear_2", ops, textHidden, textHidden, true), wd, textHidden);
    }

    @Override
    public Tensor embeddings(Tensor features, Probe probe) {
        int g = Connector.gridOf(features, width, "mlp projector");
        long n = features.dim(0), gg = (long) g * g;
        Tensor out = ops.allocate(DType.F32, n, gg, d);
        try (Tensor hidden = ops.allocate(DType.F32, n, gg, d)) {
            linear1.forward(ops, hidden, features);
            ops.unary(UnaryOp.GELU, hidden, hidden);
            linear2.forward(ops, out, hidden);
        }
        probe.record("connector.embeddings", out);
        return out;
    }

    @Override
    public int tokensPerImage(int g) {
        return g * g;
    }

    @Override
    public long outputDim() {
        return d;
    }

    @Override
    public void close() {}
}
