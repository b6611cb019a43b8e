package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.ptr;
import static dev.mm1j.cuda.CudaBackend.ptrOrNull;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;

/** Grids and indexing on the device: direct convolution, adaptive pooling, bicubic resize, gather, row scatter, top-k, scatter-add. */
final class CudaGrids {
    private final CudaBackend b;

    CudaGrids(CudaBackend backend) {
        this.b = backend;
    }

    /** Direct convolution for what the composed default does not cover (depthwise, padded, strided). */
    void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.contiguousOut(s.out(out)), xd = s.in(x), wd = s.contiguous(s.in(w));
            if (xd.rank() == 3) {
                xd = xd.unsqueeze(0);
                o = o.unsqueeze(0);
            }
            LaunchArgs a = LaunchArgs.begin(Kernels.CONV2D_DIRECT).ptr(ptr(o)).ptr(ptr(xd)).ptr(ptr(wd)).i32(CudaBackend.code(wd.dtype()))
                .i32(xd.dim(0)).i32(xd.dim(1)).i32(xd.dim(2)).i32(xd.dim(3)).i32(o.dim(1)).i32(o.dim(2)).i32(o.dim(3))
                .i32(wd.dim(2)).i32(wd.dim(3)).i32(stride).i32(padding).i32(groups)
                .i64(xd.stride(0)).i64(xd.stride(1)).i64(xd.stride(2)).i64(xd.stride(3));
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    void pool(Tensor out, Tensor x) {
        grid(Kernels.ADAPTIVE_AVG_POOL2D, out, x);
    }

    void resize(Tensor out, Tensor x) {
        grid(Kernels.RESIZE_BICUBIC, out, x);
    }

    private void grid(Kernel k, Tensor out, Tensor x) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.contiguousOut(s.out(out)), xd = s.in(x);
            LaunchArgs a = LaunchArgs.begin(k).ptr(ptr(o)).ptr(ptr(xd)).i32(xd.dim(0)).i32(xd.dim(1)).i32(xd.dim(2)).i32(o.dim(0)).i32(o.dim(1))
                .i64(xd.stride(0)).i64(xd.stride(1)).i64(xd.stride(2));
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
    }

    void getRows(Tensor out, Tensor table, Tensor ids) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.contiguousOut(s.out(out)), t = s.in(table), id = s.in(ids);
            DType dt = t.dtype();
            long rowStride = dt.isQuantized() ? t.stride(0) / dt.blockSize() * dt.blockBytes() : t.stride(0);
            long colStride = dt.isQuantized() ? 1 : t.stride(1);
            LaunchArgs a = LaunchArgs.begin(Kernels.GET_ROWS).ptr(ptr(o)).ptr(ptr(t)).i32(CudaBackend.code(dt)).ptr(ptr(id)).i64(id.stride(0))
                .i32(t.dim(0)).i32(t.dim(1)).i64(rowStride).i64(colStride).ptr(b.errorWord());
            b.launch(a, o.dim(0), 1, 1, CudaBackend.rowThreads(t.dim(1)), 0);
        }
    }

    void setRows(Tensor out, Tensor src, Tensor ids) {
        if (src.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), sd = s.in(src), id = s.in(ids);
            LaunchArgs a = LaunchArgs.begin(Kernels.SET_ROWS).ptr(ptr(o)).i32(CudaBackend.code(o.dtype())).i64(o.stride(0)).i64(o.stride(1))
                .ptr(ptr(sd)).i64(sd.stride(0)).i64(sd.stride(1)).ptr(ptr(id)).i64(id.stride(0)).i32(o.dim(0)).i32(o.dim(1)).ptr(b.errorWord());
            b.launch(a, sd.dim(0), 1, 1, CudaBackend.rowThreads(o.dim(1)), 0);
        }
    }

    void topK(Tensor values, Tensor indices, Tensor x, int k) {
        if (values.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor v = s.contiguousOut(s.out(values)), ix = s.contiguousOut(s.out(indices)), xd = s.in(x);
            LaunchArgs a = LaunchArgs.begin(Kernels.TOP_K).ptr(ptr(v)).ptr(ptr(ix)).ptr(ptr(xd)).i64(xd.stride(0)).i64(xd.stride(1))
                .i32(xd.dim(1)).i32(k);
            b.launch(a, xd.dim(0), 1, 1, 256, 0);
        }
    }

    void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        if (src.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), sd = s.in(src), id = s.in(ids), w = s.in(weights);
            LaunchArgs a = LaunchArgs.begin(Kernels.INDEX_ADD).ptr(ptr(o)).i64(o.stride(0)).i64(o.stride(1)).ptr(ptr(sd)).i64(sd.stride(0)).i64(sd.stride(1))
                .ptr(ptr(id)).i64(id.stride(0)).ptr(ptrOrNull(w)).i64(w == null ? 0 : w.stride(0)).i32(sd.dim(0)).i32(o.dim(0)).i32(o.dim(1))
                .ptr(b.errorWord());
            b.launch(a, (o.dim(1) + 255) / 256, 1, 1, 256, 0);
        }
    }
}
