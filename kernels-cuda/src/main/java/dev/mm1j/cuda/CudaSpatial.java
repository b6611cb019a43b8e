package dev.mm1j.cuda;

import static dev.mm1j.cuda.CudaBackend.code;
import static dev.mm1j.cuda.CudaBackend.ptr;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.UnsupportedOpException;

/**
 * The spatial family on the device (spatial.cu), on channels-last grids: direct convolution, adaptive average
 * pooling, bicubic resize, one thread per output element.
 *
 * @see dev.mm1j.core.backend.Op.Family#SPATIAL
 */
final class CudaSpatial {
    private final CudaBackend b;

    CudaSpatial(CudaBackend backend) {
        this.b = backend;
    }

    /**
     * Runs the direct kernel for what the composed default does not cover well (depthwise, padded, strided); false
     * for patchify and 1x1 convolutions with contiguous or quantized weights, which the backend hands to the
     * composed default (im2col + the GEMMs, tensor cores). Quantized weights in any other convolution are refused.
     */
    boolean conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        long kh = w.dim(2), kw = w.dim(3);
        boolean patchify = groups == 1 && padding == 0 && stride == kh && stride == kw;
        boolean pointwise = groups == 1 && padding == 0 && stride == 1 && kh == 1 && kw == 1;
        if ((patchify || pointwise) && (w.isContiguous() || w.dtype().isQuantized())) return false;
        if (w.dtype().isQuantized()) {
            throw new UnsupportedOpException("[conv2d] cuda takes " + w.dtype() + " weights for patchify and 1x1 convolutions only, got stride "
                + stride + ", padding " + padding + ", groups " + groups + ", kernel " + kh + "x" + kw);
        }
        if (out.numel() == 0) return true;
        try (Staging s = Staging.open(b)) {
            Tensor o = s.contiguousOut(s.out(out)), xd = s.in(x), wd = s.contiguous(s.in(w));
            if (xd.rank() == 3) {
                xd = xd.unsqueeze(0);
                o = o.unsqueeze(0);
            }
            LaunchArgs a = LaunchArgs.begin(Kernels.CONV2D_DIRECT).ptr(ptr(o)).ptr(ptr(xd)).ptr(ptr(wd)).i32(code(wd.dtype()))
                .i32(xd.dim(0)).i32(xd.dim(1)).i32(xd.dim(2)).i32(xd.dim(3)).i32(o.dim(1)).i32(o.dim(2)).i32(o.dim(3))
                .i32(wd.dim(2)).i32(wd.dim(3)).i32(stride).i32(padding).i32(groups)
                .i64(xd.stride(0)).i64(xd.stride(1)).i64(xd.stride(2)).i64(xd.stride(3));
            b.launch(a, b.elementBlocks(o.numel()), 1, 1, 256, 0);
        }
        return true;
    }

    void adaptiveAvgPool2d(Tensor out, Tensor x) {
        grid(Kernels.ADAPTIVE_AVG_POOL2D, out, x);
    }

    void resizeBicubic(Tensor out, Tensor x) {
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
}
