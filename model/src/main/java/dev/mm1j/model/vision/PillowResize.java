package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, reproduced to the bit: a separable filter
 * (Keys cubic with a = −0.5, support 2), widened by the shrink factor when downsampling (antialiasing),
 * coefficients normalised per output pixel and turned into 22-bit fixed point, the horizontal pass first with
 * rounding and clamping to 8 bits, then the vertical pass on that 8-bit intermediate. A pass whose size does
 * not change is skipped; an unchanged size is a copy.
 */
public final class PillowResize {
    /** Fixed-point bits of the coefficients: 32 − 8 (result) − 2 (headroom for negative lobes and overshoot). */
    private static final int PRECISION_BITS = 22;
    private static final double SUPPORT = 2.0;

    private PillowResize() {}

    /** Keys' cubic convolution kernel with a = −0.5 (Pillow's bicubic_filter). */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    /**
     * Resampling taps of one axis: output index o reads {@code count[o]} inputs from {@code first[o]} on, with
     * fixed-point weights {@code coeff[o·ksize + t]}.
     */
    record Taps(int[] first, int[] count, int[] coeff, int ksize) {}

    /** The taps for resizing {@code inSize} samples to {@code outSize} (Pillow's precompute_coeffs + normalize_coeffs_8bpc). */
    static Taps taps(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize], count = new int[outSize], coeff = new int[outSize * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                k[x] = bicubic((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0 ? k[x] / ww : k[x];
                coeff[o * ksize + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            first[o] = xmin;
            count[o] = xmax;
        }
        return new Taps(first, count, coeff, ksize);
    }

    /** Rounds a fixed-point sum (which already holds the +0.5 bias) to an 8-bit sample. */
    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** {@code src} resized to {@code outW × outH} exactly as Pillow 9–11 does with {@code Image.BICUBIC}. */
    public static RgbImage resize(RgbImage src, int outW, int outH) {
        if (outW < 1 || outH < 1) throw new Mm1jException("resize to " + outW + "x" + outH + ": the size must be positive");
        if ((long) outW * outH * 3 > Integer.MAX_VALUE - 8) throw new Mm1jException("resize to " + outW + "x" + outH + ": too large");
        RgbImage img = src;
        if (outW == src.width() && outH == src.height()) return new RgbImage(outW, outH, src.rgb().clone());
        Taps vt = taps(src.height(), outH);
        // rows of the source the vertical pass reads
        int rowFirst = vt.first[0], rowEnd = vt.first[outH - 1] + vt.count[outH - 1];
        if (outW != src.width()) {
            img = horizontal(src, outW, rowFirst, rowEnd);
            for (int o = 0; o < outH; o++) vt.first[o] -= rowFirst;
        }
        if (outH != src.height()) img = vertical(img, vt);
        return img;
    }

    /** Horizontal pass over source rows [rowFirst, rowEnd): out [rowEnd − rowFirst rows, outW]. */
    private static RgbImage horizontal(RgbImage src, int outW, int rowFirst, int rowEnd) {
        Taps t = taps(src.width(), outW);
        int h = rowEnd - rowFirst, inW = src.width(), ks = t.ksize;
        byte[] in = src.rgb(), out = new byte[outW * h * 3];
        final int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < h; y++) {
            int rowIn = (y + rowFirst) * inW * 3, rowOut = y * outW * 3;
            for (int o = 0; o < outW; o++) {
                int r = half, g = half, b = half;
                int p = rowIn + t.first[o] * 3, kb = o * ks;
                for (int x = 0, n = t.count[o]; x < n; x++, p += 3) {
                    int k = t.coeff[kb + x];
                    r += (in[p] & 0xff) * k;
                    g += (in[p + 1] & 0xff) * k;
                    b += (in[p + 2] & 0xff) * k;
                }
                out[rowOut + o * 3] = (byte) clip8(r);
                out[rowOut + o * 3 + 1] = (byte) clip8(g);
                out[rowOut + o * 3 + 2] = (byte) clip8(b);
            }
        }
        return new RgbImage(outW, h, out);
    }

    /** Vertical pass: out [outH, width]; {@code t.first} is relative to {@code src}'s first row. */
    private static RgbImage vertical(RgbImage src, Taps t) {
        int w = src.width(), outH = t.first.length, ks = t.ksize, stride = w * 3;
        byte[] in = src.rgb(), out = new byte[outH * stride];
        final int half = 1 << (PRECISION_BITS - 1);
        int[] acc = new int[stride];
        for (int o = 0; o < outH; o++) {
            java.util.Arrays.fill(acc, half);
            int kb = o * ks;
            for (int y = 0, n = t.count[o]; y < n; y++) {
                int k = t.coeff[kb + y], row = (t.first[o] + y) * stride;
                for (int i = 0; i < stride; i++) acc[i] += (in[row + i] & 0xff) * k;
            }
            int ro = o * stride;
            for (int i = 0; i < stride; i++) out[ro + i] = (byte) clip8(acc[i]);
        }
        return new RgbImage(w, outH, out);
    }
}
