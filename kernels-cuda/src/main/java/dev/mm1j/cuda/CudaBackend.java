package dev.mm1j.cuda;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.backend.UnsupportedOpException;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CUDA backend: tensors in GPU memory, every op of the SPI as a CUDA kernel (compiled by NVRTC for the
 * device at first use). Work is queued on one stream; {@link #copyOut} and {@link #synchronize} wait for it.
 * Host operands are accepted (uploaded to scratch buffers per call; host outputs copied back), but the
 * intended use is device-resident weights ({@link #upload}) and activations, with host transfers for inputs
 * and logits only.
 *
 * <p>This class holds memory, elementwise and row ops; {@link CudaProducts} the matmuls and attention,
 * {@link CudaGrids} convolution, pooling, resizing and indexing.
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";

    static final int ERR_GET_ROWS = 1;
    static final int ERR_INDEX_ADD = 2;
    static final int ERR_SET_ROWS = 3;

    private final Device device;
    private final Scratch scratch;
    private final long errorWord;
    private final MemorySegment errorHost = Arena.ofAuto().allocate(4, 4);
    private final CudaProducts products;
    private final CudaGrids grids;
    private boolean closed;

    /**
     * @param splitActivations feed F32 activations to the tensor cores as hi + lo 16-bit halves (accurate,
     *     the default) instead of one rounded value (faster)
     */
    CudaBackend(Device device, boolean splitActivations) {
        this.device = device;
        this.scratch = new Scratch(device);
        this.errorWord = device.allocate(4);
        this.products = new CudaProducts(this, splitActivations);
        this.grids = new CudaGrids(this);
    }

    Device device() {
        return device;
    }

    Scratch scratch() {
        return scratch;
    }

    long errorWord() {
        return errorWord;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "cuda: " + device.description();
    }

    // ================================================================== memory

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        long bytes = dtype.byteSize(Tensor.numel(shape));
        long p = device.allocate(bytes);
        return Tensor.contiguous(new CudaStorage(this, p, bytes, bytes, false), dtype, shape, true);
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public Tensor upload(Tensor host) {
        if (!host.isHost()) return host;
        Tensor h = host;
        if (!h.isContiguous()) {
            h = Tensor.allocateHost(host.dtype(), host.shape());
            new ReferenceBackend().copy(h, host);
        }
        Tensor t = allocate(h.dtype(), h.shape());
        copyIn(t, h.data());
        if (h != host) h.close();
        return t;
    }

    @Override
    public void copyIn(Tensor dst, MemorySegment src) {
        requireContiguousDevice("copyIn", dst);
        if (src.byteSize() < dst.byteSize()) throw new ShapeException("[copyIn] " + dst + " needs " + dst.byteSize() + " bytes, the source has " + src.byteSize());
        device.copyToDevice(ptr(dst), src, dst.byteSize());
    }

    @Override
    public void copyOut(Tensor src, MemorySegment dst) {
        requireContiguousDevice("copyOut", src);
        if (dst.byteSize() < src.byteSize()) throw new ShapeException("[copyOut] " + src + " has " + src.byteSize() + " bytes, the destination " + dst.byteSize());
        device.copyToHost(dst, ptr(src), src.byteSize());
        checkErrorWord();
    }

    @Override
    public void synchronize() {
        device.synchronize();
        checkErrorWord();
    }

    /** Turns an error a kernel recorded (an id outside its table) into an exception, once. */
    private void checkErrorWord() {
        device.copyToHost(errorHost, errorWord, 4);
        int code = errorHost.get(ValueLayout.JAVA_INT, 0);
        if (code == 0) return;
        device.zero(errorWord, 4);
        throw new Mm1jException(switch (code) {
            case ERR_GET_ROWS -> "[get_rows] an id was outside the table (found on the GPU; those rows were set to 0)";
            case ERR_INDEX_ADD -> "[index_add] an id was outside the output rows (found on the GPU; those rows were skipped)";
            case ERR_SET_ROWS -> "[set_rows] an id was outside the output rows (found on the GPU; those rows were skipped)";
            default -> "[cuda] a kernel reported error " + code;
        });
    }

    private void requireContiguousDevice(String what, Tensor t) {
        if (!(t.storage() instanceof CudaStorage)) throw new Mm1jException("[" + what + "] " + t + " is not a CUDA tensor");
        if (!t.isContiguous()) throw new ShapeException("[" + what + "] " + t + " must be contiguous; copy it first");
    }

    /** Device address of the first element of {@code t}. */
    static long ptr(Tensor t) {
        if (t.storage() instanceof CudaStorage s) return s.pointer() + t.byteOffset();
        throw new Mm1jException("[cuda] " + t + " is not in CUDA memory");
    }

    static long ptrOrNull(Tensor t) {
        return t == null ? 0L : ptr(t);
    }

    /** The dtype code of common.cuh. */
    static int code(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case I32 -> 3;
            case Q8_0 -> 4;
            case Q4_0 -> 5;
            default -> throw new UnsupportedOpException("[cuda] " + t + " is storage-only");
        };
    }

    @Override
    public boolean supportsOp(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, GET_ROWS, CONV2D -> dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16 || dtype == DType.Q8_0 || dtype == DType.Q4_0;
            case COPY -> dtype.isComputable();
            case FILL -> dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16 || dtype == DType.I32;
            case ATTENTION, SET_ROWS -> dtype.isFloat();
            default -> dtype == DType.F32;
        };
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        scratch.close();
        device.free(errorWord);
        device.close();
    }

    // ================================================================== launching

    /** Blocks of 256 threads for an n-element grid-stride loop: enough to fill the device, no more. */
    int elementBlocks(long n) {
        return (int) Math.max(1, Math.min((n + 255) / 256, device.multiprocessors() * 16L));
    }

    void launch(LaunchArgs a, long gx, long gy, long gz, int threads, int shared) {
        if (gx < 1 || gy < 1 || gz < 1 || gx > Integer.MAX_VALUE || gy > 65535 || gz > 65535) {
            throw new UnsupportedOpException("[cuda] " + a.kernel() + ": grid " + gx + "x" + gy + "x" + gz + " exceeds the device limits");
        }
        device.launch(device.function(a.kernel()), (int) gx, (int) gy, (int) gz, threads, 1, 1, shared, a);
    }

    static StridedLayout collapse(String op, long[] shape, long[]... strides) {
        StridedLayout l = StridedLayout.collapse(shape, strides);
        if (l.rank > StridedLayout.MAX_RANK) throw new UnsupportedOpException("[" + op + "] cuda handles up to " + StridedLayout.MAX_RANK + " non-mergeable dims, got shape " + java.util.Arrays.toString(shape));
        return l;
    }

    // ================================================================== elementwise

    @Override
    public void copy(Tensor out, Tensor x) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            Tensor o = s.out(out), xd = s.in(x);
            if (o.dtype() == xd.dtype() && o.isContiguous() && xd.isContiguous()) {
                device.copyOnDevice(ptr(o), ptr(xd), o.byteSize());
                return;
            }
            StridedLayout l = collapse("copy", o.shape(), o.strides(), xd.strides());
            LaunchArgs a = LaunchArgs.begin(Kernels.EW_COPY).ptr(ptr(o)).i32(code(o.dtype())).ptr(ptr(xd)).i32(code(xd.dtype()))
                .i64(o.numel()).i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank);
            launch(a, elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    @Override
    public void fill(Tensor out, float value) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            Tensor o = s.out(out);
            StridedLayout l = collapse("fill", o.shape(), o.strides());
            LaunchArgs a = LaunchArgs.begin(Kernels.EW_FILL).ptr(ptr(o)).i32(code(o.dtype())).f32(value).i64(o.numel())
                .i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank);
            launch(a, elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    private void binary(Tensor out, Tensor a, Tensor b, int op) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            Tensor o = s.out(out), ad = s.in(a), bd = s.in(b);
            long[] shape = ad.shape();
            StridedLayout l = collapse("binary", shape, o.strides(), ad.strides(), StridedLayout.broadcastStrides(shape, bd));
            LaunchArgs la = LaunchArgs.begin(Kernels.EW_BINARY).ptr(ptr(o)).ptr(ptr(ad)).ptr(ptr(bd)).i32(op).i64(o.numel())
                .i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank).dims(l.strides[2], l.rank);
            launch(la, elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        binary(out, a, b, 0);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        binary(out, a, b, 1);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        binary(out, gate, up, 2);
    }

    @Override
    public void scale(Tensor out, Tensor x, float sc) {
        unaryLike(Kernels.EW_SCALE, out, x, sc, 0);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        unaryLike(Kernels.EW_UNARY, out, x, 0f, op.ordinal());
    }

    private void unaryLike(Kernel k, Tensor out, Tensor x, float sc, int op) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            Tensor o = s.out(out), xd = s.in(x);
            StridedLayout l = collapse(k.name(), o.shape(), o.strides(), xd.strides());
            LaunchArgs a = LaunchArgs.begin(k).ptr(ptr(o)).ptr(ptr(xd));
            if (k == Kernels.EW_SCALE) a.f32(sc);
            else a.i32(op);
            a.i64(o.numel()).i32(l.rank).dims(l.shape, l.rank).dims(l.strides[0], l.rank).dims(l.strides[1], l.rank);
            launch(a, elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    // ================================================================== rows

    /** Threads per block for a row of {@code cols} elements. */
    static int rowThreads(long cols) {
        return cols <= 64 ? 32 : cols <= 1024 ? 128 : cols <= 8192 ? 256 : 512;
    }

    /** {@code t} (on the device) addressable as rows: itself, or a contiguous copy. Returns {rows, rowStride, colStride} in {@code geo}. */
    private static Tensor asRows(Staging s, Tensor t, long[] geo) {
        long[] g = StridedLayout.rows(t);
        if (g == null) {
            t = s.contiguous(t);
            g = StridedLayout.rows(t);
        }
        System.arraycopy(g, 0, geo, 0, 3);
        return t;
    }

    /** The output as rows: itself when its rows are addressable, else a temporary copied back on close. */
    private static Tensor outRows(Staging s, Tensor out, long[] geo) {
        long[] g = StridedLayout.rows(out);
        if (g == null) {
            out = s.contiguousOut(out);
            g = StridedLayout.rows(out);
        }
        System.arraycopy(g, 0, geo, 0, 3);
        return out;
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            long cols = x.dim(-1), r = x.rank() >= 2 ? x.dim(-2) : 1;
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_SOFTMAX).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .i32(cols).i32(causal ? 1 : 0).i64(r).i64(offset);
            launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            Tensor w = weight == null ? null : s.contiguous(s.in(weight)), b = bias == null ? null : s.contiguous(s.in(bias));
            long cols = x.dim(-1);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_LAYERNORM).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .ptr(ptrOrNull(w)).ptr(ptrOrNull(b)).i32(cols).f32(eps);
            launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            Tensor w = s.contiguous(s.in(weight));
            long cols = x.dim(-1);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_RMSNORM).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .ptr(ptr(w)).i32(cols).f32(eps);
            launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            long[] xg = new long[3];
            Tensor xd = asRows(s, s.in(x), xg);
            Tensor o = s.contiguousOut(s.out(out)); // out [...] gets one value per row of x, in row order
            long cols = x.dim(-1);
            if (cols == 0) {
                fill(o, Float.NaN); // the mean of nothing, like the reference's 0/0
                return;
            }
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_MEAN).ptr(ptr(o)).i64(1).ptr(ptr(xd)).i64(xg[1]).i64(xg[2]).i32(cols);
            launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(this)) {
            Tensor xd = s.in(x), o = s.out(out);
            Tensor pos = s.contiguous(s.in(positions)), inv = s.contiguous(s.in(invFreq));
            long t = x.dim(0), h = x.dim(1), d = x.dim(2);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROPE).ptr(ptr(o)).i64(o.stride(0)).i64(o.stride(1)).i64(o.stride(2))
                .ptr(ptr(xd)).i64(xd.stride(0)).i64(xd.stride(1)).i64(xd.stride(2)).ptr(ptr(pos)).ptr(ptr(inv)).i32(t).i32(h).i32(d);
            launch(a, elementBlocks(t * h * (d / 2)), 1, 1, 256, 0);
        }
    }

    // ================================================================== delegated families

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        products.matmul(out, x, w);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (!products.attention(out, q, k, v, scale, causal, qOffset)) Backend.super.attention(out, q, k, v, scale, causal, qOffset);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        long kh = w.dim(2), kw = w.dim(3);
        boolean patchify = groups == 1 && padding == 0 && stride == kh && stride == kw;
        boolean pointwise = groups == 1 && padding == 0 && stride == 1 && kh == 1 && kw == 1;
        if ((patchify || pointwise) && (w.isContiguous() || w.dtype().isQuantized())) {
            Backend.super.conv2d(out, x, w, stride, padding, groups); // im2col + the GEMMs (tensor cores)
        } else if (w.dtype().isQuantized()) {
            throw new UnsupportedOpException("[conv2d] cuda takes " + w.dtype() + " weights for patchify and 1x1 convolutions only, got stride "
                + stride + ", padding " + padding + ", groups " + groups + ", kernel " + kh + "x" + kw);
        } else {
            grids.conv2d(out, x, w, stride, padding, groups); // direct: depthwise, padded, strided
        }
    }

    @Override
    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        grids.pool(out, x);
    }

    @Override
    public void resizeBicubic(Tensor out, Tensor x) {
        grids.resize(out, x);
    }

    @Override
    public void getRows(Tensor out, Tensor table, Tensor ids) {
        grids.getRows(out, table, ids);
    }

    @Override
    public void setRows(Tensor out, Tensor src, Tensor ids) {
        grids.setRows(out, src, ids);
    }

    @Override
    public void topK(Tensor values, Tensor indices, Tensor x, int k) {
        grids.topK(values, indices, x, k);
    }

    @Override
    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        grids.indexAdd(out, src, ids, weights);
    }
}
