package dev.mm1j.tests.kit;

import dev.mm1j.core.DType;
import dev.mm1j.core.HostStorage;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.quant.Quant;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Where a case runs: makes its inputs and outputs in one backend's memory and collects the outputs.
 *
 * <p>Every tensor lives inside a larger allocation made through the backend. The bytes around it (and,
 * for strided outputs, the gaps between its elements) hold a guard pattern that reads as NaN in F32,
 * F16 and BF16 (and as an F16 NaN scale in Q8_0/Q4_0 blocks), so a kernel that reads outside an input
 * produces NaN, and one that writes outside an output is caught when the guards are checked after the
 * op. Outputs start out filled with the same pattern, so an element the kernel never writes reads as
 * NaN. Inputs alternate between 64-byte aligned and misaligned by one element.
 *
 * <p>All data comes from {@link #data()}, seeded by the case, so the reference and the backend under
 * test see the same bytes.
 */
public final class Bench implements AutoCloseable {
    /** The guard pattern, as little-endian bytes: 0xFFA5 is a NaN in F16 and BF16, 0xFFA5FFA5 in F32. */
    static final byte G0 = (byte) 0xA5, G1 = (byte) 0xFF;
    private static final int PAD_BYTES = 64;

    private final Backend backend;
    private final Ops ops;
    private final Data data;
    private final List<Tensor> buffers = new ArrayList<>();
    private final List<Guarded> outputs = new ArrayList<>();

    /** One output region: the whole buffer and the view the op writes. */
    private record Guarded(Tensor buffer, Tensor view, String label) {}

    /** An output copied back to the host: float values (I32 outputs also as exact ints), or a guard failure. */
    public record Output(String label, DType dtype, long[] shape, float[] values, int[] ints, String guardError) {}

    Bench(Backend backend, long seed) {
        this.backend = backend;
        this.ops = new Ops(backend);
        this.data = new Data(seed);
    }

    public Backend backend() {
        return backend;
    }

    /** The validating front door over {@link #backend()} (no fallback): cases call ops through it. */
    public Ops ops() {
        return ops;
    }

    /** The seeded random source of this case. */
    public Data data() {
        return data;
    }

    // ------------------------------------------------------------------ inputs

    /** A contiguous input of {@code dtype} holding {@code values} (rounded or quantized to the dtype). */
    public Tensor in(DType dtype, float[] values, long... shape) {
        checkCount(values.length, shape);
        return input(dtype, shape, (host, at) -> {
            if (dtype == DType.I32) {
                for (int i = 0; i < values.length; i++) host.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4L * i, (int) values[i]);
            } else {
                Quant.encode(dtype, values, 0, values.length, host, at);
            }
        });
    }

    /** A contiguous input of standard normal values. */
    public Tensor in(DType dtype, long... shape) {
        return in(dtype, data.normal((int) Tensor.numel(shape)), shape);
    }

    /**
     * A matmul weight [n, k] of standard normal values (rounded or quantized to {@code dtype}) passed through
     * {@link Backend#prepareWeight}, as models load theirs: a backend may repack it into its own layout.
     */
    public Tensor weight(DType dtype, long n, long k) {
        return backend.prepareWeight(in(dtype, n, k));
    }

    /** A contiguous I32 input. */
    public Tensor ints(int[] values, long... shape) {
        checkCount(values.length, shape);
        return input(DType.I32, shape, (host, at) -> MemorySegment.copy(values, 0, host, ValueLayout.JAVA_INT_UNALIGNED, at, values.length));
    }

    private interface BodyWriter {
        void write(MemorySegment host, long byteOffset);
    }

    private Tensor input(DType dtype, long[] shape, BodyWriter body) {
        Region r = region(dtype, Tensor.numel(shape));
        try (HostStorage host = guardedHost(r.buffer)) {
            body.write(host.segment(), dtype.byteSize(r.pre));
            backend.copyIn(r.buffer, host.segment());
        }
        return view(r, shape);
    }

    private static void checkCount(int n, long[] shape) {
        if (n != Tensor.numel(shape)) throw new IllegalArgumentException(n + " values for shape " + Arrays.toString(shape));
    }

    // ------------------------------------------------------------------ outputs

    /** A contiguous output whose elements all start out as NaN (the guard pattern). */
    public Tensor out(DType dtype, long... shape) {
        return outView(dtype, shape, t -> t);
    }

    /** A contiguous output that starts out holding {@code init} (for ops that read their output, or alias an input). */
    public Tensor inout(DType dtype, float[] init, long... shape) {
        Tensor t = in(dtype, init, shape);
        outputs.add(new Guarded(buffers.getLast(), t, "out" + outputs.size()));
        return t;
    }

    /**
     * An output that is a view ({@code view}, e.g. a transpose or a slice) of a guarded region of
     * {@code allocShape}; the region's elements outside the view must be untouched by the op.
     */
    public Tensor outView(DType dtype, long[] allocShape, UnaryOperator<Tensor> view) {
        return inoutView(dtype, null, allocShape, view);
    }

    /** Like {@link #outView}, with the view's elements starting out as {@code init} (row-major over the view; null: NaN). */
    public Tensor inoutView(DType dtype, float[] init, long[] allocShape, UnaryOperator<Tensor> view) {
        Region r = region(dtype, Tensor.numel(allocShape));
        Tensor v = view.apply(view(r, allocShape));
        if (init != null) checkCount(init.length, v.shape());
        try (HostStorage host = guardedHost(r.buffer)) {
            if (init != null && v.numel() > 0) {
                long[] shape = v.shape(), idx = new long[shape.length];
                int i = 0;
                do {
                    Quant.setFloat(host.segment(), dtype, v.offsetOf(idx) - r.buffer.offset(), init[i++]);
                } while (next(idx, shape));
            }
            backend.copyIn(r.buffer, host.segment());
        }
        outputs.add(new Guarded(r.buffer, v, "out" + outputs.size()));
        return v;
    }

    /** Waits for the backend, copies every output back and checks its guards. */
    List<Output> collect() {
        backend.synchronize();
        List<Output> list = new ArrayList<>();
        for (Guarded g : outputs) list.add(read(g));
        return list;
    }

    private Output read(Guarded g) {
        Tensor buf = g.buffer;
        DType dt = buf.dtype();
        try (HostStorage host = HostStorage.allocate(buf.byteSize(), null)) {
            backend.copyOut(buf, host.segment());
            Tensor hv = new Tensor(host, dt, g.view.shape(), g.view.strides(), g.view.offset() - buf.offset(), false);
            String guard = checkGuards(host.segment(), dt, buf.numel(), hv);
            float[] values = hv.toFloatArray();
            int[] ints = dt == DType.I32 ? hv.toIntArray() : null;
            return new Output(g.label, dt, hv.shape(), values, ints, guard);
        }
    }

    /** Null when every element of the region outside {@code view} still holds the guard pattern. */
    private static String checkGuards(MemorySegment seg, DType dt, long total, Tensor view) {
        boolean[] covered = new boolean[(int) total];
        long[] shape = view.shape();
        long[] idx = new long[shape.length];
        if (view.numel() > 0) {
            do {
                covered[(int) view.offsetOf(idx)] = true;
            } while (next(idx, shape));
        }
        int w = dt.blockBytes();
        long start = view.offset();
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int e = 0; e < total; e++) {
            if (covered[e]) continue;
            boolean intact = true;
            for (int b = 0; b < w; b++) intact &= seg.get(ValueLayout.JAVA_BYTE, (long) e * w + b) == ((b & 1) == 0 ? G0 : G1);
            if (!intact) {
                count++;
                if (bad.size() < 4) {
                    String where = e < start ? (e - start) + " (before the first element)" : "element offset " + (e - start);
                    bad.add(where + " = " + Quant.getFloat(seg, dt, e));
                }
            }
        }
        if (count == 0) return null;
        return "guard memory overwritten at " + count + " element(s) outside the output: " + String.join(", ", bad);
    }

    // ------------------------------------------------------------------ memory

    /** A 1-D buffer with the tensor's elements starting at element {@code pre}. */
    private record Region(Tensor buffer, long pre) {}

    /**
     * A buffer for {@code n} elements with guard padding on both sides: 64 bytes before (plus one element on
     * every other allocation, to misalign it) and after; one block each side for quantized types.
     */
    private Region region(DType dtype, long n) {
        long pre, post;
        if (dtype.isQuantized()) {
            pre = post = dtype.blockSize();
        } else {
            pre = PAD_BYTES / dtype.blockBytes() + (buffers.size() & 1);
            post = PAD_BYTES / dtype.blockBytes();
        }
        Tensor buf = backend.allocate(dtype, pre + n + post);
        buffers.add(buf);
        return new Region(buf, pre);
    }

    /** A host image of {@code buf} filled with the guard pattern. */
    private static HostStorage guardedHost(Tensor buf) {
        HostStorage host = HostStorage.allocate(buf.byteSize(), null);
        MemorySegment seg = host.segment();
        for (long i = 0; i < seg.byteSize(); i++) seg.set(ValueLayout.JAVA_BYTE, i, (i & 1) == 0 ? G0 : G1);
        return host;
    }

    private static Tensor view(Region r, long[] shape) {
        return new Tensor(r.buffer.storage(), r.buffer.dtype(), shape.clone(), Tensor.contiguousStrides(shape), r.buffer.offset() + r.pre, false);
    }

    static boolean next(long[] idx, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return true;
            idx[d] = 0;
        }
        return false;
    }

    @Override
    public void close() {
        for (Tensor t : buffers) t.close();
        buffers.clear();
        outputs.clear();
    }
}
