package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;

/** The products family, reference: matmul (activations times transposed weights of any dtype). */
final class RefProducts {
    private RefProducts() {}

    /**
     * out[..., m, n] = Σ_k x[..., m, k] · w[(b,) n, k]; x F32 [..., M, K], w any dtype [N, K] or [B, N, K].
     * Sums in double, rounded once.
     */
    static void matmul(Tensor out, Tensor x, Tensor w) {
        int r = x.rank();
        long m = x.dim(-2), k = x.dim(-1), n = w.dim(-2);
        long batches = 1;
        for (int d = 0; d < r - 2; d++) batches *= x.dim(d);
        Tensor x3 = flatten(x), o3 = out.reshape(batches, m, n);
        float[] wr = new float[(int) k];
        float[] xr = new float[(int) k];
        for (long b = 0; b < batches; b++) {
            Tensor wb = w.rank() == 3 ? w.select(0, b) : w;
            Tensor xb = x3.select(0, b), ob = o3.select(0, b);
            for (long j = 0; j < n; j++) {
                Strided.readRow(wb, wb.offset() + j * wb.stride(0), wb.stride(1), wr, (int) k);
                for (long i = 0; i < m; i++) {
                    Strided.readRow(xb, xb.offset() + i * xb.stride(0), xb.stride(1), xr, (int) k);
                    double acc = 0;
                    for (int t = 0; t < k; t++) acc += (double) xr[t] * wr[t];
                    Strided.set(ob, new long[] {i, j}, (float) acc);
                }
            }
        }
    }

    /** x [..., M, K] as [B, M, K] without copying when the leading dims merge (else a contiguous copy). */
    private static Tensor flatten(Tensor x) {
        if (x.rank() == 3) return x;
        if (x.rank() == 2) return x.unsqueeze(0);
        long b = 1;
        for (int d = 0; d < x.rank() - 2; d++) b *= x.dim(d);
        if (x.isContiguous()) return x.reshape(b, x.dim(-2), x.dim(-1));
        Tensor c = Tensor.allocateHost(x.dtype(), x.shape());
        RefElementwise.copy(c, x);
        return c.reshape(b, x.dim(-2), x.dim(-1));
    }
}
