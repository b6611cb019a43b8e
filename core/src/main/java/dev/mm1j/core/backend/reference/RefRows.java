package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;

/** The rows family, reference: ops over the last dim of each row: softmax, layer norm, RMS norm, mean, rope. */
final class RefRows {
    private RefRows() {}

    /** Visits every row (all indices but the last dim) with its element offset in each tensor. */
    private interface RowVisitor {
        void row(long[] idx);
    }

    private static void rows(Tensor t, RowVisitor v) {
        long[] shape = t.shape();
        if (t.numel() == 0) return;
        long[] lead = new long[shape.length - 1];
        System.arraycopy(shape, 0, lead, 0, lead.length);
        long[] idx = new long[shape.length];
        long[] li = new long[lead.length];
        do {
            System.arraycopy(li, 0, idx, 0, li.length);
            idx[shape.length - 1] = 0;
            v.row(idx.clone());
        } while (lead.length > 0 && Strided.next(li, lead));
    }

    private static float[] row(Tensor t, long[] idx) {
        int n = (int) t.dim(-1);
        float[] r = new float[n];
        Strided.readRow(t, Strided.offset(t, idx), t.stride(-1), r, n);
        return r;
    }

    private static void writeRow(Tensor t, long[] idx, float[] v) {
        long[] i = idx.clone();
        for (int j = 0; j < v.length; j++) {
            i[i.length - 1] = j;
            Strided.set(t, i, v[j]);
        }
    }

    /** Stable softmax of each row; with causal, row i (index along dim −2) keeps columns j ≤ i + offset, the rest 0. */
    static void softmax(Tensor out, Tensor x, boolean causal, long offset) {
        rows(x, idx -> {
            float[] v = row(x, idx);
            long limit = causal ? idx[idx.length - 2] + offset : Long.MAX_VALUE;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v.length && j <= limit; j++) max = Math.max(max, v[j]);
            double sum = 0;
            double[] e = new double[v.length];
            for (int j = 0; j < v.length && j <= limit; j++) sum += e[j] = Math.exp(v[j] - max);
            float[] o = new float[v.length];
            for (int j = 0; j < v.length; j++) o[j] = j <= limit ? (float) (e[j] / sum) : 0f;
            writeRow(out, idx, o);
        });
    }

    /** (x − mean) / sqrt(var + eps) · weight + bias, biased variance, in double. */
    static void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        float[] w = weight == null ? null : weight.toFloatArray();
        float[] b = bias == null ? null : bias.toFloatArray();
        rows(x, idx -> {
            float[] v = row(x, idx);
            double mean = 0;
            for (float f : v) mean += f;
            mean /= v.length;
            double var = 0;
            for (float f : v) var += (f - mean) * (f - mean);
            var /= v.length;
            double inv = 1 / Math.sqrt(var + eps);
            float[] o = new float[v.length];
            for (int j = 0; j < v.length; j++) {
                double y = (v[j] - mean) * inv;
                if (w != null) y *= w[j];
                if (b != null) y += b[j];
                o[j] = (float) y;
            }
            writeRow(out, idx, o);
        });
    }

    /** x / sqrt(mean(x²) + eps) · weight, in double. */
    static void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        float[] w = weight.toFloatArray();
        rows(x, idx -> {
            float[] v = row(x, idx);
            double ss = 0;
            for (float f : v) ss += (double) f * f;
            double inv = 1 / Math.sqrt(ss / v.length + eps);
            float[] o = new float[v.length];
            for (int j = 0; j < v.length; j++) o[j] = (float) (v[j] * inv * w[j]);
            writeRow(out, idx, o);
        });
    }

    /** out[...] = mean of x[..., :]. */
    static void mean(Tensor out, Tensor x) {
        rows(x, idx -> {
            float[] v = row(x, idx);
            double s = 0;
            for (float f : v) s += f;
            long[] oi = new long[idx.length - 1];
            System.arraycopy(idx, 0, oi, 0, oi.length);
            Strided.set(out, oi, (float) (s / v.length));
        });
    }

    /**
     * Half-split rotary embedding: θ = pos·invFreq[j] (float product, as Hugging Face computes it);
     * out[j] = x[j]·cos θ − x[j+D/2]·sin θ, out[j+D/2] = x[j+D/2]·cos θ + x[j]·sin θ.
     */
    static void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        long t = x.dim(0), heads = x.dim(1), d = x.dim(2), half = d / 2;
        int[] pos = positions.toIntArray();
        float[] inv = invFreq.toFloatArray();
        for (long i = 0; i < t; i++) {
            for (long h = 0; h < heads; h++) {
                float[] v = new float[(int) d];
                for (int j = 0; j < d; j++) v[j] = Strided.get(x, new long[] {i, h, j});
                for (int j = 0; j < half; j++) {
                    float theta = (float) pos[(int) i] * inv[j];
                    float cos = (float) Math.cos(theta), sin = (float) Math.sin(theta);
                    Strided.set(out, new long[] {i, h, j}, v[j] * cos - v[j + (int) half] * sin);
                    Strided.set(out, new long[] {i, h, j + half}, v[j + (int) half] * cos + v[j] * sin);
                }
            }
        }
    }
}
