package dev.mm1j.core.backend.reference;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.quant.Quant;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar element access for the reference kernels: any dtype, any strides. Slow and obvious on purpose. */
final class Strided {
    private Strided() {}

    /** Element offset of {@code idx} in {@code t}, where {@code idx} may have more leading dims than t (broadcast: dims of size 1 or missing read index 0). */
    static long offset(Tensor t, long[] idx) {
        int r = t.rank(), extra = idx.length - r;
        long o = t.offset();
        for (int d = 0; d < r; d++) {
            long i = t.dim(d) == 1 ? 0 : idx[d + extra];
            o += i * t.stride(d);
        }
        return o;
    }

    static float get(Tensor t, long elementOffset) {
        return Quant.getFloat(t.segment(), t.dtype(), elementOffset);
    }

    static float get(Tensor t, long[] idx) {
        return get(t, offset(t, idx));
    }

    static void set(Tensor t, long[] idx, float v) {
        Quant.setFloat(t.segment(), t.dtype(), offset(t, idx), v);
    }

    static int getInt(Tensor t, long elementOffset) {
        return t.segment().get(ValueLayout.JAVA_INT_UNALIGNED, elementOffset * 4);
    }

    static void setInt(Tensor t, long elementOffset, int v) {
        t.segment().set(ValueLayout.JAVA_INT_UNALIGNED, elementOffset * 4, v);
    }

    /** Advances a row-major multi-index over {@code shape}; false when it wrapped around (done). */
    static boolean next(long[] idx, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return true;
            idx[d] = 0;
        }
        return false;
    }

    /** Row {@code r} (element offset {@code rowOffset}) of length n with element stride 1 or any stride, as floats. */
    static void readRow(Tensor t, long rowOffset, long stride, float[] dst, int n) {
        MemorySegment seg = t.segment();
        DType dt = t.dtype();
        if (dt.isQuantized()) {
            // quantized rows are contiguous and block-aligned (enforced by Tensor)
            Quant.decode(dt, seg, dt.byteSize(rowOffset), dst, 0, n);
            return;
        }
        for (int j = 0; j < n; j++) dst[j] = Quant.getFloat(seg, dt, rowOffset + j * stride);
    }
}
