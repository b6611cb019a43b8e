package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;

/** The spatial family, reference: on channels-last grids, convolution, adaptive average pooling, bicubic resize. */
final class RefSpatial {
    private RefSpatial() {}

    /**
     * out[n, oy, ox, co] = Σ_{ci in group, ky, kx} x[n, oy·s − p + ky, ox·s − p + kx, ci] · w[co, ci − g·Cin/G, ky, kx]
     * (zero outside the grid); x [N?, H, W, Cin], w [Cout, Cin/G, KH, KW], out [N?, OH, OW, Cout]. Double sums.
     */
    static void conv2d(Tensor out, Tensor x, Tensor w, int stride, int padding, int groups) {
        Tensor xb = x.rank() == 3 ? x.unsqueeze(0) : x;
        Tensor ob = out.rank() == 3 ? out.unsqueeze(0) : out;
        long n = xb.dim(0), h = xb.dim(1), wd = xb.dim(2), cin = xb.dim(3);
        long oh = ob.dim(1), ow = ob.dim(2), cout = ob.dim(3), kh = w.dim(2), kw = w.dim(3);
        long cinG = cin / groups, coutG = cout / groups;
        for (long b = 0; b < n; b++) {
            for (long oy = 0; oy < oh; oy++) {
                for (long ox = 0; ox < ow; ox++) {
                    for (long co = 0; co < cout; co++) {
                        long g = co / coutG;
                        double acc = 0;
                        for (long ky = 0; ky < kh; ky++) {
                            long iy = oy * stride - padding + ky;
                            if (iy < 0 || iy >= h) continue;
                            for (long kx = 0; kx < kw; kx++) {
                                long ix = ox * stride - padding + kx;
                                if (ix < 0 || ix >= wd) continue;
                                for (long c = 0; c < cinG; c++) {
                                    acc += (double) Strided.get(xb, new long[] {b, iy, ix, g * cinG + c})
                                        * Strided.get(w, new long[] {co, c, ky, kx});
                                }
                            }
                        }
                        Strided.set(ob, new long[] {b, oy, ox, co}, (float) acc);
                    }
                }
            }
        }
    }

    /** Output cell (i, j) averages rows floor(i·H/OH) .. ceil((i+1)·H/OH) − 1 and the same rule for columns. */
    static void adaptiveAvgPool2d(Tensor out, Tensor x) {
        long h = x.dim(0), w = x.dim(1), c = x.dim(2), oh = out.dim(0), ow = out.dim(1);
        for (long i = 0; i < oh; i++) {
            long y0 = Math.floorDiv(i * h, oh), y1 = ceilDiv((i + 1) * h, oh);
            for (long j = 0; j < ow; j++) {
                long x0 = Math.floorDiv(j * w, ow), x1 = ceilDiv((j + 1) * w, ow);
                for (long ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (long y = y0; y < y1; y++) for (long xx = x0; xx < x1; xx++) s += Strided.get(x, new long[] {y, xx, ch});
                    Strided.set(out, new long[] {i, j, ch}, (float) (s / ((y1 - y0) * (x1 - x0))));
                }
            }
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** Keys cubic convolution weights with a = −0.75 for fraction t, in float like PyTorch. */
    static void cubicWeights(float t, float[] wts) {
        final float a = -0.75f;
        float x1 = t + 1f, x2 = t, x3 = 1f - t, x4 = 2f - t;
        wts[0] = ((a * x1 - 5f * a) * x1 + 8f * a) * x1 - 4f * a;
        wts[1] = ((a + 2f) * x2 - (a + 3f)) * x2 * x2 + 1f;
        wts[2] = ((a + 2f) * x3 - (a + 3f)) * x3 * x3 + 1f;
        wts[3] = ((a * x4 - 5f * a) * x4 + 8f * a) * x4 - 4f * a;
    }

    /**
     * PyTorch bicubic, align_corners=False, no antialias: source y = (H/OH)·(i + 0.5) − 0.5 (float),
     * taps floor(y)−1 .. floor(y)+2 clamped to the grid, rows interpolated first within each tap column.
     */
    static void resizeBicubic(Tensor out, Tensor x) {
        long h = x.dim(0), w = x.dim(1), c = x.dim(2), oh = out.dim(0), ow = out.dim(1);
        float sy = (float) h / (float) oh, sx = (float) w / (float) ow;
        float[] wy = new float[4], wx = new float[4];
        float[] col = new float[4];
        for (long i = 0; i < oh; i++) {
            float ry = sy * (i + 0.5f) - 0.5f;
            long iy = (long) Math.floor(ry);
            cubicWeights(ry - iy, wy);
            for (long j = 0; j < ow; j++) {
                float rx = sx * (j + 0.5f) - 0.5f;
                long ix = (long) Math.floor(rx);
                cubicWeights(rx - ix, wx);
                for (long ch = 0; ch < c; ch++) {
                    for (int ty = 0; ty < 4; ty++) {
                        long yy = Math.clamp(iy - 1 + ty, 0, h - 1);
                        float s = 0;
                        for (int tx = 0; tx < 4; tx++) {
                            long xx = Math.clamp(ix - 1 + tx, 0, w - 1);
                            s += Strided.get(x, new long[] {yy, xx, ch}) * wx[tx];
                        }
                        col[ty] = s;
                    }
                    Strided.set(out, new long[] {i, j, ch}, col[0] * wy[0] + col[1] * wy[1] + col[2] * wy[2] + col[3] * wy[3]);
                }
            }
        }
    }
}
