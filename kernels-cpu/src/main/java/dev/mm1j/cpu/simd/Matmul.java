package dev.mm1j.cpu.simd;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;

/**
 * matmul front: flattens batch dims, routes each [M, K] · [N, K]ᵀ product to {@link Gemv} (M ≤ 4) or
 * {@link Gemm}, and copies operands whose last dim is strided into contiguous temporaries (views with
 * strided rows are used in place).
 */
final class Matmul {
    private final Elementwise ew;
    private final Gemm gemm;
    private final Gemv gemv;

    Matmul(Elementwise ew, Gemm gemm, Gemv gemv) {
        this.ew = ew;
        this.gemm = gemm;
        this.gemv = gemv;
    }

    void matmul(Tensor out, Tensor x, Tensor w) {
        if (out.numel() == 0) return;
        if (x.dim(-1) == 0) {
            ew.fill(out, 0f);
            return;
        }
        Tensor xc = x.stride(-1) == 1 ? null : copyOf(x);
        Tensor wc = w.stride(-1) == 1 ? null : copyOf(w);
        try {
            Tensor xx = xc != null ? xc : x, ww = wc != null ? wc : w;
            int r = xx.rank();
            long m = xx.dim(-2), k = xx.dim(-1), n = ww.dim(-2);
            long batches = 1;
            for (int d = 0; d < r - 2; d++) batches *= xx.dim(d);
            if (ww.rank() == 2 && (batches == 1 || rowsMerge(xx))) {
                // one product over all rows: [B·M, K] · [N, K]ᵀ
                product(out, out.offset(), xx, xx.offset(), xx.stride(r - 2), ww, ww.offset(), batches * m, n, k);
                return;
            }
            for (long b = 0; b < batches; b++) {
                long xo = Rows.offset(xx, b * m);
                long wo = ww.rank() == 3 ? ww.offset() + b * ww.stride(0) : ww.offset();
                product(out, out.offset() + b * m * n, xx, xo, xx.stride(r - 2), ww, wo, m, n, k);
            }
        } finally {
            if (xc != null) xc.close();
            if (wc != null) wc.close();
        }
    }

    /** Whether the rows of x over all batch dims are evenly spaced (so [..., M, K] is one [B·M, K] matrix). */
    private static boolean rowsMerge(Tensor x) {
        for (int d = x.rank() - 3; d >= 0; d--) {
            if (x.dim(d) != 1 && x.stride(d) != x.dim(d + 1) * x.stride(d + 1)) return false;
        }
        return true;
    }

    private void product(Tensor out, long oo, Tensor x, long xo, long xs, Tensor w, long wo, long m, long n, long k) {
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) throw new IllegalArgumentException("[matmul] dims too large");
        long ws = w.stride(-2);
        DType wt = w.dtype();
        if (m <= Gemv.MAX_M) {
            gemv.run(out.segment(), oo, x.segment(), xo, xs, wt, w.segment(), wo, ws, (int) m, (int) n, (int) k);
        } else {
            gemm.run(out.segment(), oo, x.segment(), xo, xs, wt, w.segment(), wo, ws, (int) m, (int) n, (int) k);
        }
    }

    private Tensor copyOf(Tensor t) {
        Tensor c = Tensor.allocateHost(t.dtype(), t.shape());
        ew.copy(c, t);
        return c;
    }
}
