package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP ViT image encoder of spec §4 (pre-LN, full bidirectional attention with biases, quick_gelu or
 * gelu), reading tensors under {@value #PREFIX}. Several images — and the sub-images of a split image — go
 * through as one batch; any image side that is a multiple of the patch size works (the position embeddings
 * are resized bicubically for other grid sides).
 *
 * <pre>{@code
 * try (VisionTower vit = VisionTower.load(weights, config, ops);
 *      Tensor f = vit.features(pixels)) {   // pixels [N, 3, S, S] -> f [N, g², W]
 *     ...
 * }
 * }</pre>
 */
public final class VisionTower implements AutoCloseable {
    /** Where the encoder's tensors live in an MM1 checkpoint. */
    public static final String PREFIX = "vision_tower.vision_model";

    private final VisionConfig c;
    private final Ops ops;
    private final int layersToRun;
    private final Tensor patchWeight;     // (W, 3, P, P), any matmul dtype
    private final Tensor classPosition;   // (1, W) class_embedding + position_embedding[0], F32
    private final PositionGrid positions; // (G², W) position_embedding[1:], F32
    private final Tensor preLnWeight, preLnBias; // (W,)
    private final List<Layer> layers;
    private final List<Tensor> owned = new ArrayList<>();

    /** One encoder layer: {@code h += out(attn(LN1 h)); h += fc2(act(fc1(LN2 h)))}. */
    private record Layer(Tensor ln1Weight, Tensor ln1Bias, Linear q, Linear k, Linear v, Linear out,
                         Tensor ln2Weight, Tensor ln2Bias, Linear fc1, Linear fc2) {}

    private VisionTower(VisionConfig c, Ops ops, int layersToRun, Tensor patchWeight, Tensor classPosition, Tensor grid,
                        Tensor preLnWeight, Tensor preLnBias, List<Layer> layers) {
        this.c = c;
        this.ops = ops;
        this.layersToRun = layersToRun;
        this.patchWeight = patchWeight;
        this.classPosition = classPosition;
        this.positions = new PositionGrid(ops, grid, c.grid());
        this.preLnWeight = preLnWeight;
        this.preLnBias = preLnBias;
        this.layers = layers;
    }

    /** The encoder of an MM1 checkpoint whose features are the last layer's output ({@code vision_feature_layer} −1). */
    public static VisionTower load(Weights root, VisionConfig c, Ops ops) {
        return load(root, c, -1, ops);
    }

    /** The encoder with the configured feature layer. */
    public static VisionTower load(Weights root, VisionPipelineConfig config, Ops ops) {
        return load(root, config.vision(), config.visionFeatureLayer(), ops);
    }

    /**
     * Loads the encoder from {@code root} (the checkpoint's top level; tensors are read under {@value #PREFIX}).
     * Only the layers that {@code visionFeatureLayer} needs are loaded (Hugging Face sense: 0 = the input of
     * layer 0, −1 = the output of the last layer).
     */
    public static VisionTower load(Weights root, VisionConfig c, int visionFeatureLayer, Ops ops) {
        int n = c.numHiddenLayers();
        if (visionFeatureLayer < -(n + 1) || visionFeatureLayer > n) {
            throw new Mm1jException("vision_feature_layer " + visionFeatureLayer + " is out of range for " + n + " layers");
        }
        int run = visionFeatureLayer >= 0 ? visionFeatureLayer : n + 1 + visionFeatureLayer;
        Weights w = root.prefix(PREFIX);
        long wd = c.hiddenSize(), p = c.patchSize(), inter = c.intermediateSize();
        Tensor patch = w.get("embeddings.patch_embedding.weight", wd, 3, p, p);
        if (!patch.dtype().isFloat()) patch = Convert.asF32(patch);
        patch = ops.upload(patch);
        // the class token's row never changes: fold class_embedding + position_embedding[0] once
        Tensor cls = Convert.asF32(w.get("embeddings.class_embedding", wd));
        Tensor pos = Convert.asF32(w.get("embeddings.position_embedding.weight", c.numPositions(), wd));
        float[] a = cls.toFloatArray(), b = pos.slice(0, 0, 1).toFloatArray();
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        List<Tensor> owned = new ArrayList<>();
        Tensor classPos = own(owned, ops, Tensor.of(a, 1, wd));
        Tensor grid = pos.slice(0, 1, c.numPositions());
        grid = grid.isContiguous() ? ops.upload(grid) : own(owned, ops, Convert.asF32(grid));
        Tensor preW = w.on(ops).f32("pre_layrnorm.weight", wd), preB = w.on(ops).f32("pre_layrnorm.bias", wd);
        List<Layer> layers = new ArrayList<>(run);
        for (int i = 0; i < run; i++) {
            Weights l = w.prefix("encoder.layers").prefix(i);
            layers.add(new Layer(
                l.on(ops).f32("layer_norm1.weight", wd), l.on(ops).f32("layer_norm1.bias", wd),
                Linear.load(l, "self_attn.q_proj", ops, wd, wd, true), Linear.load(l, "self_attn.k_proj", ops, wd, wd, true),
                Linear.load(l, "self_attn.v_proj", ops, wd, wd, true), Linear.load(l, "self_attn.out_proj", ops, wd, wd, true),
                l.on(ops).f32("layer_norm2.weight", wd), l.on(ops).f32("layer_norm2.bias", wd),
                Linear.load(l, "mlp.fc1", ops, inter, wd, true), Linear.load(l, "mlp.fc2", ops, wd, inter, true)));
        }
        VisionTower t = new VisionTower(c, ops, run, patch, classPos, grid, preW, preB, layers);
        t.owned.addAll(owned);
        return t;
    }

    /** {@code host} placed in the backend's memory; both are remembered for {@link #close()}. */
    private static Tensor own(List<Tensor> owned, Ops ops, Tensor host) {
        Tensor placed = ops.upload(host);
        owned.add(host);
        if (placed != host) owned.add(placed);
        return placed;
    }

    public VisionConfig config() {
        return c;
    }

    /** Layers run per forward (the depth of the selected hidden state). */
    public int layersToRun() {
        return layersToRun;
    }

    /** Patch features [N, g², W] (class token dropped) of pixels [N, 3, S, S] F32; the caller closes the result. */
    public Tensor features(Tensor pixels) {
        return features(pixels, Probe.NONE);
    }

    /** {@link #features(Tensor)}, handing every intermediate to {@code probe} (see {@link Probe} for the names). */
    public Tensor features(Tensor pixels, Probe probe) {
        return hiddenStates(pixels, new int[] {layersToRun}, true, probe);
    }

    /**
     * Hidden states of pixels [N, 3, S, S] F32 concatenated along the features (LLaVA's list of
     * {@code vision_feature_layer}s): {@code states} are Hugging Face hidden-state indices, 0 = after pre_layrnorm,
     * k = after layer k−1, each at most {@link #layersToRun()}. Returns [N, L, W·states.length] with L = g² when
     * {@code dropClass}, else 1 + g² (the class token first); the caller closes it.
     */
    public Tensor hiddenStates(Tensor pixels, int[] states, boolean dropClass, Probe probe) {
        if (pixels.rank() != 4 || pixels.dim(1) != 3 || pixels.dim(2) != pixels.dim(3) || pixels.dim(2) % c.patchSize() != 0
            || pixels.dim(0) < 1 || pixels.dim(2) < 1 || pixels.dtype() != DType.F32) {
            throw new Mm1jException("[vision] pixels " + pixels + ": expected F32 [N, 3, S, S] with S a multiple of patch_size " + c.patchSize());
        }
        if (states.length == 0) throw new Mm1jException("[vision] no hidden state selected");
        for (int st : states) {
            if (st < 0 || st > layersToRun) throw new Mm1jException("[vision] hidden state " + st + " is not computed (0 .. " + layersToRun + " loaded)");
        }
        long n = pixels.dim(0), g = pixels.dim(2) / c.patchSize(), gg = g * g, len = gg + 1;
        long wd = c.hiddenSize(), heads = c.numAttentionHeads(), hd = c.headDim();
        long first = dropClass ? 1 : 0;
        Tensor input = pixels.isHost() && pixels.isContiguous() ? ops.upload(pixels) : pixels; // itself on a host backend
        // the last hidden state alone (MM1, most LLaVA checkpoints) is copied out after the layers, as before
        // LLaVA's lists of states: with the output allocated ahead of the run state, the C-Abstractor run right
        // after a 32-layer tower took 1.8x as long (mm1j bench vision, mm1-3b BF16: 135-168 vs 76-90 ms per image;
        // the tower's own time unchanged; not seen with one layer), presumably the native allocator's reuse of
        // the freed run state; measured, the cause not proven
        boolean lastOnly = states.length == 1 && states[0] == layersToRun;
        Tensor out = lastOnly ? null : ops.allocate(DType.F32, n, len - first, wd * states.length);
        try (RunState s = new RunState(ops, n, g, wd, heads, c.intermediateSize())) {
            // 1. patchify: a conv with stride = kernel over the channels-last view of the pixels
            ops.conv2d(s.patches, input.permute(0, 2, 3, 1), patchWeight, c.patchSize(), 0, 1);
            Tensor flat = s.patches.reshape(n, gg, wd);
            probe.record("vision.patch_embeds", flat);
            // 2. class token and position embeddings (resized when g != G)
            ops.add(flat, flat, positions.forGrid((int) g));
            ops.copy(s.h.slice(1, 1, len), flat);
            for (long i = 0; i < n; i++) ops.copy(s.h.select(0, i).slice(0, 0, 1), classPosition);
            probe.record("vision.embeddings", s.h);
            // 3. pre-LN: the normalised embeddings are the residual stream (hidden state 0)
            ops.layerNorm(s.x, s.h, preLnWeight, preLnBias, (float) c.layerNormEps());
            s.swap();
            probe.record("vision.pre_layrnorm", s.h);
            if (!lastOnly) take(out, s.h, states, 0, first, wd);
            // 4. the layers (hidden state i + 1 after layer i)
            float eps = (float) c.layerNormEps(), scale = (float) (1.0 / Math.sqrt(hd));
            UnaryOp act = c.hiddenAct().equals("gelu") ? UnaryOp.GELU : UnaryOp.QUICK_GELU;
            for (int i = 0; i < layersToRun; i++) {
                Layer l = layers.get(i);
                ops.layerNorm(s.x, s.h, l.ln1Weight, l.ln1Bias, eps);
                l.q.forward(ops, s.q, s.x);
                l.k.forward(ops, s.k, s.x);
                l.v.forward(ops, s.v, s.x);
                ops.attention(s.attHeads, s.qHeads, s.kHeads, s.vHeads, scale, false, 0);
                l.out.forward(ops, s.x, s.att);
                ops.add(s.h, s.h, s.x);
                ops.layerNorm(s.x, s.h, l.ln2Weight, l.ln2Bias, eps);
                l.fc1.forward(ops, s.mlp, s.x);
                ops.unary(act, s.mlp, s.mlp);
                l.fc2.forward(ops, s.x, s.mlp);
                ops.add(s.h, s.h, s.x);
                if (probe != Probe.NONE) probe.record("vision.layers." + i, s.h);
                if (!lastOnly) take(out, s.h, states, i + 1, first, wd);
            }
            // 5. the selected hidden state(s)
            if (lastOnly) {
                out = ops.allocate(DType.F32, n, len - first, wd);
                ops.copy(out, s.h.slice(1, first, len));
            }
            probe.record("vision.features", out);
            return out;
        } catch (RuntimeException | Error e) {
            if (out != null) out.close();
            throw e;
        } finally {
            if (input != pixels) input.close();
        }
    }

    /** Copies hidden state {@code index} (h [N, 1 + g², W], rows from {@code first}) into every slot of {@code out} that selects it. */
    private void take(Tensor out, Tensor h, int[] states, int index, long first, long wd) {
        for (int j = 0; j < states.length; j++) {
            if (states[j] == index) ops.copy(out.slice(2, j * wd, (j + 1) * wd), h.slice(1, first, h.dim(1)));
        }
    }

    /**
     * The activations of one forward, allocated once: patches [N, g, g, W]; residual h and scratch x [N, L, W];
     * q, k, v, att [N, L, W]; mlp [N, L, I] (L = g² + 1).
     */
    private static final class RunState implements AutoCloseable {
        Tensor h, x;
        final Tensor patches, q, k, v, att, mlp;
        final Tensor qHeads, kHeads, vHeads, attHeads; // the same as [N, L, heads, W/heads]

        RunState(Ops ops, long n, long g, long w, long heads, long inter) {
            long len = g * g + 1;
            patches = ops.allocate(DType.F32, n, g, g, w);
            h = ops.allocate(DType.F32, n, len, w);
            x = ops.allocate(DType.F32, n, len, w);
            q = ops.allocate(DType.F32, n, len, w);
            k = ops.allocate(DType.F32, n, len, w);
            v = ops.allocate(DType.F32, n, len, w);
            att = ops.allocate(DType.F32, n, len, w);
            mlp = ops.allocate(DType.F32, n, len, inter);
            qHeads = q.reshape(n, len, heads, w / heads);
            kHeads = k.reshape(n, len, heads, w / heads);
            vHeads = v.reshape(n, len, heads, w / heads);
            attHeads = att.reshape(n, len, heads, w / heads);
        }

        void swap() {
            Tensor t = h;
            h = x;
            x = t;
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {patches, h, x, q, k, v, att, mlp}) t.close();
        }
    }

    @Override
    public void close() {
        positions.close();
        owned.forEach(Tensor::close);
    }
}
