package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/**
 * LLaVA's projector (spec §5, {@code connector_config.type = "mlp"}): {@code linear_2(act(linear_1(f)))} on
 * every patch feature, so an image becomes g² embeddings. Tensors under {@value #PREFIX}. MM1 checkpoints use GELU
 * with biases; LLaVA configs choose the activation ({@code projector_hidden_act}), the biases
 * ({@code multimodal_projector_bias}) and the input width (W times the number of selected vision layers).
 */
public final class MlpProjector implements Connector {
    public static final String PREFIX = "multi_modal_projector";

    private final Ops ops;
    private final Linear linear1; // (d, Win)
    private final Linear linear2; // (d, d)
    private final UnaryOp act;
    private final long width, d;

    private MlpProjector(Ops ops, Linear linear1, Linear linear2, UnaryOp act, long width, long d) {
        this.ops = ops;
        this.linear1 = linear1;
        this.linear2 = linear2;
        this.act = act;
        this.width = width;
        this.d = d;
    }

    /** Loads {@value #PREFIX}.linear_1 [d, W] and linear_2 [d, d] (with biases, GELU) from the checkpoint's top level. */
    public static MlpProjector load(Weights root, VisionConfig vision, long textHidden, Ops ops) {
        return load(root, vision.hiddenSize(), textHidden, true, UnaryOp.GELU, ops);
    }

    /** Loads {@value #PREFIX}.linear_1 [d, inWidth] and linear_2 [d, d], with or without biases, applying {@code act} between them. */
    public static MlpProjector load(Weights root, long inWidth, long textHidden, boolean bias, UnaryOp act, Ops ops) {
        Weights w = root.prefix(PREFIX);
        return new MlpProjector(ops, Linear.load(w, "linear_1", ops, textHidden, inWidth, bias),
            Linear.load(w, "linear_2", ops, textHidden, textHidden, bias), act, inWidth, textHidden);
    }

    @Override
    public Tensor embeddings(Tensor features, Probe probe) {
        Connector.gridOf(features, width, "mlp projector");
        Tensor out = project(features);
        probe.record("connector.embeddings", out);
        return out;
    }

    /** out [N, L, d] = linear_2(act(linear_1(features))) for features F32 [N, L, Win] (any L); the caller closes it. */
    public Tensor project(Tensor features) {
        if (features.rank() != 3 || features.dtype() != DType.F32 || features.dim(2) != width || features.dim(0) < 1 || features.dim(1) < 1) {
            throw new dev.mm1j.core.Mm1jException("[mlp projector] features " + features + ": expected F32 [N, L, " + width + "]");
        }
        long n = features.dim(0), l = features.dim(1);
        Tensor out = ops.allocate(DType.F32, n, l, d);
        try {
            project(out, features);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** {@link #project(Tensor)} into {@code out} [N, L, d] (contiguous). */
    public void project(Tensor out, Tensor features) {
        if (out.rank() != 3 || out.dim(0) != features.dim(0) || out.dim(1) != features.dim(1) || out.dim(2) != d) {
            throw new dev.mm1j.core.Mm1jException("[mlp projector] out " + out + " for features " + features + ": expected F32 [N, L, " + d + "]");
        }
        try (Tensor hidden = ops.allocate(DType.F32, features.dim(0), features.dim(1), d)) {
            linear1.forward(ops, hidden, features);
            ops.unary(act, hidden, hidden);
            linear2.forward(ops, out, hidden);
        }
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
