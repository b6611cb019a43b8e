package dev.mm1j.cpu;

import dev.mm1j.core.DType;
import dev.mm1j.core.HostStorage;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import jdk.incubator.vector.FloatVector;

/**
 * The Vector API CPU backend: host memory, a dedicated thread pool and SIMD kernels for every op.
 *
 * <p>Options: {@code threads} (0 = all processors) and the properties {@code vector.bits} (128, 256 or 512, up to
 * what the CPU supports; default the preferred width, or the system property {@code mm1j.vector.bits}),
 * {@code matmul.panels} ({@code true}: {@link #prepareWeight} repacks Q8_0/Q4_0 weights into row-interleaved
 * panels; {@code false}: weights stay as stored, the row-major kernels run; default the system property
 * {@code mm1j.matmul.panels}, else true) and {@code matmul.exact} ({@code true}: the panel GEMV keeps the
 * activations in F32 instead of quantizing them to 8-bit blocks; default {@code mm1j.matmul.exact}, else false).
 * Each width runs the same kernel code compiled with its own species (see {@link SpeciesClassLoader}).
 */
public final class CpuBackend implements Backend {
    public static final String NAME = "cpu";

    private final Parallel parallel;
    private final Kernels k;
    private final boolean panels, exact;

    public CpuBackend(BackendOptions options) {
        int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = parseBits(options.property("vector.bits", System.getProperty("mm1j.vector.bits", Integer.toString(max))), max);
        this.panels = parseFlag("matmul.panels", options.property("matmul.panels", System.getProperty("mm1j.matmul.panels", "true")));
        this.exact = parseFlag("matmul.exact", options.property("matmul.exact", System.getProperty("mm1j.matmul.exact", "false")));
        this.parallel = new Parallel(options.effectiveThreads());
        try {
            this.k = bits == max ? new dev.mm1j.cpu.simd.VectorKernels(parallel, exact) : load(bits, parallel, exact);
        } catch (RuntimeException | Error e) {
            parallel.close();
            throw e;
        }
        if (k.bits() != bits) throw new IllegalStateException("[cpu] asked for " + bits + "-bit kernels, got " + k.bits());
    }

    private static int parseBits(String value, int max) {
        int bits;
        try {
            bits = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new Mm1jException("[cpu] vector.bits must be 128, 256 or 512, got '" + value + "'");
        }
        if (bits != 128 && bits != 256 && bits != 512) throw new Mm1jException("[cpu] vector.bits must be 128, 256 or 512, got " + bits);
        if (bits > max) throw new Mm1jException("[cpu] vector.bits=" + bits + " is not supported on this CPU (at most " + max + ")");
        return bits;
    }

    private static boolean parseFlag(String name, String value) {
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Mm1jException("[cpu] " + name + " must be true or false, got '" + value + "'");
        };
    }

    private static Kernels load(int bits, Parallel parallel, boolean exact) {
        try {
            Class<?> c = SpeciesClassLoader.forBits(bits).loadClass(SpeciesClassLoader.PACKAGE + ".VectorKernels");
            return (Kernels) c.getConstructor(Parallel.class, boolean.class).newInstance(parallel, exact);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("[cpu] cannot create " + bits + "-bit kernels", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("[cpu] cannot load " + bits + "-bit kernels", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "cpu (Vector API, " + k.bits() + "-bit vectors, " + parallel.threads() + " threads)";
    }

    /** {@code vector.bits}: the width the kernels were compiled for; {@code matmul.panels}, {@code matmul.exact}. */
    @Override
    public Map<String, String> settings() {
        return Map.of("vector.bits", Integer.toString(k.bits()), "matmul.panels", Boolean.toString(panels), "matmul.exact", Boolean.toString(exact));
    }

    /** The vector width the kernels use, in bits. */
    public int vectorBits() {
        return k.bits();
    }

    /** Threads ops run on, the caller included. */
    public int threads() {
        return parallel.threads();
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return Tensor.contiguous(HostStorage.allocate(dtype.byteSize(Tensor.numel(shape)), this), dtype, shape, true);
    }

    @Override
    public boolean isHost() {
        return true;
    }

    /**
     * Contiguous 2-D Q8_0 / Q4_0 host weights repacked into row-interleaved panels (a copy; see {@link PackedWeight}),
     * unless {@code matmul.panels=false}; other weights as they are.
     */
    @Override
    public Tensor prepareWeight(Tensor host) {
        return panels ? k.prepareWeight(host, this) : host;
    }

    @Override
    public void copyIn(Tensor dst, MemorySegment src) {
        MemorySegment.copy(src, 0, dst.segment(), dst.byteOffset(), dst.byteSize());
    }

    @Override
    public void copyOut(Tensor src, MemorySegment dst) {
        MemorySegment.copy(src.segment(), src.byteOffset(), dst, 0, src.byteSize());
    }

    @Override
    public boolean supportsOp(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, GET_ROWS, CONV2D -> dtype.isComputable() && dtype != DType.I32;
            case COPY -> dtype.isComputable();
            case FILL -> dtype.isComputable() && !dtype.isQuantized();
            case ATTENTION, SET_ROWS -> dtype.isFloat();
            default -> dtype == DType.F32;
        };
    }

    @Override
    public void close() {
        k.close();
        parallel.close();
    }

    // ------------------------------------------------------------------ ops

    @Override
    public void matmul(Tensor out, Tensor x, Tensor w) {
        k.matmul(out, x, w);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        k.copy(out, x);
    }

    @Override
    public void fill(Tensor out, float value) {
        k.fill(out, value);
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        k.add(out, a, b);
    }

    @Override
    public void mul(Tensor out, Tensor a, Tensor b) {
        k.mul(out, a, b);
    }

    @Override
    public void scale(Tensor out, Tensor x, float s) {
        k.scale(out, x, s);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        k.unary(op, out, x);
    }

    @Override
    public void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        k.softmax(out, x, causal, offset);
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        k.layerNorm(out, x, weight, bias, eps);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        k.rmsNorm(out, x, weight, eps);
    }

    @Override
    public void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        k.rope(out, x, positions, invFreq);
    }

    @Override
    public void mean(Tensor out, Tensor x) {
        k.mean(out, x);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor out, Tensor x) {
        k.adaptiveAvgPool2d(out, x);
    }

    @Override
    public void resizeBicubic(Tensor out, Tensor x) {
        k.resizeBicubic(out, x);
    }

    @Override
    public void getRows(Tensor out, Tensor table, Tensor ids) {
        k.getRows(out, table, ids);
    }

    @Override
    public void setRows(Tensor out, Tensor src, Tensor ids) {
        k.setRows(out, src, ids);
    }

    @Override
    public void topK(Tensor values, Tensor indices, Tensor x, int kk) {
        k.topK(values, indices, x, kk);
    }

    @Override
    public void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        k.indexAdd(out, src, ids, weights);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        k.conv2d(out, x, w, stride, padding, groups);
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor kk, Tensor v, float scale, boolean causal, long qOffset) {
        k.attention(out, q, kk, v, scale, causal, qOffset);
    }

    @Override
    public void linear(Tensor out, Tensor x, Tensor w, Tensor bias) {
        k.linear(out, x, w, bias);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        k.swiglu(out, gate, up);
    }
}
