package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/**
 * B(in, out) of spec §5: timm's RegNet bottleneck as Honeybee's C-Abstractor uses it, with LayerNorms over
 * the channels ({@code bn} in the checkpoint) and no conv biases. Runs channels-last on [N, H, W, C], where a
 * 1×1 conv is a matmul over the rows and the channel LayerNorm is a LayerNorm over the last dim:
 * <pre>
 * s = x
 * x = SiLU(LN(conv1 x)); x = SiLU(LN(depthwise3x3 x)); x = x · σ(fc2 SiLU(fc1 mean_pixels(x)))
 * x = LN(conv3 x) + (in ≠ out ? LN(downsample s) : s); x = SiLU(x)
 * </pre>
 */
final class RegBottleneck {
    final int in, out, se;
    private final float eps;
    private final Tensor conv1;             // (out, in) 1×1 conv as a matrix
    private final Tensor ln1Weight, ln1Bias; // (out,)
    private final Tensor conv2;             // (out, 1, 3, 3) depthwise, F32
    private final Tensor ln2Weight, ln2Bias;
    private final Linear seFc1;             // (se, out) + bias
    private final Linear seFc2;             // (out, se) + bias
    private final Tensor conv3;             // (out, out)
    private final Tensor ln3Weight, ln3Bias;
    private final Tensor down;              // (out, in), null when in == out
    private final Tensor lnDownWeight, lnDownBias;

    private RegBottleneck(int in, int out, int se, float eps, Tensor conv1, Tensor ln1Weight, Tensor ln1Bias, Tensor conv2,
                          Tensor ln2Weight, Tensor ln2Bias, Linear seFc1, Linear seFc2, Tensor conv3, Tensor ln3Weight,
                          Tensor ln3Bias, Tensor down, Tensor lnDownWeight, Tensor lnDownBias) {
        this.in = in;
        this.out = out;
        this.se = se;
        this.eps = eps;
        this.conv1 = conv1;
        this.ln1Weight = ln1Weight;
        this.ln1Bias = ln1Bias;
        this.conv2 = conv2;
        this.ln2Weight = ln2Weight;
        this.ln2Bias = ln2Bias;
        this.seFc1 = seFc1;
        this.seFc2 = seFc2;
        this.conv3 = conv3;
        this.ln3Weight = ln3Weight;
        this.ln3Bias = ln3Bias;
        this.down = down;
        this.lnDownWeight = lnDownWeight;
        this.lnDownBias = lnDownBias;
    }

    /** Loads the block under {@code w} (e.g. {@code connector.net.0.b1}); {@code se} = round(in · se_ratio). */
    static RegBottleneck load(Weights w, int in, int out, int se, float eps, Ops ops) {
        if (se < 1) throw new dev.mm1j.core.Mm1jException("connector_config.se_ratio gives " + se + " squeeze-excitation channels for " + in + " input channels; it must give at least 1");
        boolean project = in != out;
        return new RegBottleneck(in, out, se, eps,
            pointwise(w, "conv1.conv.weight", out, in, ops), w.on(ops).f32("conv1.bn.weight", out), w.on(ops).f32("conv1.bn.bias", out),
            w.on(ops).f32("conv2.conv.weight", out, 1, 3, 3), w.on(ops).f32("conv2.bn.weight", out), w.on(ops).f32("conv2.bn.bias", out),
            conv1x1Linear(w, "se.fc1", se, out, ops), conv1x1Linear(w, "se.fc2", out, se, ops),
            pointwise(w, "conv3.conv.weight", out, out, ops), w.on(ops).f32("conv3.bn.weight", out), w.on(ops).f32("conv3.bn.bias", out),
            project ? pointwise(w, "downsample.conv.weight", out, in, ops) : null,
            project ? w.on(ops).f32("downsample.bn.weight", out) : null,
            project ? w.on(ops).f32("downsample.bn.bias", out) : null);
    }

    /** A 1×1 conv weight [out, in, 1, 1] as the matrix [out, in] a matmul takes. */
    static Tensor pointwise(Weights w, String name, long out, long in, Ops ops) {
        Tensor t = w.get(name, out, in, 1, 1);
        if (!t.isContiguous() || !t.dtype().isComputable() || t.dtype() == DType.I32) t = Convert.asF32(t);
        return ops.upload(t.reshape(out, in));
    }

    /** A 1×1 conv with bias ({@code name.weight} [out, in, 1, 1], {@code name.bias} [out]) as a linear layer. */
    static Linear conv1x1Linear(Weights w, String name, long out, long in, Ops ops) {
        return new Linear(pointwise(w, name + ".weight", out, in, ops), w.on(ops).f32(name + ".bias", out), in, out);
    }

    /**
     * y [N, H, W, out] = B(x [N, H, W, in]) (both contiguous, y not aliasing x). Scratch: t1, t2 [N, H, W, out];
     * pooled, gate [N, out]; squeeze [N, se].
     */
    void forward(Ops ops, Tensor y, Tensor x, Tensor t1, Tensor t2, Tensor pooled, Tensor squeeze, Tensor gate) {
        long n = x.dim(0), h = x.dim(1), w = x.dim(2), rows = n * h * w;
        Tensor x2 = x.reshape(rows, in), t1r = t1.reshape(rows, out), t2r = t2.reshape(rows, out), yr = y.reshape(rows, out);
        // conv1 (1×1) → LN → SiLU
        ops.matmul(t1r, x2, conv1);
        ops.layerNorm(t2, t1, ln1Weight, ln1Bias, eps);
        ops.unary(UnaryOp.SILU, t2, t2);
        // conv2 (depthwise 3×3, padding 1) → LN → SiLU
        ops.conv2d(t1, t2, conv2, 1, 1, out);
        ops.layerNorm(t2, t1, ln2Weight, ln2Bias, eps);
        ops.unary(UnaryOp.SILU, t2, t2);
        // squeeze-excitation: per-image channel means → fc1 → SiLU → fc2 → σ, scaling every pixel
        ops.mean(pooled, t2.reshape(n, h * w, out).transpose(1, 2));
        seFc1.forward(ops, squeeze, pooled);
        ops.unary(UnaryOp.SILU, squeeze, squeeze);
        seFc2.forward(ops, gate, squeeze);
        ops.unary(UnaryOp.SIGMOID, gate, gate);
        ops.mul(t2, t2, gate.reshape(n, 1, 1, out));
        // conv3 (1×1) → LN
        ops.matmul(t1r, t2r, conv3);
        ops.layerNorm(y, t1, ln3Weight, ln3Bias, eps);
        // shortcut: LN(downsample x) when the width changes, else x; then SiLU
        if (down != null) {
            ops.matmul(t1r, x2, down);
            ops.layerNorm(t2, t1, lnDownWeight, lnDownBias, eps);
            ops.add(yr, yr, t2r);
        } else {
            ops.add(yr, yr, x2);
        }
        ops.unary(UnaryOp.SILU, y, y);
    }
}
