package dev.mm1j.cpu.simd;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.PackedWeight;

/**
 * matmul front: flattens batch dims, routes each [M, K] · [N, K]ᵀ product to {@link Gemv} (M ≤ 8) or
 * {@link Gemm} (to {@link PanelGemv} or the GEMM's panel decoder for weights packed by {@link Panels}),
 * and copies operands whose last dim is strided into contiguous temporaries (views with strided rows are
 * used in place).
 */
final class Matmul {
    private final Elementwise ew;
    private final Gemm gemm;
    private final Gemv gemv;
    private final PanelGemv panelGemv;
    /** Panel GEMVs with F32 activations (no activation quantization). */
    private final boolean exact;

    Matmul(Elementwise ew, Gemm gemm, Gemv gemv, PanelGemv panelGemv, boolean exact) {
        this.ew = ew;
        this.gemm = gemm;
        this.gemv = gemv;
        this.panelGemv = panelGemv;
        this.exact = exact;
    }

    void matmul(Tensor out, Tensor x, Tensor w) {
        if (out.numel() == 0) return;
        if (w.storage() instanceof PackedWeight pw) {
            packed(out, x, w, pw);
            return;
        }
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

    /** x · wᵀ for a weight packed into panels (the whole prepared tensor, never a view of it). */
    private void packed(Tensor out, Tensor x, Tensor w, PackedWeight pw) {
        if (w.rank() != 2 || w.offset() != 0 || w.dim(0) != pw.rows() || w.dim(1) != pw.cols() || w.stride(0) != pw.cols() || w.stride(1) != 1) {
            throw new IllegalArgumentException("[matmul] w=" + w + " is a view of a packed weight (" + pw + "); only the prepared tensor itself can be used");
        }
        if (pw.bits() != Vec.BITS) throw new IllegalArgumentException("[matmul] " + pw + " was prepared by another CPU backend (" + Vec.BITS + "-bit kernels here)");
        if (x.dim(-1) == 0) {
            ew.fill(out, 0f);
            return;
        }
        Tensor xc = x.stride(-1) == 1 ? null : copyOf(x);
        try {
            Tensor xx = xc != null ? xc : x;
            int r = xx.rank();
            long m = xx.dim(-2), n = pw.rows();
            long batches = 1;
            for (int d = 0; d < r - 2; d++) batches *= xx.dim(d);
            if (batches == 1 || rowsMerge(xx)) {
                packedProduct(out, out.offset(), xx, xx.offset(), xx.stride(r - 2), pw, batches * m);
                return;
            }
            for (long b = 0; b < batches; b++) packedProduct(out, out.offset() + b * m * n, xx, Rows.offset(xx, b * m), xx.stride(r - 2), pw, m);
        } finally {
            if (xc != null) xc.close();
        }
    }

    private void packedProduct(Tensor out, long oo, Tensor x, long xo, long xs, PackedWeight pw, long m) {
        if (m > Integer.MAX_VALUE) throw new IllegalArgumentException("[matmul] dims too large");
        if (m <= Gemv.MAX_M) panelGemv.run(out.segment(), oo, x.segment(), xo, xs, pw, (int) m, exact);
        else gemm.runPacked(out.segment(), oo, x.segment(), xo, xs, pw, (int) m);
    }

    private Tensor copyOf(Tensor t) {
        Tensor c = Tensor.allocateHost(t.dtype(), t.shape());
        ew.copy(c, t);
        return c;
    }
}
