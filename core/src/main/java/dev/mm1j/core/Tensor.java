package dev.mm1j.core;

import dev.mm1j.core.quant.Quant;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An n-dimensional array: a dtype, a shape, strides and an offset (both counted in elements) into a
 * {@link Storage}. Views ({@link #reshape}, {@link #slice}, {@link #select}, {@link #transpose},
 * {@link #permute}) share the storage and cost nothing.
 *
 * <p>Block-quantized tensors (Q8_0, Q4_0) keep their last dimension contiguous and block-aligned: rows can be
 * sliced and selected, but the last dimension can only be sliced on block boundaries and never transposed.
 *
 * <p>Closing a tensor frees its storage only if the tensor was the one that allocated it; closing a view
 * does nothing.
 */
public final class Tensor implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    private final Storage storage;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private final boolean ownsStorage;

    public Tensor(Storage storage, DType dtype, long[] shape, long[] strides, long offset, boolean ownsStorage) {
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.ownsStorage = ownsStorage;
    }

    /** A contiguous tensor over {@code storage} starting at byte 0, which it owns (frees on close) if {@code owns}. */
    public static Tensor contiguous(Storage storage, DType dtype, long[] shape, boolean owns) {
        long[] s = checkShape(dtype, shape);
        long need = dtype.byteSize(numel(s));
        if (need > storage.byteSize()) {
            throw new ShapeException("[tensor] " + dtype + Arrays.toString(s) + " needs " + need + " bytes, storage has " + storage.byteSize());
        }
        return new Tensor(storage, dtype, s, contiguousStrides(s), 0, owns);
    }

    /** Allocates a zeroed contiguous host tensor. */
    public static Tensor allocateHost(DType dtype, long... shape) {
        long[] s = checkShape(dtype, shape);
        return contiguous(HostStorage.allocate(dtype.byteSize(numel(s)), null), dtype, s, true);
    }

    /** Wraps host memory (e.g. a slice of a memory-mapped file) without copying; the memory is not freed on close. */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        long[] s = checkShape(dtype, shape);
        long need = dtype.byteSize(numel(s));
        if (segment.byteSize() != need) {
            throw new ShapeException("[wrap] " + dtype + Arrays.toString(s) + " needs " + need + " bytes, segment has " + segment.byteSize());
        }
        return contiguous(HostStorage.wrap(segment), dtype, s, false);
    }

    /** A new host F32 tensor holding {@code data} in row-major order. */
    public static Tensor of(float[] data, long... shape) {
        long[] s = shape.length == 0 && data.length != 1 ? new long[] {data.length} : shape;
        Tensor t = allocateHost(DType.F32, s);
        if (t.numel() != data.length) {
            t.close();
            throw new ShapeException("[tensor] " + data.length + " values do not fill shape " + Arrays.toString(s));
        }
        MemorySegment.copy(data, 0, t.storage.segment(), F32, 0, data.length);
        return t;
    }

    /** A new host I32 tensor holding {@code data} in row-major order. */
    public static Tensor ofInts(int[] data, long... shape) {
        long[] s = shape.length == 0 && data.length != 1 ? new long[] {data.length} : shape;
        Tensor t = allocateHost(DType.I32, s);
        if (t.numel() != data.length) {
            t.close();
            throw new ShapeException("[tensor] " + data.length + " values do not fill shape " + Arrays.toString(s));
        }
        MemorySegment.copy(data, 0, t.storage.segment(), I32, 0, data.length);
        return t;
    }

    // ---------------------------------------------------------------- properties

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return dtype;
    }

    public int rank() {
        return shape.length;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d}; negative {@code d} counts from the end. */
    public long dim(int d) {
        return shape[axis(d)];
    }

    /** A copy of the strides, in elements. */
    public long[] strides() {
        return strides.clone();
    }

    public long stride(int d) {
        return strides[axis(d)];
    }

    /** Offset of element [0,...,0] from the start of the storage, in elements. */
    public long offset() {
        return offset;
    }

    /** Offset of element [0,...,0] in bytes (for quantized tensors the offset is block-aligned). */
    public long byteOffset() {
        return dtype.byteSize(offset);
    }

    public long numel() {
        return numel(shape);
    }

    /** Bytes of the elements when contiguous (numel in dtype units). */
    public long byteSize() {
        return dtype.byteSize(numel());
    }

    public boolean isHost() {
        return storage.isHost();
    }

    /** Row-major contiguous (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long expect = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expect) return false;
            expect *= shape[d];
        }
        return true;
    }

    /** The whole host segment of the storage (not only this view); see {@link #byteOffset()}. */
    public MemorySegment segment() {
        return storage.segment();
    }

    /** The host bytes of this contiguous tensor, from its first element to its last. */
    public MemorySegment data() {
        if (!isContiguous()) throw new ShapeException("[data] " + this + " is not contiguous");
        return storage.segment().asSlice(byteOffset(), byteSize());
    }

    /** Element offset (from the storage start) of the element at {@code index}. */
    public long offsetOf(long... index) {
        if (index.length != shape.length) throw new ShapeException("[index] " + Arrays.toString(index) + " for " + this);
        long o = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) throw new ShapeException("[index] " + Arrays.toString(index) + " out of range for " + this);
            o += index[d] * strides[d];
        }
        return o;
    }

    // ---------------------------------------------------------------- views

    /** Same elements, another shape (one dimension may be -1). The tensor must be contiguous. */
    public Tensor reshape(long... newShape) {
        long[] s = newShape.clone();
        long known = 1;
        int infer = -1;
        for (int d = 0; d < s.length; d++) {
            if (s[d] == -1 && infer < 0) infer = d;
            else if (s[d] < 0) throw new ShapeException("[reshape] " + this + " to " + Arrays.toString(newShape) + ": bad dimension");
            else known *= s[d];
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) throw new ShapeException("[reshape] " + this + " to " + Arrays.toString(newShape) + ": cannot infer");
            s[infer] = numel() / known;
        }
        if (numel(s) != numel()) throw new ShapeException("[reshape] " + this + " to " + Arrays.toString(newShape) + ": element counts differ");
        if (!isContiguous()) throw new ShapeException("[reshape] " + this + " is not contiguous; copy it first");
        checkShape(dtype, s);
        return new Tensor(storage, dtype, s, contiguousStrides(s), offset, false);
    }

    /** Elements {@code start} (inclusive) to {@code end} (exclusive) along {@code dim}. */
    public Tensor slice(int dim, long start, long end) {
        int d = axis(dim);
        if (start < 0 || end > shape[d] || start > end) {
            throw new ShapeException("[slice] " + this + " dim " + dim + " [" + start + ", " + end + ") out of range");
        }
        if (dtype.isQuantized() && d == shape.length - 1 && (start % dtype.blockSize() != 0 || end % dtype.blockSize() != 0)) {
            throw new ShapeException("[slice] " + this + ": the last dim of a " + dtype + " tensor is sliced on block boundaries only");
        }
        long[] s = shape.clone();
        s[d] = end - start;
        return new Tensor(storage, dtype, s, strides.clone(), offset + start * strides[d], false);
    }

    /** The sub-tensor at {@code index} along {@code dim}, which is removed. */
    public Tensor select(int dim, long index) {
        int d = axis(dim);
        if (index < 0 || index >= shape[d]) throw new ShapeException("[select] " + this + " dim " + dim + " index " + index + " out of range");
        if (dtype.isQuantized() && d == shape.length - 1) throw new ShapeException("[select] cannot select inside the blocks of " + this);
        long[] s = new long[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == d) continue;
            s[j] = shape[i];
            st[j++] = strides[i];
        }
        return new Tensor(storage, dtype, s, st, offset + index * strides[d], false);
    }

    /** Swaps two dimensions (a strided view). */
    public Tensor transpose(int d0, int d1) {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[axis(d0)] = axis(d1);
        perm[axis(d1)] = axis(d0);
        return permute(perm);
    }

    /** Reorders dimensions: new dim i is old dim {@code perm[i]}. */
    public Tensor permute(int... perm) {
        if (perm.length != shape.length) throw new ShapeException("[permute] " + Arrays.toString(perm) + " for " + this);
        boolean[] seen = new boolean[perm.length];
        long[] s = new long[perm.length];
        long[] st = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = perm[i];
            if (p < 0 || p >= perm.length || seen[p]) throw new ShapeException("[permute] " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
            s[i] = shape[p];
            st[i] = strides[p];
        }
        if (dtype.isQuantized() && perm[perm.length - 1] != perm.length - 1) {
            throw new ShapeException("[permute] the last dim of " + this + " must stay last");
        }
        return new Tensor(storage, dtype, s, st, offset, false);
    }

    /** Inserts a dimension of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        if (d < 0 || d > shape.length) throw new ShapeException("[unsqueeze] dim " + dim + " for " + this);
        if (dtype.isQuantized() && d == shape.length) throw new ShapeException("[unsqueeze] the last dim of " + this + " must stay last (its blocks)");
        long[] s = new long[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == d) {
                s[i] = 1;
                st[i] = d < shape.length ? strides[d] * shape[d] : 1;
            } else {
                s[i] = shape[j];
                st[i] = strides[j++];
            }
        }
        return new Tensor(storage, dtype, s, st, offset, false);
    }

    // ---------------------------------------------------------------- host access

    /** All elements in row-major order as floats (dequantized / widened). Host tensors only. */
    public float[] toFloatArray() {
        requireHost("toFloatArray");
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new ShapeException("[toFloatArray] " + this + " is too large for a Java array");
        float[] out = new float[(int) n];
        if (dtype == DType.F32 && isContiguous()) {
            MemorySegment.copy(segment(), F32, byteOffset(), out, 0, out.length);
            return out;
        }
        long[] idx = new long[shape.length];
        int last = shape.length - 1;
        for (int i = 0; i < out.length; ) {
            long base = offset;
            for (int d = 0; d < last; d++) base += idx[d] * strides[d];
            long rowLen = last >= 0 ? shape[last] : 1;
            long st = last >= 0 ? strides[last] : 0;
            for (long j = 0; j < rowLen; j++) out[i++] = Quant.getFloat(segment(), dtype, base + j * st);
            for (int d = last - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
            if (last < 0) break;
        }
        return out;
    }

    /** All elements in row-major order as ints. Host I32 tensors only. */
    public int[] toIntArray() {
        requireHost("toIntArray");
        if (dtype != DType.I32) throw new ShapeException("[toIntArray] " + this + " is not I32");
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new ShapeException("[toIntArray] " + this + " is too large for a Java array");
        int[] out = new int[(int) n];
        long[] idx = new long[shape.length];
        for (int i = 0; i < out.length; i++) {
            long o = offset;
            for (int d = 0; d < shape.length; d++) o += idx[d] * strides[d];
            out[i] = segment().get(I32, o * 4);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    private void requireHost(String what) {
        if (!storage.isHost()) throw new Mm1jException("[" + what + "] " + this + " lives on a device; copy it to the host with its backend first");
    }

    @Override
    public void close() {
        if (ownsStorage) storage.close();
    }

    /** e.g. {@code F32[4, 64]}. */
    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }

    // ---------------------------------------------------------------- helpers

    private int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) throw new ShapeException("[tensor] dim " + d + " out of range for " + this);
        return a;
    }

    /** Product of the dims; throws on overflow. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    public static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= shape[d];
        }
        return st;
    }

    private static long[] checkShape(DType dtype, long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new ShapeException("[tensor] negative dimension in " + Arrays.toString(shape));
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                throw new ShapeException("[tensor] element count of " + Arrays.toString(shape) + " overflows");
            }
        }
        if (dtype.isQuantized() && (shape.length == 0 || shape[shape.length - 1] % dtype.blockSize() != 0)) {
            throw new ShapeException("[tensor] the last dim of a " + dtype + " tensor must be a multiple of " + dtype.blockSize() + ", got " + Arrays.toString(shape));
        }
        return shape.clone();
    }
}
