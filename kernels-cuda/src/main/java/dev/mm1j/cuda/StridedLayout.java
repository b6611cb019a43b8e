package dev.mm1j.cuda;

import dev.mm1j.core.Tensor;

/**
 * Shape bookkeeping for the kernels: merges dims jointly over several operands (so contiguous tensors
 * become rank 1 and the kernels skip the index arithmetic), broadcasts strides, and views tensors as
 * rows of their last dim.
 */
final class StridedLayout {
    /** Most dims a kernel accepts after merging (the {@code Dims} struct in common.cuh). */
    static final int MAX_RANK = 6;

    final int rank;
    final long[] shape;
    final long[][] strides;

    private StridedLayout(int rank, long[] shape, long[][] strides) {
        this.rank = rank;
        this.shape = shape;
        this.strides = strides;
    }

    /**
     * Drops size-1 dims and merges dim d into d+1 wherever every operand has
     * {@code stride[d] == stride[d+1] * shape[d+1]}. Always returns rank >= 1 (a scalar is [1] with stride 0).
     */
    static StridedLayout collapse(long[] shape, long[]... strides) {
        int ops = strides.length;
        long[] s = new long[Math.max(1, shape.length)];
        long[][] st = new long[ops][Math.max(1, shape.length)];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int o = 0; o < ops; o++) merge &= st[o][r - 1] == strides[o][d] * shape[d];
                if (merge) {
                    s[r - 1] *= shape[d];
                    for (int o = 0; o < ops; o++) st[o][r - 1] = strides[o][d];
                    continue;
                }
            }
            s[r] = shape[d];
            for (int o = 0; o < ops; o++) st[o][r] = strides[o][d];
            r++;
        }
        if (r == 0) {
            s[0] = 1;
            r = 1;
        }
        return new StridedLayout(r, s, st);
    }

    /** b's strides seen through a's shape (numpy broadcasting: missing or size-1 dims of b get stride 0). */
    static long[] broadcastStrides(long[] shape, Tensor b) {
        long[] out = new long[shape.length];
        int extra = shape.length - b.rank();
        for (int d = 0; d < shape.length; d++) {
            int bd = d - extra;
            out[d] = bd < 0 || b.dim(bd) == 1 ? 0 : b.stride(bd);
        }
        return out;
    }

    /**
     * {@code t} as rows of its last dim: {rows, rowStride, colStride}, when every leading dim merges into one
     * row index with a single stride; null otherwise (the caller copies to a contiguous tensor first).
     */
    static long[] rows(Tensor t) {
        int r = t.rank();
        if (r == 0) return new long[] {1, 0, 0};
        long cols = t.dim(-1), colStride = t.stride(-1);
        long rows = 1, rowStride = 0;
        boolean first = true;
        for (int d = r - 2; d >= 0; d--) {
            long n = t.dim(d);
            if (n == 1) continue;
            if (first) {
                rowStride = t.stride(d);
                first = false;
            } else if (t.stride(d) != rowStride * rows) {
                return null;
            }
            rows *= n;
        }
        if (first) rowStride = cols * colStride;
        return new long[] {rows, rowStride, colStride};
    }
}
