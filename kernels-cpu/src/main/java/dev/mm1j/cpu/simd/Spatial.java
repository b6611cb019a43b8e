package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Spatial ops on channels-last grids, vectorised over channels: convolution (depthwise directly, groups = 1
 * through im2col and the matmul, 1×1 without any copy), adaptive average pooling, bicubic resize.
 */
final class Spatial {
    private final Elementwise ew;
    private final Products matmul;
    private final Scratch[] scratch;

    Spatial(Elementwise ew, Products matmul, Scratch[] scratch) {
        this.ew = ew;
        this.matmul = matmul;
        this.scratch = scratch;
    }

    // ------------------------------------------------------------------ conv2d

    void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        Tensor xb = x.rank() == 3 ? x.unsqueeze(0) : x;
        Tensor ob = out.rank() == 3 ? out.unsqueeze(0) : out;
        long cin = xb.dim(3), cout = ob.dim(3);
        if (groups == cin && groups == cout) {
            if (xb.isContiguous()) {
                depthwise(ob, xb, w, stride, padding);
            } else {
                try (Tensor xc = Tensor.allocateHost(DType.F32, xb.shape())) {
                    ew.copy(xc, xb);
                    depthwise(ob, xc, w, stride, padding);
                }
            }
        } else if (groups == 1) {
            dense(ob, xb, w, stride, padding);
        } else {
            long cinG = cin / groups, coutG = cout / groups;
            try (Tensor part = Tensor.allocateHost(DType.F32, ob.dim(0), ob.dim(1), ob.dim(2), coutG)) {
                for (int g = 0; g < groups; g++) {
                    dense(part, xb.slice(3, g * cinG, (g + 1) * cinG), w.slice(0, g * coutG, (g + 1) * coutG), stride, padding);
                    ew.copy(ob.slice(3, g * coutG, (g + 1) * coutG), part);
                }
            }
        }
    }

    /** groups = 1: out [N, OH, OW, Cout] = im2col(x) [N·OH·OW, Cin·KH·KW] · w [Cout, Cin·KH·KW]ᵀ. */
    private void dense(Tensor out, Tensor x, Tensor w, int stride, int padding) {
        long n = x.dim(0), h = x.dim(1), wd = x.dim(2), cin = x.dim(3);
        long oh = out.dim(1), ow = out.dim(2), cout = out.dim(3), kh = w.dim(2), kw = w.dim(3);
        long inner = cin * kh * kw;
        Tensor wc = w.isContiguous() ? null : Tensor.allocateHost(w.dtype(), w.shape());
        try {
            if (wc != null) ew.copy(wc, w);
            Tensor w2 = (wc != null ? wc : w).reshape(cout, inner);
            Tensor o2 = out.reshape(n * oh * ow, cout);
            if (kh == 1 && kw == 1 && stride == 1 && padding == 0 && x.isContiguous()) {
                matmul.matmul(o2, x.reshape(n * h * wd, cin), w2);
                return;
            }
            try (Tensor cols = Tensor.allocateHost(DType.F32, n * oh * ow, inner)) {
                im2col(cols, x, kh, kw, stride, padding, oh, ow);
                matmul.matmul(o2, cols, w2);
            }
        } finally {
            if (wc != null) wc.close();
        }
    }

    /** cols[(b, oy, ox), (ci, ky, kx)] = x[b, oy·s − p + ky, ox·s − p + kx, ci], 0 outside the grid. */
    private static void im2col(Tensor cols, Tensor x, long kh, long kw, int stride, int padding, long oh, long ow) {
        long n = x.dim(0), h = x.dim(1), wd = x.dim(2), cin = x.dim(3);
        MemorySegment xs = x.segment(), cs = cols.segment();
        long o = 0;
        for (long b = 0; b < n; b++) {
            for (long oy = 0; oy < oh; oy++) {
                for (long ox = 0; ox < ow; ox++) {
                    for (long ci = 0; ci < cin; ci++) {
                        for (long ky = 0; ky < kh; ky++) {
                            long iy = oy * stride - padding + ky;
                            for (long kx = 0; kx < kw; kx++, o++) {
                                long ix = ox * stride - padding + kx;
                                float v = 0f;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                    v = xs.get(RowIo.JF, (x.offset() + b * x.stride(0) + iy * x.stride(1) + ix * x.stride(2) + ci * x.stride(3)) * 4);
                                }
                                cs.set(RowIo.JF, o * 4, v);
                            }
                        }
                    }
                }
            }
        }
    }

    /** groups = Cin = Cout: each channel convolved with its own KH×KW filter, vectors over channels. */
    private void depthwise(Tensor out, Tensor x, Tensor w, int stride, int padding) {
        long n = x.dim(0), oh = out.dim(1);
        int c = (int) x.dim(3), kh = (int) w.dim(2), kw = (int) w.dim(3);
        // taps as [KH·KW][C] floats
        float[] taps = new float[kh * kw * c];
        float[] block = new float[32];
        for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) taps[(ky * kw + kx) * c + ch] = tap(w, ch, ky, kx, block);
            }
        }
        long work = n * oh * out.dim(2) * c * kh * kw;
        if (ew.inline(work)) depthwiseRows(out, x, taps, kh, kw, stride, padding, 0, n * oh);
        else ew.forRange(n * oh, work, (wk, from, to) -> depthwiseRows(out, x, taps, kh, kw, stride, padding, from, to));
    }

    private static float tap(Tensor w, int ch, int ky, int kx, float[] block) {
        long e = w.offset() + ch * w.stride(0) + ky * w.stride(2) + kx * w.stride(3);
        if (!w.dtype().isQuantized()) return RowIo.get(w.dtype(), w.segment(), e);
        long start = e / 32 * 32;
        RowIo.decode(w.dtype(), w.segment(), start, block, 0, 32);
        return block[(int) (e - start)];
    }

    /** Output rows [from, to) of the flattened [N·OH] grid; x contiguous. */
    private static void depthwiseRows(Tensor out, Tensor x, float[] taps, int kh, int kw, int stride, int padding, long from, long to) {
        long oh = out.dim(1), ow = out.dim(2), h = x.dim(1), wd = x.dim(2);
        int c = (int) x.dim(3);
        MemorySegment xs = x.segment(), os = out.segment();
        long xbase = x.offset();
        for (long row = from; row < to; row++) {
            long b = row / oh, oy = row % oh;
            for (long ox = 0; ox < ow; ox++) {
                long oo = ((b * oh + oy) * ow + ox) * c;
                int ch = 0;
                for (int bound = c - L; ch <= bound; ch += L) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int ky = 0; ky < kh; ky++) {
                        long iy = oy * stride - padding + ky;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            long ix = ox * stride - padding + kx;
                            if (ix < 0 || ix >= wd) continue;
                            FloatVector v = FloatVector.fromMemorySegment(F, xs, (xbase + ((b * h + iy) * wd + ix) * c + ch) * 4, LE);
                            acc = v.fma(FloatVector.fromArray(F, taps, (ky * kw + kx) * c + ch), acc);
                        }
                    }
                    acc.intoMemorySegment(os, (out.offset() + oo + ch) * 4, LE);
                }
                for (; ch < c; ch++) {
                    float acc = 0f;
                    for (int ky = 0; ky < kh; ky++) {
                        long iy = oy * stride - padding + ky;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            long ix = ox * stride - padding + kx;
                            if (ix < 0 || ix >= wd) continue;
                            acc += xs.get(RowIo.JF, (xbase + ((b * h + iy) * wd + ix) * c + ch) * 4) * taps[(ky * kw + kx) * c + ch];
                        }
                    }
                    os.set(RowIo.JF, (out.offset() + oo + ch) * 4, acc);
                }
            }
        }
    }

    // ------------------------------------------------------------------ adaptive average pooling

    /** out[i, j, :] = mean of x over rows floor(i·H/OH)..ceil((i+1)·H/OH)−1 and the same rule for columns. */
    void adaptiveAvgPool2d(Tensor out, Tensor x) {
        long oh = out.dim(0), ow = out.dim(1), h = x.dim(0), wd = x.dim(1);
        int c = (int) x.dim(2);
        MemorySegment xs = x.segment(), os = out.segment();
        long cs = x.stride(2);
        float[] acc = scratch[0].floats(1, c);
        for (long i = 0; i < oh; i++) {
            long y0 = Math.floorDiv(i * h, oh), y1 = -Math.floorDiv(-(i + 1) * h, oh);
            for (long j = 0; j < ow; j++) {
                long x0 = Math.floorDiv(j * wd, ow), x1 = -Math.floorDiv(-(j + 1) * wd, ow);
                java.util.Arrays.fill(acc, 0, c, 0f);
                for (long y = y0; y < y1; y++) {
                    for (long xx = x0; xx < x1; xx++) {
                        long base = x.offset() + y * x.stride(0) + xx * x.stride(1);
                        int ch = 0;
                        if (cs == 1) {
                            for (int bound = c - L; ch <= bound; ch += L) {
                                FloatVector.fromArray(F, acc, ch).add(FloatVector.fromMemorySegment(F, xs, (base + ch) * 4, LE)).intoArray(acc, ch);
                            }
                        }
                        for (; ch < c; ch++) acc[ch] += xs.get(RowIo.JF, (base + ch * cs) * 4);
                    }
                }
                float inv = 1f / ((y1 - y0) * (x1 - x0));
                long oo = out.offset() + (i * ow + j) * c;
                int ch = 0;
                for (int bound = c - L; ch <= bound; ch += L) FloatVector.fromArray(F, acc, ch).mul(inv).intoMemorySegment(os, (oo + ch) * 4, LE);
                for (; ch < c; ch++) os.set(RowIo.JF, (oo + ch) * 4, acc[ch] * inv);
            }
        }
    }

    // ------------------------------------------------------------------ bicubic resize

    /**
     * PyTorch bicubic (align_corners=False, no antialias) with the reference's float arithmetic in the same
     * order: taps clamped to the grid, each tap row interpolated along x first, then the four rows along y.
     */
    void resizeBicubic(Tensor out, Tensor x) {
        long oh = out.dim(0);
        long work = out.numel() * 16;
        if (ew.inline(work)) resizeRows(0, out, x, 0, oh);
        else ew.forRange(oh, work, (w, from, to) -> resizeRows(w, out, x, from, to));
    }

    private void resizeRows(int worker, Tensor out, Tensor x, long from, long to) {
        long h = x.dim(0), wd = x.dim(1), oh = out.dim(0), ow = out.dim(1);
        int c = (int) x.dim(2);
        float sy = (float) h / (float) oh, sx = (float) wd / (float) ow;
        float[] wy = new float[4], wx = new float[4];
        float[] col = scratch[worker].floats(1, 4 * c);
        float[] row = scratch[worker].floats(2, c);
        MemorySegment xs = x.segment(), os = out.segment();
        for (long i = from; i < to; i++) {
            float ry = sy * (i + 0.5f) - 0.5f;
            long iy = (long) Math.floor(ry);
            cubicWeights(ry - iy, wy);
            for (long j = 0; j < ow; j++) {
                float rx = sx * (j + 0.5f) - 0.5f;
                long ix = (long) Math.floor(rx);
                cubicWeights(rx - ix, wx);
                for (int ty = 0; ty < 4; ty++) {
                    long yy = Math.clamp(iy - 1 + ty, 0, h - 1);
                    java.util.Arrays.fill(col, ty * c, ty * c + c, 0f);
                    for (int tx = 0; tx < 4; tx++) {
                        long xx = Math.clamp(ix - 1 + tx, 0, wd - 1);
                        RowIo.readF32(xs, x.offset() + yy * x.stride(0) + xx * x.stride(1), x.stride(2), row, c);
                        float wgt = wx[tx];
                        int ch = 0;
                        for (int bound = c - L; ch <= bound; ch += L) {
                            FloatVector.fromArray(F, col, ty * c + ch).add(FloatVector.fromArray(F, row, ch).mul(wgt)).intoArray(col, ty * c + ch);
                        }
                        for (; ch < c; ch++) col[ty * c + ch] += row[ch] * wgt;
                    }
                }
                long oo = out.offset() + (i * ow + j) * c;
                int ch = 0;
                for (int bound = c - L; ch <= bound; ch += L) {
                    FloatVector v = FloatVector.fromArray(F, col, ch).mul(wy[0])
                        .add(FloatVector.fromArray(F, col, c + ch).mul(wy[1]))
                        .add(FloatVector.fromArray(F, col, 2 * c + ch).mul(wy[2]))
                        .add(FloatVector.fromArray(F, col, 3 * c + ch).mul(wy[3]));
                    v.intoMemorySegment(os, (oo + ch) * 4, LE);
                }
                for (; ch < c; ch++) {
                    os.set(RowIo.JF, (oo + ch) * 4, col[ch] * wy[0] + col[c + ch] * wy[1] + col[2 * c + ch] * wy[2] + col[3 * c + ch] * wy[3]);
                }
            }
        }
    }

    /** Keys cubic convolution weights, a = −0.75, for fraction t (float, like PyTorch and the reference). */
    private static void cubicWeights(float t, float[] wts) {
        final float a = -0.75f;
        float x1 = t + 1f, x2 = t, x3 = 1f - t, x4 = 2f - t;
        wts[0] = ((a * x1 - 5f * a) * x1 + 8f * a) * x1 - 4f * a;
        wts[1] = ((a + 2f) * x2 - (a + 3f)) * x2 * x2 + 1f;
        wts[2] = ((a + 2f) * x3 - (a + 3f)) * x3 * x3 + 1f;
        wts[3] = ((a * x4 - 5f * a) * x4 + 8f * a) * x4 - 4f * a;
    }
}
