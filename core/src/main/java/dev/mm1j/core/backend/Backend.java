package dev.mm1j.core.backend;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * The backend SPI: memory plus a short list of ops. A port implements the memory methods and the
 * primitive ops; fused ops ({@link #attention}, {@link #conv2d}'s matmul cases, {@link #linear},
 * {@link #swiglu}) have defaults composed of primitives, so a new backend works after a few ops and gets
 * faster as it overrides more. Backends are found through {@link BackendProvider} and {@link Backends}.
 *
 * <p>Conventions: the output comes first; ops never allocate their outputs; shapes and dtypes were
 * already checked by {@link Ops} (the validating front door model code uses), so implementations do not
 * check again. Activations are F32; weights may be any computable dtype where noted. Inputs may be
 * strided views unless noted; outputs are contiguous unless noted. Spatial ops use the channels-last
 * layout {@code [H, W, C]} (a leading batch dim {@code N} is allowed where noted).
 *
 * <p>The {@link dev.mm1j.core.backend.reference.ReferenceBackend} defines what every op means.
 */
public interface Backend extends AutoCloseable {

    /** Short name used on the command line, e.g. {@code reference}, {@code cpu}, {@code cuda}. */
    String name();

    /** One line about the device, for logs (e.g. core count and vector width). */
    default String description() {
        return name();
    }

    /**
     * The effective values of the backend-specific {@link BackendOptions#properties() properties} this
     * backend honours, e.g. {@code vector.bits=256} for the CPU backend. The conformance kit reads it: a
     * backend that reports {@code vector.bits} is tested at every vector width the host supports, and must
     * report the width it was asked for.
     */
    default Map<String, String> settings() {
        return Map.of();
    }

    // ================================================================== memory

    /** A new zeroed contiguous tensor in this backend's memory. */
    Tensor allocate(DType dtype, long... shape);

    /** True when this backend's tensors live in host memory (then {@link Tensor#segment()} works on them). */
    boolean isHost();

    /**
     * A tensor in this backend's memory with the contents of the contiguous host tensor {@code host}.
     * Host backends return {@code host} itself (no copy), so memory-mapped weights stay mapped.
     */
    default Tensor upload(Tensor host) {
        if (isHost()) return host;
        Tensor t = allocate(host.dtype(), host.shape());
        copyIn(t, host.data());
        return t;
    }

    /**
     * A matmul weight [N, K] placed in this backend's memory in the layout its {@link #matmul} reads fastest. The
     * result may be used only as the {@code w} operand of {@link #matmul} and {@link #linear} on this backend (a
     * backend may repack it, e.g. into row-interleaved panels, and refuse it elsewhere); {@code w} itself is left as
     * it was. Default: a contiguous host tensor {@link #upload uploaded}, anything else as it is.
     */
    default Tensor prepareWeight(Tensor w) {
        return w.isHost() && w.isContiguous() ? upload(w) : w;
    }

    /** Copies {@code dst.byteSize()} bytes from host memory into the contiguous tensor {@code dst}. */
    void copyIn(Tensor dst, MemorySegment src);

    /** Copies the contiguous tensor {@code src} into host memory ({@code src.byteSize()} bytes). */
    void copyOut(Tensor src, MemorySegment dst);

    /** Waits until every op issued so far has finished (a no-op for synchronous backends). */
    default void synchronize() {}

    /** Whether this backend implements {@code op} for operands of {@code dtype} (see {@link Op} for which operand). */
    boolean supportsOp(Op op, DType dtype);

    @Override
    default void close() {}

    // ================================================================== primitive ops

    /**
     * {@code out[..., m, n] = Σ_k x[..., m, k] · w[n, k]} — activations times transposed weights.
     * x: F32 [..., M, K]; w: [N, K] of any computable dtype (shared by every batch entry), or [B, N, K]
     * with x [B, M, K] (batched); out: F32 [..., M, N] (contiguous).
     */
    void matmul(Tensor out, Tensor x, Tensor w);

    /**
     * {@code out = x} elementwise over equal shapes, converting dtypes: any computable source
     * (quantized ones are dequantized) into F32, F16, BF16 (round to nearest even) or I32. Both may be
     * strided; this is how views are made contiguous and how K/V are written into a 16-bit cache.
     */
    void copy(Tensor out, Tensor x);

    /** {@code out[...] = value} (out F32, F16, BF16 or I32; may be strided). */
    void fill(Tensor out, float value);

    /** {@code out = a + b}; b broadcasts to a's shape (numpy rules, b's rank ≤ a's). out may alias a. */
    void add(Tensor out, Tensor a, Tensor b);

    /** {@code out = a · b} elementwise; b broadcasts to a's shape. out may alias a. */
    void mul(Tensor out, Tensor a, Tensor b);

    /** {@code out = s · x}. out may alias x. */
    void scale(Tensor out, Tensor x, float s);

    /** {@code out = f(x)} for an activation function. out may alias x. */
    void unary(UnaryOp op, Tensor out, Tensor x);

    /**
     * Softmax over the last dim, computed stably (max subtracted first), in F32. With {@code causal},
     * row i of each [.., R, C] matrix only sees columns {@code j <= i + offset}; the others become 0.
     */
    void softmax(Tensor out, Tensor x, boolean causal, long offset);

    /** LayerNorm over the last dim: {@code (x − mean) / sqrt(var + eps) · weight + bias} (biased variance; weight, bias nullable). */
    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps);

    /** RMSNorm over the last dim: {@code x / sqrt(mean(x²) + eps) · weight}, in F32. */
    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps);

    /**
     * Rotary embedding, Hugging Face half-split layout: x F32 [T, H, D], positions I32 [T], invFreq F32
     * [D/2]. For j &lt; D/2, θ = positions[t] · invFreq[j]:
     * {@code out[j] = x[j]·cos θ − x[j+D/2]·sin θ}, {@code out[j+D/2] = x[j+D/2]·cos θ + x[j]·sin θ}.
     * out may alias x.
     */
    void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq);

    /** Mean over the last dim: x [..., n] → out [...]. */
    void mean(Tensor out, Tensor x);

    /**
     * Adaptive average pooling, PyTorch's bin rule: x [H, W, C] → out [OH, OW, C]; output row i averages
     * input rows {@code floor(i·H/OH)} to {@code ceil((i+1)·H/OH) − 1} (bins may overlap), columns likewise.
     */
    void adaptiveAvgPool2d(Tensor out, Tensor x);

    /**
     * Bicubic resize of a grid, PyTorch {@code interpolate(mode="bicubic", align_corners=False)} without
     * antialias: x [H, W, C] → out [OH, OW, C]; source coordinate {@code (i + 0.5)·H/OH − 0.5}, Keys kernel
     * a = −0.75, taps outside the grid clamped to the border.
     */
    void resizeBicubic(Tensor out, Tensor x);

    /** Embedding gather: {@code out[t, :] = table[ids[t], :]}; table [V, D] of any computable dtype, ids I32 [T], out F32 [T, D]. */
    void getRows(Tensor out, Tensor table, Tensor ids);

    /**
     * The k largest values of each row, in descending order (ties: lower index first): x F32 [R, C] →
     * values F32 [R, k], indices I32 [R, k].
     */
    void topK(Tensor values, Tensor indices, Tensor x, int k);

    /** Scatter-add: {@code out[ids[i], :] += weights[i] · src[i, :]}; out F32 [R, D], src F32 [T, D], ids I32 [T], weights F32 [T] or null (= 1). */
    void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights);

    // ================================================================== ops with defaults

    /**
     * 2-D convolution, channels-last, no bias: x F32 [H, W, Cin] (or [N, H, W, Cin]), w [Cout, Cin/groups,
     * KH, KW] (PyTorch layout), out F32 [OH, OW, Cout] (or [N, OH, OW, Cout]), OH = (H + 2·padding − KH)/stride + 1.
     * The default covers groups = 1 with stride = kernel and no padding (patchify) and 1×1 convolutions
     * through {@link #copy} and {@link #matmul}; backends add the others (depthwise 3×3).
     */
    default void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        long kh = w.dim(2), kw = w.dim(3);
        boolean patchify = groups == 1 && padding == 0 && stride == kh && stride == kw;
        boolean pointwise = groups == 1 && padding == 0 && stride == 1 && kh == 1 && kw == 1;
        if (!patchify && !pointwise) {
            throw new UnsupportedOpException("[conv2d] " + name() + " has no implementation for stride " + stride
                + ", padding " + padding + ", groups " + groups + ", kernel " + kh + "x" + kw);
        }
        Tensor xb = x.rank() == 3 ? x.unsqueeze(0) : x;
        Tensor ob = out.rank() == 3 ? out.unsqueeze(0) : out;
        long n = xb.dim(0), cin = xb.dim(3), oh = ob.dim(1), ow = ob.dim(2), cout = ob.dim(3);
        // im2col: [N, OH, KH, OW, KW, Cin] -> [N, OH, OW, Cin, KH, KW], matching w's [Cout, Cin, KH, KW] order
        Tensor win = xb.slice(1, 0, oh * kh).slice(2, 0, ow * kw);
        long[] st = win.strides();
        Tensor patches = new Tensor(win.storage(), win.dtype(), new long[] {n, oh, ow, cin, kh, kw},
            new long[] {st[0], st[1] * kh, st[2] * kw, st[3], st[1], st[2]}, win.offset(), false);
        try (Tensor cols = allocate(DType.F32, n * oh * ow, cin * kh * kw)) {
            copy(cols.reshape(n, oh, ow, cin, kh, kw), patches);
            Tensor w2 = w.isContiguous() ? w.reshape(cout, cin * kh * kw) : null;
            if (w2 == null) throw new ShapeException("[conv2d] the weight " + w + " must be contiguous");
            matmul(ob.reshape(n * oh * ow, cout), cols, w2);
        }
    }

    /**
     * Scaled dot-product attention: q [Tq, H, D], k and v [Tk, KV, D] (F32, or F16/BF16 when they come from a
     * 16-bit KV cache; may be strided), out F32 [Tq, H, D]; a leading batch dim on all four is allowed.
     * Query head h uses kv head {@code h / (H / KV)}; scores {@code scale · q·k} are soft-maxed in F32;
     * with {@code causal} query i sees keys {@code j <= i + qOffset}.
     * The default composes {@link #copy}, {@link #matmul}, {@link #softmax}; backends fuse it.
     */
    default void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (q.rank() == 4) {
            for (long b = 0; b < q.dim(0); b++) {
                attention(out.select(0, b), q.select(0, b), k.select(0, b), v.select(0, b), scale, causal, qOffset);
            }
            return;
        }
        long tq = q.dim(0), heads = q.dim(1), d = q.dim(2), tk = k.dim(0), kvHeads = k.dim(1), dv = v.dim(2);
        long group = heads / kvHeads;
        try (Tensor qh = allocate(DType.F32, tq, d);
             Tensor kh = allocate(DType.F32, tk, d);
             Tensor vt = allocate(DType.F32, dv, tk);
             Tensor scores = allocate(DType.F32, tq, tk);
             Tensor oh = allocate(DType.F32, tq, dv)) {
            for (long h = 0; h < heads; h++) {
                long g = h / group;
                copy(qh, q.select(1, h));
                copy(kh, k.select(1, g));
                copy(vt, v.select(1, g).transpose(0, 1));
                matmul(scores, qh, kh);
                scale(scores, scores, scale);
                softmax(scores, scores, causal, qOffset);
                matmul(oh, scores, vt);
                copy(out.select(1, h), oh);
            }
        }
    }

    /**
     * Row scatter, the mirror of {@link #getRows}: {@code out[ids[t], :] = src[t, :]}, converted to out's dtype
     * (F32, F16 or BF16, round to nearest even); rows not named keep their values. out [R, D] (rows may be
     * strided, each row contiguous), src F32 [T, D], ids I32 [T] with distinct values in [0, R). This is how new
     * keys and values enter a KV cache without making a view per token (ggml's {@code set_rows}).
     * The default reads the ids to the host and {@link #copy}s row by row.
     */
    default void setRows(Tensor out, Tensor src, Tensor ids) {
        int n = (int) ids.dim(0);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment host = arena.allocate(4L * Math.max(1, n), 4);
            Tensor idc = ids.isContiguous() ? ids : allocate(DType.I32, n);
            if (idc != ids) copy(idc, ids);
            copyOut(idc, host);
            if (idc != ids) idc.close();
            for (int t = 0; t < n; t++) {
                copy(out.select(0, host.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, t)), src.select(0, t));
            }
        }
    }

    /** {@code out = x · wᵀ + bias} (bias [N] or null). Default: {@link #matmul} then {@link #add}. */
    default void linear(Tensor out, Tensor x, Tensor w, Tensor bias) {
        matmul(out, x, w);
        if (bias != null) add(out, out, bias);
    }

    /** {@code out = silu(gate) · up} (SwiGLU). out may alias gate. Default: {@link #unary} then {@link #mul}. */
    default void swiglu(Tensor out, Tensor gate, Tensor up) {
        unary(UnaryOp.SILU, out, gate);
        mul(out, out, up);
    }
}
