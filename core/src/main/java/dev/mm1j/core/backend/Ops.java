package dev.mm1j.core.backend;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import java.util.Arrays;

/**
 * The validating front door to a {@link Backend}: every method checks shapes and dtypes, naming the op
 * and the actual values in the error ({@code [matmul] x=F32[4, 64] w=F32[32, 8]: inner dims differ}),
 * then dispatches. Ops the backend does not support for the given dtype run on the fallback backend when
 * every operand lives in host memory; otherwise they fail with {@link UnsupportedOpException}.
 * Checks allocate nothing on the success path, so decode loops stay allocation-free.
 */
public final class Ops {
    private final Backend backend;
    private final Backend fallback;

    /** @param fallback a host backend used for unsupported ops (may be null) */
    public Ops(Backend backend, Backend fallback) {
        this.backend = backend;
        this.fallback = fallback;
    }

    public Ops(Backend backend) {
        this(backend, null);
    }

    /**
     * Ops on {@code backend} with the scalar reference backend as the host fallback for the ops it lacks (the
     * reference itself needs none). This is how a model gets its {@code Ops}: the fallback is decided here, once.
     */
    public static Ops withHostFallback(Backend backend) {
        return new Ops(backend, backend instanceof dev.mm1j.core.backend.reference.ReferenceBackend ? null : new dev.mm1j.core.backend.reference.ReferenceBackend());
    }

    /** The backend behind these ops: for its name, description and settings (model code computes through {@code Ops}). */
    public Backend backend() {
        return backend;
    }

    /**
     * Whether the backend runs {@code op} on {@code dtype} with a kernel of its own: supported, and not the scalar
     * reference (which defines the ops rather than running them fast). For choices such as a 16-bit KV cache.
     */
    public boolean runsFast(Op op, DType dtype) {
        return backend.supportsOp(op, dtype) && !(backend instanceof dev.mm1j.core.backend.reference.ReferenceBackend);
    }

    // ------------------------------------------------------------------ memory

    public Tensor allocate(DType dtype, long... shape) {
        return backend.allocate(dtype, shape);
    }

    /** {@code host} (contiguous, host memory) in the backend's memory: itself on host backends, else a copy. */
    public Tensor upload(Tensor host) {
        if (!host.isHost() || !host.isContiguous()) throw new ShapeException("[upload] " + host + ": expected a contiguous host tensor");
        return backend.upload(host);
    }

    /**
     * A matmul weight in the backend's memory, in the layout its matmul reads fastest ({@link Backend#prepareWeight}):
     * the result is only a matmul operand.
     */
    public Tensor prepareWeight(Tensor w) {
        return backend.prepareWeight(w);
    }

    /** Copies host bytes into the contiguous tensor {@code dst} ({@code dst.byteSize()} of them). */
    public void copyIn(Tensor dst, java.lang.foreign.MemorySegment src) {
        if (!dst.isContiguous() || src.byteSize() < dst.byteSize()) {
            throw new ShapeException("[copy_in] " + dst + " from " + src.byteSize() + " bytes: expected a contiguous tensor and at least " + dst.byteSize() + " bytes");
        }
        backend.copyIn(dst, src);
    }

    /** Copies the contiguous tensor {@code src} into host memory ({@code src.byteSize()} bytes). */
    public void copyOut(Tensor src, java.lang.foreign.MemorySegment dst) {
        if (!src.isContiguous() || dst.byteSize() < src.byteSize()) {
            throw new ShapeException("[copy_out] " + src + " into " + dst.byteSize() + " bytes: expected a contiguous tensor and room for " + src.byteSize() + " bytes");
        }
        backend.copyOut(src, dst);
    }

    /** A host F32 copy of {@code t} (any backend, any computable dtype, any layout). */
    public Tensor toHostF32(Tensor t) {
        Tensor f32 = t;
        if (t.dtype() != DType.F32 || !t.isContiguous()) {
            f32 = allocate(DType.F32, t.shape());
            copy(f32, t);
        }
        Tensor host = Tensor.allocateHost(DType.F32, t.shape());
        copyOut(f32, host.data());
        if (f32 != t) f32.close();
        return host;
    }

    /** Waits until every op issued so far has finished. */
    public void synchronize() {
        backend.synchronize();
    }

    // ------------------------------------------------------------------ dispatch

    /** Lower-case unary op names for messages, made once (unary() used to lower-case on every call). */
    private static final String[] UNARY_NAMES = java.util.Arrays.stream(UnaryOp.values()).map(u -> u.name().toLowerCase()).toArray(String[]::new);

    // Fixed arities rather than varargs: a Tensor[] per op call is garbage that C2 does not always remove, and
    // decode loops must not allocate (the operands are only looked at when falling back).
    private Backend pick(Op op, DType dtype, Tensor a) {
        return pick(op, dtype, a, null, null, null);
    }

    private Backend pick(Op op, DType dtype, Tensor a, Tensor b) {
        return pick(op, dtype, a, b, null, null);
    }

    private Backend pick(Op op, DType dtype, Tensor a, Tensor b, Tensor c) {
        return pick(op, dtype, a, b, c, null);
    }

    private Backend pick(Op op, DType dtype, Tensor a, Tensor b, Tensor c, Tensor d) {
        if (backend.supportsOp(op, dtype)) return backend;
        if (fallback != null && fallback.supportsOp(op, dtype) && host(a) && host(b) && host(c) && host(d)) return fallback;
        throw new UnsupportedOpException("[" + op.name().toLowerCase() + "] " + backend.name() + " has no implementation for " + dtype);
    }

    private static boolean host(Tensor t) {
        return t == null || t.isHost();
    }

    // ------------------------------------------------------------------ ops

    public void matmul(Tensor out, Tensor x, Tensor w) {
        checkMatmul(out, x, w);
        pick(Op.MATMUL, w.dtype(), out, x, w).matmul(out, x, w);
    }

    private static void checkMatmul(Tensor out, Tensor x, Tensor w) {
        f32("matmul", "x", x);
        f32("matmul", "out", out);
        computable("matmul", "w", w);
        int r = x.rank();
        if (r < 2 || out.rank() != r || (w.rank() != 2 && w.rank() != 3)) fail("matmul", "bad ranks", "out,x,w", out, x, w);
        if (x.dim(-1) != w.dim(-1)) fail("matmul", "inner dims differ", "out,x,w", out, x, w);
        if (out.dim(-2) != x.dim(-2) || out.dim(-1) != w.dim(-2)) fail("matmul", "output shape does not match", "out,x,w", out, x, w);
        for (int d = 0; d < r - 2; d++) if (out.dim(d) != x.dim(d)) fail("matmul", "batch dims differ", "out,x,w", out, x, w);
        if (w.rank() == 3 && (r != 3 || x.dim(0) != w.dim(0))) fail("matmul", "batched weights need x [B, M, K] with the same B", "out,x,w", out, x, w);
        contiguousOut("matmul", out);
    }

    public void copy(Tensor out, Tensor x) {
        sameShape("copy", out, x);
        computable("copy", "x", x);
        if (out.dtype().isQuantized() || !out.dtype().isComputable()) fail("copy", "cannot write " + out.dtype(), "out,x", out, x);
        pick(Op.COPY, x.dtype(), out, x).copy(out, x);
    }

    public void fill(Tensor out, float value) {
        if (out.dtype().isQuantized() || !out.dtype().isComputable()) fail("fill", "cannot fill " + out.dtype(), "out", out);
        pick(Op.FILL, out.dtype(), out).fill(out, value);
    }

    public void add(Tensor out, Tensor a, Tensor b) {
        broadcast("add", out, a, b);
        pick(Op.ADD, DType.F32, out, a, b).add(out, a, b);
    }

    public void mul(Tensor out, Tensor a, Tensor b) {
        broadcast("mul", out, a, b);
        pick(Op.MUL, DType.F32, out, a, b).mul(out, a, b);
    }

    public void scale(Tensor out, Tensor x, float s) {
        sameShape("scale", out, x);
        f32("scale", "x", x);
        f32("scale", "out", out);
        pick(Op.SCALE, DType.F32, out, x).scale(out, x, s);
    }

    public void unary(UnaryOp op, Tensor out, Tensor x) {
        String name = UNARY_NAMES[op.ordinal()];
        sameShape(name, out, x);
        f32(name, "x", x);
        f32(name, "out", out);
        pick(Op.of(op), DType.F32, out, x).unary(op, out, x);
    }

    public void softmax(Tensor out, Tensor x) {
        softmax(out, x, false, 0);
    }

    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        sameShape("softmax", out, x);
        f32("softmax", "x", x);
        f32("softmax", "out", out);
        rows("softmax", out, x);
        if (causal && x.rank() < 2) fail("softmax", "a causal softmax needs rows and columns", "out,x", out, x);
        pick(Op.SOFTMAX, DType.F32, out, x).softmax(out, x, causal, offset);
    }

    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        sameShape("layer_norm", out, x);
        f32("layer_norm", "x", x);
        f32("layer_norm", "out", out);
        rows("layer_norm", out, x);
        vectorOf("layer_norm", "weight", weight, x.dim(-1), out, x);
        vectorOf("layer_norm", "bias", bias, x.dim(-1), out, x);
        pick(Op.LAYER_NORM, DType.F32, out, x, weight, bias).layerNorm(out, x, weight, bias, eps);
    }

    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        sameShape("rms_norm", out, x);
        f32("rms_norm", "x", x);
        f32("rms_norm", "out", out);
        rows("rms_norm", out, x);
        vectorOf("rms_norm", "weight", weight, x.dim(-1), out, x);
        pick(Op.RMS_NORM, DType.F32, out, x, weight).rmsNorm(out, x, weight, eps);
    }

    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        sameShape("rope", out, x);
        f32("rope", "x", x);
        f32("rope", "out", out);
        if (x.rank() != 3 || x.dim(2) % 2 != 0) fail("rope", "x must be [T, H, D] with D even", "out,x", out, x);
        if (positions.dtype() != DType.I32 || positions.rank() != 1 || positions.dim(0) != x.dim(0)) fail("rope", "positions must be I32 [T]", "x,positions", x, positions);
        if (invFreq.dtype() != DType.F32 || invFreq.rank() != 1 || invFreq.dim(0) != x.dim(2) / 2) fail("rope", "invFreq must be F32 [D/2]", "x,invFreq", x, invFreq);
        pick(Op.ROPE, DType.F32, out, x, positions, invFreq).rope(out, x, positions, invFreq);
    }

    public void mean(Tensor out, Tensor x) {
        f32("mean", "x", x);
        f32("mean", "out", out);
        if (x.rank() < 1 || out.rank() != x.rank() - 1) fail("mean", "out must drop the last dim of x", "out,x", out, x);
        for (int d = 0; d < out.rank(); d++) if (out.dim(d) != x.dim(d)) fail("mean", "out must drop the last dim of x", "out,x", out, x);
        pick(Op.MEAN, DType.F32, out, x).mean(out, x);
    }

    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        f32("adaptive_avg_pool2d", "x", x);
        f32("adaptive_avg_pool2d", "out", out);
        if (x.rank() != 3 || out.rank() != 3 || x.dim(2) != out.dim(2)) fail("adaptive_avg_pool2d", "expected x [H, W, C] and out [OH, OW, C]", "out,x", out, x);
        if (out.dim(0) < 1 || out.dim(1) < 1 || x.dim(0) < 1 || x.dim(1) < 1) fail("adaptive_avg_pool2d", "empty grid", "out,x", out, x);
        contiguousOut("adaptive_avg_pool2d", out);
        pick(Op.ADAPTIVE_AVG_POOL2D, DType.F32, out, x).adaptiveAvgPool2d(out, x);
    }

    public void resizeBicubic(Tensor out, Tensor x) {
        f32("resize_bicubic", "x", x);
        f32("resize_bicubic", "out", out);
        if (x.rank() != 3 || out.rank() != 3 || x.dim(2) != out.dim(2)) fail("resize_bicubic", "expected x [H, W, C] and out [OH, OW, C]", "out,x", out, x);
        if (out.dim(0) < 1 || out.dim(1) < 1 || x.dim(0) < 1 || x.dim(1) < 1) fail("resize_bicubic", "empty grid", "out,x", out, x);
        contiguousOut("resize_bicubic", out);
        pick(Op.RESIZE_BICUBIC, DType.F32, out, x).resizeBicubic(out, x);
    }

    public void getRows(Tensor out, Tensor table, Tensor ids) {
        computable("get_rows", "table", table);
        f32("get_rows", "out", out);
        if (table.rank() != 2 || ids.rank() != 1 || ids.dtype() != DType.I32) fail("get_rows", "expected table [V, D] and ids I32 [T]", "out,table,ids", out, table, ids);
        if (out.rank() != 2 || out.dim(0) != ids.dim(0) || out.dim(1) != table.dim(1)) fail("get_rows", "out must be [T, D]", "out,table,ids", out, table, ids);
        contiguousOut("get_rows", out);
        pick(Op.GET_ROWS, table.dtype(), out, table, ids).getRows(out, table, ids);
    }

    public void topK(Tensor values, Tensor indices, Tensor x, int k) {
        f32("top_k", "x", x);
        f32("top_k", "values", values);
        if (x.rank() != 2 || k < 1 || k > x.dim(1)) fail("top_k", "need x [R, C] and 1 <= k=" + k + " <= C", "x", x);
        if (values.rank() != 2 || values.dim(0) != x.dim(0) || values.dim(1) != k) fail("top_k", "values must be [R, k=" + k + "]", "values,x", values, x);
        if (indices.dtype() != DType.I32 || indices.rank() != 2 || indices.dim(0) != x.dim(0) || indices.dim(1) != k) {
            fail("top_k", "indices must be I32 [R, k=" + k + "]", "indices,x", indices, x);
        }
        contiguousOut("top_k", values);
        contiguousOut("top_k", indices);
        pick(Op.TOP_K, DType.F32, values, indices, x).topK(values, indices, x, k);
    }

    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        f32("index_add", "out", out);
        f32("index_add", "src", src);
        if (out.rank() != 2 || src.rank() != 2 || out.dim(1) != src.dim(1)) fail("index_add", "expected out [R, D] and src [T, D]", "out,src", out, src);
        if (ids.dtype() != DType.I32 || ids.rank() != 1 || ids.dim(0) != src.dim(0)) fail("index_add", "ids must be I32 [T]", "src,ids", src, ids);
        if (weights != null) {
            f32("index_add", "weights", weights);
            if (weights.rank() != 1 || weights.dim(0) != src.dim(0)) fail("index_add", "weights must be [T]", "src,weights", src, weights);
        }
        pick(Op.INDEX_ADD, DType.F32, out, src, ids, weights).indexAdd(out, src, ids, weights);
    }

    public void setRows(Tensor out, Tensor src, Tensor ids) {
        f32("set_rows", "src", src);
        if (!out.dtype().isFloat()) fail("set_rows", "out must be F32, F16 or BF16", "out,src", out, src);
        if (out.rank() != 2 || src.rank() != 2 || out.dim(1) != src.dim(1)) fail("set_rows", "expected out [R, D] and src [T, D]", "out,src", out, src);
        if (out.stride(1) != 1) fail("set_rows", "the rows of out must be contiguous", "out", out);
        if (ids.dtype() != DType.I32 || ids.rank() != 1 || ids.dim(0) != src.dim(0)) fail("set_rows", "ids must be I32 [T]", "src,ids", src, ids);
        pick(Op.SET_ROWS, out.dtype(), out, src, ids).setRows(out, src, ids);
    }

    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        f32("conv2d", "x", x);
        f32("conv2d", "out", out);
        computable("conv2d", "w", w);
        if ((x.rank() != 3 && x.rank() != 4) || out.rank() != x.rank() || w.rank() != 4) fail("conv2d", "expected x [N?, H, W, Cin], w [Cout, Cin/g, KH, KW]", "out,x,w", out, x, w);
        if (stride < 1 || padding < 0 || groups < 1) fail("conv2d", "bad stride " + stride + ", padding " + padding + " or groups " + groups, "out,x,w", out, x, w);
        int b = x.rank() - 3;
        long h = x.dim(b), wd = x.dim(b + 1), cin = x.dim(b + 2), cout = w.dim(0);
        if (cin % groups != 0 || cout % groups != 0 || w.dim(1) != cin / groups) fail("conv2d", "channels do not match groups " + groups, "out,x,w", out, x, w);
        long oh = (h + 2L * padding - w.dim(2)) / stride + 1, ow = (wd + 2L * padding - w.dim(3)) / stride + 1;
        if (oh < 1 || ow < 1 || out.dim(b) != oh || out.dim(b + 1) != ow || out.dim(b + 2) != cout || (b == 1 && out.dim(0) != x.dim(0))) {
            fail("conv2d", "out must be [" + (b == 1 ? x.dim(0) + ", " : "") + oh + ", " + ow + ", " + cout + "]", "out,x,w", out, x, w);
        }
        contiguousOut("conv2d", out);
        pick(Op.CONV2D, w.dtype(), out, x, w).conv2d(out, x, w, stride, padding, groups);
    }

    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        f32("attention", "q", q);
        f32("attention", "out", out);
        if (!k.dtype().isFloat() || k.dtype() != v.dtype()) fail("attention", "k and v must share a float dtype", "q,k,v", q, k, v);
        int r = q.rank();
        if ((r != 3 && r != 4) || k.rank() != r || v.rank() != r || out.rank() != r) fail("attention", "expected [B?, T, H, D]", "out,q,k,v", out, q, k, v);
        int b = r - 3;
        if (b == 1 && (k.dim(0) != q.dim(0) || v.dim(0) != q.dim(0) || out.dim(0) != q.dim(0))) fail("attention", "batch sizes differ", "out,q,k,v", out, q, k, v);
        long heads = q.dim(b + 1), kv = k.dim(b + 1);
        if (kv == 0 || heads % kv != 0 || v.dim(b + 1) != kv) fail("attention", "query heads must be a multiple of kv heads", "q,k,v", q, k, v);
        if (k.dim(b + 2) != q.dim(b + 2) || v.dim(b) != k.dim(b)) fail("attention", "head dims or key counts differ", "q,k,v", q, k, v);
        if (out.dim(b) != q.dim(b) || out.dim(b + 1) != heads || out.dim(b + 2) != v.dim(b + 2)) fail("attention", "out must be [T, H, Dv]", "out,q,v", out, q, v);
        pick(Op.ATTENTION, k.dtype(), out, q, k, v).attention(out, q, k, v, scale, causal, qOffset);
    }

    public void linear(Tensor out, Tensor x, Tensor w, Tensor bias) {
        checkMatmul(out, x, w);
        vectorOf("linear", "bias", bias, w.dim(-2), out, x, w);
        Backend b = pick(Op.MATMUL, w.dtype(), out, x, w);
        if (bias == null) {
            b.matmul(out, x, w);
        } else if (b.supportsOp(Op.ADD, DType.F32)) {
            b.linear(out, x, w, bias);
        } else {
            b.matmul(out, x, w);
            add(out, out, bias);
        }
    }

    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        sameShape("swiglu", out, gate);
        sameShape("swiglu", gate, up);
        f32("swiglu", "gate", gate);
        f32("swiglu", "up", up);
        f32("swiglu", "out", out);
        Backend b = pick(Op.SILU, DType.F32, out, gate, up);
        if (b.supportsOp(Op.MUL, DType.F32)) {
            b.swiglu(out, gate, up);
        } else {
            b.unary(UnaryOp.SILU, out, gate);
            mul(out, out, up);
        }
    }

    // ------------------------------------------------------------------ checks

    private static void f32(String op, String what, Tensor t) {
        if (t.dtype() != DType.F32) throw new ShapeException("[" + op + "] " + what + "=" + t + ": expected F32");
    }

    private static void computable(String op, String what, Tensor t) {
        if (!t.dtype().isComputable()) throw new ShapeException("[" + op + "] " + what + "=" + t + ": " + t.dtype() + " is storage-only; convert it first");
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (a.rank() != b.rank()) fail(op, "shapes differ", "out,x", a, b);
        for (int d = 0; d < a.rank(); d++) if (a.dim(d) != b.dim(d)) fail(op, "shapes differ", "out,x", a, b);
    }

    /** Row ops work over the last dim, so x needs one. */
    private static void rows(String op, Tensor out, Tensor x) {
        if (x.rank() < 1) fail(op, "needs at least one dim (rows over the last)", "out,x", out, x);
    }

    private static void contiguousOut(String op, Tensor out) {
        if (!out.isContiguous()) throw new ShapeException("[" + op + "] out=" + out + " must be contiguous");
    }

    private static void vectorOf(String op, String what, Tensor v, long n, Tensor c0, Tensor c1) {
        vectorOf(op, what, v, n, c0, c1, null);
    }

    /** v is null or F32 [n]; c0..c2 (c2 nullable) only name the operands in the error (no varargs array per call). */
    private static void vectorOf(String op, String what, Tensor v, long n, Tensor c0, Tensor c1, Tensor c2) {
        if (v == null) return;
        if (v.dtype() != DType.F32 || v.rank() != 1 || v.dim(0) != n) {
            String ctx = c2 == null ? Arrays.toString(new Tensor[] {c0, c1}) : Arrays.toString(new Tensor[] {c0, c1, c2});
            throw new ShapeException("[" + op + "] " + what + "=" + v + ": expected F32[" + n + "] for " + ctx);
        }
    }

    private static void broadcast(String op, Tensor out, Tensor a, Tensor b) {
        f32(op, "a", a);
        f32(op, "b", b);
        f32(op, "out", out);
        sameShape(op, out, a);
        if (b.rank() > a.rank()) fail(op, "b has more dims than a", "out,a,b", out, a, b);
        for (int i = 1; i <= b.rank(); i++) {
            long bd = b.dim(-i), ad = a.dim(-i);
            if (bd != ad && bd != 1) fail(op, "b does not broadcast to a", "out,a,b", out, a, b);
        }
    }

    /** Throws {@code [op] name=DTYPE[shape] ...: why}; {@code names} is a comma-separated list matching {@code ts}. */
    private static void fail(String op, String why, String names, Tensor... ts) {
        String[] n = names.split(",");
        StringBuilder sb = new StringBuilder("[").append(op).append("]");
        for (int i = 0; i < ts.length; i++) {
            sb.append(' ').append(i < n.length ? n[i] : "t" + i).append('=').append(ts[i]);
        }
        throw new ShapeException(sb.append(": ").append(why).toString());
    }
}
