package dev.mm1j.cpu.simd;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.HostBackend;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.cpu.CpuBackend;
import dev.mm1j.cpu.Parallel;
import java.util.Map;

/**
 * The Vector API CPU backend for this copy's vector species ({@link Vec#BITS}): host memory ({@link HostBackend}), a
 * thread pool, and every op handed to its op family's class (the one forwarding layer). Made by
 * {@link CpuBackend#create}, from the class path (the preferred width) or through a
 * {@link dev.mm1j.cpu.SpeciesClassLoader} (another width), so it is only ever used as a {@code Backend}.
 */
public final class SimdBackend extends HostBackend {
    private final Parallel parallel;
    private final Elementwise ew;
    private final Activations act;
    private final Norms norms;
    private final Rope rope;
    private final Indexing indexing;
    private final Matmul matmul;
    private final Spatial spatial;
    private final Attention attention;
    /** Whether {@link #prepareWeight} packs Q8_0/Q4_0 weights into panels; whether panel GEMVs keep F32 activations. */
    private final boolean panels, exact;

    /** A backend on {@code threads} threads (the caller included); it owns the pool it starts. */
    public SimdBackend(int threads) {
        this(threads, true, false);
    }

    /** @param panels repack Q8_0/Q4_0 matmul weights into {@link Panels}; @param exact panel GEMVs with F32 activations */
    public SimdBackend(int threads, boolean panels, boolean exact) {
        this(new Parallel(threads), panels, exact);
    }

    private SimdBackend(Parallel par, boolean panels, boolean exact) {
        this.parallel = par;
        this.panels = panels;
        this.exact = exact;
        Scratch[] scratch = Scratch.forThreads(par.threads());
        this.ew = new Elementwise(par, scratch);
        this.act = new Activations(ew);
        this.norms = new Norms(ew, scratch);
        this.rope = new Rope(ew, scratch);
        this.indexing = new Indexing(ew, scratch);
        this.matmul = new Matmul(ew, new Gemm(par, scratch), new Gemv(par, scratch), new PanelGemv(par, scratch), exact);
        this.spatial = new Spatial(ew, matmul, scratch);
        this.attention = new Attention(ew, new AttentionDecode(par, scratch), new AttentionPrefill(par, scratch));
    }

    @Override
    public String name() {
        return CpuBackend.NAME;
    }

    @Override
    public String description() {
        return "cpu (Vector API, " + Vec.BITS + "-bit vectors, " + parallel.threads() + " threads)";
    }

    /** {@code vector.bits}: the width the kernels were compiled for; {@code threads}: the pool's size; {@code matmul.panels}, {@code matmul.exact}. */
    @Override
    public Map<String, String> settings() {
        return Map.of("vector.bits", Integer.toString(Vec.BITS), "threads", Integer.toString(parallel.threads()),
            "matmul.panels", Boolean.toString(panels), "matmul.exact", Boolean.toString(exact));
    }

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        matmul.matmul(out, x, w);
    }

    /**
     * Contiguous 2-D Q8_0 / Q4_0 host weights repacked into row-interleaved panels (a copy; see
     * {@link dev.mm1j.cpu.PackedWeight}), unless {@code matmul.panels=false}; other weights as {@code upload} places them.
     */
    @Override
    public Tensor prepareWeight(Tensor w) {
        boolean packs = panels && Panels.packs(w.dtype()) && w.rank() == 2 && w.isHost() && w.isContiguous() && w.numel() > 0;
        return packs ? Panels.pack(w, parallel, this) : super.prepareWeight(w);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        ew.copy(out, x);
    }

    @Override
    public void fill(Tensor out, float value) {
        ew.fill(out, value);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        ew.binary(out, a, b, false);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        ew.binary(out, a, b, true);
    }

    @Override
    public void scale(Tensor out, Tensor x, float s) {
        ew.scale(out, x, s);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        act.unary(op, out, x);
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        norms.softmax(out, x, causal, offset);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        norms.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        norms.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        rope.rope(out, x, positions, invFreq);
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        norms.mean(out, x);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        spatial.adaptiveAvgPool2d(out, x);
    }

    @Override
    public void resizeBicubic(Tensor out, Tensor x) {
        spatial.resizeBicubic(out, x);
    }

    @Override
    public void getRows(Tensor out, Tensor table, Tensor ids) {
        indexing.getRows(out, table, ids);
    }

    @Override
    public void setRows(Tensor out, Tensor src, Tensor ids) {
        indexing.setRows(out, src, ids);
    }

    @Override
    public void topK(Tensor values, Tensor indices, Tensor x, int k) {
        indexing.topK(values, indices, x, k);
    }

    @Override
    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        indexing.indexAdd(out, src, ids, weights);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        spatial.conv2d(out, x, w, stride, padding, groups);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        attention.attention(out, q, k, v, scale, causal, qOffset);
    }

    @Override
    public void linear(Tensor out, Tensor x, Tensor w, Tensor bias) {
        matmul.matmul(out, x, w);
        if (bias != null) ew.binary(out, out, bias, false);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        act.swiglu(out, gate, up);
    }

    @Override
    public void close() {
        parallel.close();
    }
}
