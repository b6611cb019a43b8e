package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.code;
import static dev.mm1j.cuda.CudaBackend.ptr;
import static dev.mm1j.cuda.CudaBackend.ptrOrNull;
import static dev.mm1j.cuda.CudaBackend.rowThreads;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;

/**
 * The indexing family on the device (indexing.cu): gather (get_rows), row scatter (set_rows: KV-cache writes),
 * top-k, scatter-add (index_add: the MoE combine). Ids outside their table are recorded in the backend's error
 * word (never read or written), which {@link CudaBackend#synchronize} and {@link CudaBackend#copyOut} report.
 *
 * @see dev.mm1j.core.backend.Op.Family#INDEXING
 */
final class CudaIndexing {
    private final CudaBackend b;

    CudaIndexing(CudaBackend backend) {
        this.b = backend;
    }

    void getRows(Tensor out, Tensor table, Tensor ids) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.contiguousOut(s.out(out)), t = s.in(table), id = s.in(ids);
            DType dt = t.dtype();
            long rowStride = dt.isQuantized() ? t.stride(0) / dt.blockSize() * dt.blockBytes() : t.stride(0);
            long colStride = dt.isQuantized() ? 1 : t.stride(1);
            LaunchArgs a = LaunchArgs.begin(Kernels.GET_ROWS).ptr(ptr(o)).ptr(ptr(t)).i32(code(dt)).ptr(ptr(id)).i64(id.stride(0))
                .i32(t.dim(0)).i32(t.dim(1)).i64(rowStride).i64(colStride).ptr(b.errorWord());
            b.launch(a, o.dim(0), 1, 1, rowThreads(t.dim(1)), 0);
        }
    }

    void setRows(Tensor out, Tensor src, Tensor ids) {
        if (src.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out), sd = s.in(src), id = s.in(ids);
            LaunchArgs a = LaunchArgs.begin(Kernels.SET_ROWS).ptr(ptr(o)).i32(code(o.dtype())).i64(o.stride(0)).i64(o.stride(1))
                .ptr(ptr(sd)).i64(sd.stride(0)).i64(sd.stride(1)).ptr(ptr(id)).i64(id.stride(0)).i32(o.dim(0)).i32(o.dim(1)).ptr(b.errorWord());
            b.launch(a, sd.dim(0), 1, 1, rowThreads(o.dim(1)), 0);
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
