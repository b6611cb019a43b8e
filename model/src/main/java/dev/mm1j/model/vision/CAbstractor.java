package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * Honeybee's C-Abstractor (spec §5), tensors under {@value #PREFIX}: position embedding, a RegNet stage of
 * {@code depth} bottlenecks (W → C), adaptive average pooling to n × n (PyTorch's overlapping bins), a second
 * stage (C → C), and a readout MLP of {@code mlp_depth} linear layers with SiLU between (C → d → … → d).
 * Runs channels-last on all images of a batch at once; an image becomes n² = {@code num_image_tokens} embeddings.
 */
public final class CAbstractor implements Connector {
    public static final String PREFIX = "connector";

    private final ConnectorConfig cc;
    private final Ops ops;
    private final long width, d;
    private final PositionGrid posEmb;       // (G², W) or null without pos_emb
    private final List<RegBottleneck> stage1; // net.0.b1 … b{depth}
    private final List<RegBottleneck> stage2; // net.2.b1 … b{depth}
    private final List<Linear> readout;      // readout.0, readout.2, …

    private CAbstractor(ConnectorConfig cc, Ops ops, long width, long d, PositionGrid posEmb,
                        List<RegBottleneck> stage1, List<RegBottleneck> stage2, List<Linear> readout) {
        this.cc = cc;
        this.ops = ops;
        this.width = width;
        this.d = d;
        this.posEmb = posEmb;
        this.stage1 = stage1;
        this.stage2 = stage2;
        this.readout = readout;
    }

    /** Loads the C-Abstractor from the checkpoint's top level ({@value #PREFIX}.*); d = {@code textHidden}. */
    public static CAbstractor load(Weights root, ConnectorConfig cc, VisionConfig vision, long textHidden, Ops ops) {
        Weights w = root.prefix(PREFIX);
        int wd = vision.hiddenSize(), c = cc.hiddenSize(), big = vision.grid();
        float eps = (float) cc.layerNormEps();
        PositionGrid pos = null;
        if (cc.posEmb()) pos = new PositionGrid(ops, w.on(ops).f32("pos_emb", 1, (long) big * big, wd).reshape((long) big * big, wd), big);
        List<RegBottleneck> s1 = new ArrayList<>(), s2 = new ArrayList<>();
        for (int i = 0; i < cc.depth(); i++) {
            int in = i == 0 ? wd : c;
            s1.add(RegBottleneck.load(w.prefix("net.0.b" + (i + 1)), in, c, cc.seChannels(in), eps, ops));
        }
        for (int i = 0; i < cc.depth(); i++) s2.add(RegBottleneck.load(w.prefix("net.2.b" + (i + 1)), c, c, cc.seChannels(c), eps, ops));
        List<Linear> ro = new ArrayList<>();
        long in = cc.depth() > 0 ? c : wd;
        for (int k = 0; k < cc.mlpDepth(); k++) {
            ro.add(Linear.load(w, "readout." + 2 * k, ops, textHidden, k == 0 ? in : textHidden, true));
        }
        return new CAbstractor(cc, ops, wd, textHidden, pos, s1, s2, ro);
    }

    @Override
    public Tensor embeddings(Tensor features, Probe probe) {
        int g = Connector.gridOf(features, width, "c-abstractor");
        int side = cc.poolSide();
        long n = features.dim(0), gg = (long) g * g, pp = (long) side * side;
        long ch = stage1.isEmpty() ? width : cc.hiddenSize();
        long spatial = Math.max(gg, pp), widest = Math.max(ch, width);
        int maxSe = 1;
        for (RegBottleneck b : stage1) maxSe = Math.max(maxSe, b.se);
        for (RegBottleneck b : stage2) maxSe = Math.max(maxSe, b.se);
        Tensor out = ops.allocate(DType.F32, n, pp, d);
        // run state, allocated once: block input/output and scratch grids, SE vectors, readout rows
        try (Tensor x0 = ops.allocate(DType.F32, n, g, g, width);
             Tensor a = ops.allocate(DType.F32, n * spatial * widest);
             Tensor b = ops.allocate(DType.F32, n * spatial * widest);
             Tensor t1 = ops.allocate(DType.F32, n * spatial * widest);
             Tensor t2 = ops.allocate(DType.F32, n * spatial * widest);
             Tensor pooled = ops.allocate(DType.F32, n, ch);
             Tensor gate = ops.allocate(DType.F32, n, ch);
             Tensor squeeze = ops.allocate(DType.F32, n * maxSe);
             Tensor r0 = ops.allocate(DType.F32, n * pp * d);
             Tensor r1 = ops.allocate(DType.F32, n * pp * d)) {
            // 1. position embedding (resized when g != G)
            Tensor xf = x0.reshape(n, gg, width);
            if (posEmb != null) {
                ops.add(xf, features, posEmb.forGrid(g));
                probe.record("connector.pos", xf);
            } else {
                ops.copy(xf, features);
            }
            // 2.-3. the first RegNet stage on the g × g grid (channels last: the features are already [N, g, g, W])
            Tensor cur = x0;
            Tensor[] pingPong = {a, b};
            int turn = 0;
            for (int i = 0; i < stage1.size(); i++) {
                RegBottleneck blk = stage1.get(i);
                Tensor y = view(pingPong[turn], n, g, g, blk.out);
                blk.forward(ops, y, cur, view(t1, n, g, g, blk.out), view(t2, n, g, g, blk.out), pooled, view(squeeze, n, blk.se), gate);
                probe.record("connector.net.0.b" + (i + 1), y);
                cur = y;
                turn ^= 1;
            }
            // 4. adaptive average pooling to n × n, image by image
            Tensor p = view(pingPong[turn], n, side, side, ch);
            for (long i = 0; i < n; i++) ops.adaptiveAvgPool2d(p.select(0, i), cur.select(0, i));
            probe.record("connector.net.1", p);
            cur = p;
            turn ^= 1;
            // 5. the second stage on the pooled grid
            for (int i = 0; i < stage2.size(); i++) {
                RegBottleneck blk = stage2.get(i);
                Tensor y = view(pingPong[turn], n, side, side, blk.out);
                blk.forward(ops, y, cur, view(t1, n, side, side, blk.out), view(t2, n, side, side, blk.out), pooled, view(squeeze, n, blk.se), gate);
                probe.record("connector.net.2.b" + (i + 1), y);
                cur = y;
                turn ^= 1;
            }
            // 6. readout: row-major n² tokens per image, linear layers with SiLU between
            Tensor rows = cur.reshape(n * pp, ch);
            Tensor[] bufs = {view(r0, n * pp, d), view(r1, n * pp, d)};
            for (int k = 0; k < readout.size(); k++) {
                boolean last = k == readout.size() - 1;
                Tensor y = last ? out.reshape(n * pp, d) : bufs[k % 2];
                readout.get(k).forward(ops, y, rows);
                if (!last) ops.unary(UnaryOp.SILU, y, y);
                rows = y;
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        probe.record("connector.embeddings", out);
        return out;
    }

    /** A contiguous view of the first elements of the flat buffer {@code flat}, shaped {@code shape}. */
    private static Tensor view(Tensor flat, long... shape) {
        return flat.slice(0, 0, Tensor.numel(shape)).reshape(shape);
    }

    @Override
    public int tokensPerImage(int g) {
        return cc.numImageTokens();
    }

    @Override
    public long outputDim() {
        return d;
    }

    @Override
    public void close() {
        if (posEmb != null) posEmb.close();
    }
}
