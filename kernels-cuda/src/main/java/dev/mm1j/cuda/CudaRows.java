package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.ptr;
import static dev.mm1j.cuda.CudaBackend.ptrOrNull;
import static dev.mm1j.cuda.CudaBackend.rowThreads;

import dev.mm1j.core.Tensor;

/**
 * The rows family on the device (rows.cu): softmax (optionally causal), layer norm, RMS norm, mean, one block per
 * row over the last dim; rope, one thread per rotated pair. Rows keep their strides when they are addressable as
 * (rows, row stride, column stride), else the op works on a contiguous copy.
 *
 * @see dev.mm1j.core.backend.Op.Family#ROWS
 */
final class CudaRows {
    private final CudaBackend b;

    CudaRows(CudaBackend backend) {
        this.b = backend;
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

    void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            long cols = x.dim(-1), r = x.rank() >= 2 ? x.dim(-2) : 1;
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_SOFTMAX).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .i32(cols).i32(causal ? 1 : 0).i64(r).i64(offset);
            b.launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            Tensor w = weight == null ? null : s.contiguous(s.in(weight)), bi = bias == null ? null : s.contiguous(s.in(bias));
            long cols = x.dim(-1);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_LAYERNORM).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .ptr(ptrOrNull(w)).ptr(ptrOrNull(bi)).i32(cols).f32(eps);
            b.launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            long[] xg = new long[3], og = new long[3];
            Tensor xd = asRows(s, s.in(x), xg), o = outRows(s, s.out(out), og);
            Tensor w = s.contiguous(s.in(weight));
            long cols = x.dim(-1);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_RMSNORM).ptr(ptr(o)).i64(og[1]).i64(og[2]).ptr(ptr(xd)).i64(xg[1]).i64(xg[2])
                .ptr(ptr(w)).i32(cols).f32(eps);
            b.launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    void mean(Tensor out, Tensor x) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            long[] xg = new long[3];
            Tensor xd = asRows(s, s.in(x), xg);
            Tensor o = s.contiguousOut(s.out(out)); // out [...] gets one value per row of x, in row order
            long cols = x.dim(-1);
            if (cols == 0) {
                b.fill(o, Float.NaN); // the mean of nothing, like the reference's 0/0
                return;
            }
            LaunchArgs a = LaunchArgs.begin(Kernels.ROW_MEAN).ptr(ptr(o)).i64(1).ptr(ptr(xd)).i64(xg[1]).i64(xg[2]).i32(cols);
            b.launch(a, xg[0], 1, 1, rowThreads(cols), 0);
        }
    }

    void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        if (x.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor xd = s.in(x), o = s.out(out);
            Tensor pos = s.contiguous(s.in(positions)), inv = s.contiguous(s.in(invFreq));
            long t = x.dim(0), h = x.dim(1), d = x.dim(2);
            LaunchArgs a = LaunchArgs.begin(Kernels.ROPE).ptr(ptr(o)).i64(o.stride(0)).i64(o.stride(1)).i64(o.stride(2))
                .ptr(ptr(xd)).i64(xd.stride(0)).i64(xd.stride(1)).i64(xd.stride(2)).ptr(ptr(pos)).ptr(ptr(inv)).i32(t).i32(h).i32(d);
            b.launch(a, b.elementBlocks(t * h * (d / 2)), 1, 1, 256, 0);
        }
    }
}
