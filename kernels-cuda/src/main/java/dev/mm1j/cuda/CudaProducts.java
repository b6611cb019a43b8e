package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.ptr;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;

/**
 * The products family on the device (products.cu): matmul. Up to 8 rows of x per batch entry go to the
 * bandwidth-bound GEMV kernels (decode, small MoE groups); more go to the tiled GEMMs (tensor cores for
 * BF16/F16/Q8_0/Q4_0 weights, FP32 SIMT for F32 weights). See products.cu for the numerics. The fused linear
 * is the SPI's default (matmul, then a broadcast add).
 *
 * @see dev.mm1j.core.backend.Op.Family#PRODUCTS
 */
final class CudaProducts {
    /** Rows of x up to which the GEMV kernels are used. */
    static final int GEMV_MAX_M = 8;
    private static final int GEMV_WARPS = 8;
    private static final int MAX_BATCH = 65535;
    /** gemm_mma_* flags (products.cu). */
    static final int GEMM_SPLIT = 1, GEMM_VEC_X = 2, GEMM_VEC_W = 4;

    private final CudaBackend b;
    private final boolean split;

    CudaProducts(CudaBackend backend, boolean splitActivations) {
        this.b = backend;
        this.split = splitActivations;
    }

    void matmul(Tensor out, Tensor x, Tensor w) {
        if (out.numel() == 0) return;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.out(out);
            Tensor wd = s.unitLastStride(s.in(w)), xd = s.unitLastStride(s.in(x));
            long k = xd.dim(-1), n = wd.dim(-2);
            if (k == 0) {
                b.fill(o, 0f);
                return;
            }
            long batches, m, xbs, xrs, wbs, wrs;
            if (wd.rank() == 2) {
                long[] g = StridedLayout.rows(xd); // every row of x against the same w: one [R, K] product
                if (g == null) {
                    xd = s.contiguous(xd);
                    g = StridedLayout.rows(xd);
                }
                batches = 1;
                m = g[0];
                xrs = g[1];
                xbs = 0;
                wrs = wd.stride(0);
                wbs = 0;
            } else {
                batches = xd.dim(0);
                m = xd.dim(1);
                xbs = xd.stride(0);
                xrs = xd.stride(1);
                wbs = wd.stride(0);
                wrs = wd.stride(1);
            }
            DType wt = wd.dtype();
            if (wt.isQuantized()) { // strides in bytes
                wrs = wrs / wt.blockSize() * wt.blockBytes();
                wbs = wbs / wt.blockSize() * wt.blockBytes();
            }
            long xp = ptr(xd), wp = ptr(wd), op = ptr(o);
            for (long b0 = 0; b0 < batches; b0 += MAX_BATCH) {
                long nb = Math.min(MAX_BATCH, batches - b0);
                long xOff = b0 * xbs * 4, wOff = b0 * wbs * (wt.isQuantized() ? 1 : wt.blockBytes()), oOff = b0 * m * n * 4;
                if (m <= GEMV_MAX_M) gemv(op + oOff, xp + xOff, wp + wOff, wt, m, n, k, xrs, wrs, xbs, wbs, nb);
                else gemm(op + oOff, xp + xOff, wp + wOff, wt, m, n, k, xrs, wrs, xbs, wbs, nb);
            }
        }
    }

    private void gemv(long out, long x, long w, DType wt, long m, long n, long k, long xrs, long wrs, long xbs, long wbs, long batches) {
        Kernel kern = switch (wt) {
            case F32 -> Kernels.GEMV_F32;
            case F16 -> Kernels.GEMV_F16;
            case BF16 -> Kernels.GEMV_BF16;
            case Q8_0 -> Kernels.GEMV_Q8_0;
            default -> Kernels.GEMV_Q4_0;
        };
        int vec = 0;
        if (!wt.isQuantized()) {
            int per16 = 16 / wt.blockBytes(); // elements per 16-byte load
            boolean wAligned = w % 16 == 0 && wrs % per16 == 0 && (batches == 1 || wbs % per16 == 0);
            boolean xAligned = x % 16 == 0 && xrs % 4 == 0 && (batches == 1 || xbs % 4 == 0);
            vec = k % per16 == 0 && wAligned && xAligned ? 1 : 0;
        }
        LaunchArgs a = LaunchArgs.begin(kern).ptr(out).ptr(x).ptr(w).i32(m).i32(n).i32(k).i64(xrs).i64(wrs).i64(xbs).i64(wbs).i64(m * n).i32(vec);
        b.launch(a, (n + GEMV_WARPS - 1) / GEMV_WARPS, batches, 1, 32 * GEMV_WARPS, 0);
    }

    private void gemm(long out, long x, long w, DType wt, long m, long n, long k, long xrs, long wrs, long xbs, long wbs, long batches) {
        if (wt == DType.F32) {
            LaunchArgs a = LaunchArgs.begin(Kernels.GEMM_F32).ptr(out).ptr(x).ptr(w).i32(m).i32(n).i32(k).i64(xrs).i64(wrs).i64(xbs).i64(wbs).i64(m * n);
            b.launch(a, (n + 63) / 64, (m + 63) / 64, batches, 256, 0);
            return;
        }
        Kernel kern = switch (wt) {
            case F16 -> Kernels.GEMM_MMA_F16;
            case BF16 -> Kernels.GEMM_MMA_BF16;
            case Q8_0 -> Kernels.GEMM_MMA_Q8_0;
            default -> Kernels.GEMM_MMA_Q4_0;
        };
        int flags = split ? GEMM_SPLIT : 0;
        if (x % 16 == 0 && xrs % 4 == 0 && k % 4 == 0 && (batches == 1 || xbs % 4 == 0)) flags |= GEMM_VEC_X;
        if (!wt.isQuantized() && w % 16 == 0 && wrs % 8 == 0 && k % 8 == 0 && (batches == 1 || wbs % 8 == 0)) flags |= GEMM_VEC_W;
        LaunchArgs a = LaunchArgs.begin(kern).ptr(out).ptr(x).ptr(w).i32(m).i32(n).i32(k).i64(xrs).i64(wrs).i64(xbs).i64(wbs).i64(m * n).i32(flags);
        b.launch(a, (n + 127) / 128, (m + 127) / 128, batches, 256, 0);
    }
}
