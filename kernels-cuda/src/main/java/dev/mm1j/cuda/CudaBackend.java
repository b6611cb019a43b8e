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
 * <p>This class holds memory, the device error word and the launching helpers, and hands each op to the class of
 * its {@linkplain dev.mm1j.core.backend.Op.Family family}, whose kernels are in the {@code .cu} resource of the same
 * name: {@link CudaProducts} (products.cu), {@link CudaElementwise} (elementwise.cu), {@link CudaRows} (rows.cu),
 * {@link CudaAttention} (attention.cu), {@link CudaSpatial} (spatial.cu), {@link CudaIndexing} (indexing.cu).
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
    private final CudaElementwise elementwise;
    private final CudaRows rows;
    private final CudaAttention attention;
    private final CudaSpatial spatial;
    private final CudaIndexing indexing;
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
        this.elementwise = new CudaElementwise(this);
        this.rows = new CudaRows(this);
        this.attention = new CudaAttention(this);
        this.spatial = new CudaSpatial(this);
        this.indexing = new CudaIndexing(this);
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

    /** Threads per block for a row of {@code cols} elements (the rows family, get_rows, set_rows). */
    static int rowThreads(long cols) {
        return cols <= 64 ? 32 : cols <= 1024 ? 128 : cols <= 8192 ? 256 : 512;
    }

    // ================================================================== the ops, one line each to their family

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        products.matmul(out, x, w);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        elementwise.copy(out, x);
    }

    @Override
    public void fill(Tensor out, float value) {
        elementwise.fill(out, value);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        elementwise.add(out, a, b);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        elementwise.mul(out, a, b);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        elementwise.swiglu(out, gate, up);
    }

    @Override
    public void scale(Tensor out, Tensor x, float sc) {
        elementwise.scale(out, x, sc);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        elementwise.unary(op, out, x);
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        rows.softmax(out, x, causal, offset);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        rows.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        rows.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        rows.mean(out, x);
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        rows.rope(out, x, positions, invFreq);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (!attention.attention(out, q, k, v, scale, causal, qOffset)) Backend.super.attention(out, q, k, v, scale, causal, qOffset);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        if (!spatial.conv2d(out, x, w, stride, padding, groups)) Backend.super.conv2d(out, x, w, stride, padding, groups); // im2col + the GEMMs
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
}
