package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** Embedding gather, top-k, scatter-add. */
final class Indexing {
    /** Above this k, top-k sorts the whole row instead of keeping a sorted candidate list. */
    private static final int SMALL_K = 64;

    private final Elementwise ew;
    private final Scratch[] scratch;

    Indexing(Elementwise ew, Scratch[] scratch) {
        this.ew = ew;
        this.scratch = scratch;
    }

    // ------------------------------------------------------------------ getRows

    /** out[t, :] = table[ids[t], :], dequantized. */
    void getRows(Tensor out, Tensor table, Tensor ids) {
        long t = ids.dim(0), d = table.dim(1), vocab = table.dim(0);
        for (long i = 0; i < t; i++) {
            int id = id(ids, i);
            if (id < 0 || id >= vocab) throw new IndexOutOfBoundsException("[get_rows] id " + id + " outside table " + table);
        }
        if (ew.inline(t * d)) gather(0, out, table, ids, 0, t);
        else ew.forRange(t, t * d, (w, from, to) -> gather(w, out, table, ids, from, to));
    }

    private void gather(int worker, Tensor out, Tensor table, Tensor ids, long from, long to) {
        int d = (int) table.dim(1);
        DType dt = table.dtype();
        long ts = table.stride(1);
        for (long i = from; i < to; i++) {
            long row = table.offset() + id(ids, i) * table.stride(0);
            long dst = out.offset() + i * out.stride(0);
            if (dt == DType.F32 && ts == 1) {
                MemorySegment.copy(table.segment(), row * 4, out.segment(), dst * 4, d * 4L);
                continue;
            }
            float[] r = scratch[worker].floats(1, d);
            if (ts == 1) RowIo.decode(dt, table.segment(), row, r, 0, d);
            else for (int j = 0; j < d; j++) r[j] = RowIo.get(dt, table.segment(), row + j * ts);
            MemorySegment.copy(r, 0, out.segment(), RowIo.JF, dst * 4, d);
        }
    }

    /** out[ids[t], :] = src[t, :], rounded to out's dtype (F32, F16, BF16; rows of out contiguous). */
    void setRows(Tensor out, Tensor src, Tensor ids) {
        long t = ids.dim(0), rows = out.dim(0);
        int d = (int) src.dim(1);
        for (long i = 0; i < t; i++) {
            int id = id(ids, i);
            if (id < 0 || id >= rows) throw new IndexOutOfBoundsException("[set_rows] id " + id + " outside " + out);
        }
        float[] r = scratch[0].floats(1, d);
        for (long i = 0; i < t; i++) {
            RowIo.readF32(src.segment(), src.offset() + i * src.stride(0), src.stride(1), r, d);
            RowIo.encode(out.dtype(), r, 0, d, out.segment(), out.offset() + id(ids, i) * out.stride(0));
        }
    }

    private static int id(Tensor ids, long i) {
        return ids.segment().get(RowIo.JI, (ids.offset() + i * ids.stride(0)) * 4);
    }

    // ------------------------------------------------------------------ topK

    /**
     * The k largest of each row in descending order, ties to the lower index, NaN last (the reference's
     * order). Each value becomes a long key ordered like that ({@code sortable(−v) << 32 | index}), so
     * the k smallest keys are the answer.
     */
    void topK(Tensor values, Tensor indices, Tensor x, int k) {
        long rows = x.dim(0);
        int c = (int) x.dim(1);
        MemorySegment xs = x.segment();
        for (long r = 0; r < rows; r++) {
            long xo = x.offset() + r * x.stride(0), xst = x.stride(1);
            long[] keys;
            if (k <= SMALL_K) {
                keys = scratch[0].longs(0, k);
                int have = 0;
                for (int j = 0; j < c; j++) {
                    long key = key(xs.get(RowIo.JF, (xo + j * xst) * 4), j);
                    if (have == k && key >= keys[k - 1]) continue;
                    int p = have == k ? k - 1 : have++;
                    while (p > 0 && keys[p - 1] > key) {
                        keys[p] = keys[p - 1];
                        p--;
                    }
                    keys[p] = key;
                }
            } else {
                keys = scratch[0].longs(0, c);
                for (int j = 0; j < c; j++) keys[j] = key(xs.get(RowIo.JF, (xo + j * xst) * 4), j);
                Arrays.sort(keys, 0, c);
            }
            long vo = values.offset() + r * values.stride(0), io = indices.offset() + r * indices.stride(0);
            for (int j = 0; j < k; j++) {
                int index = (int) keys[j];
                values.segment().set(RowIo.JF, (vo + j * values.stride(1)) * 4, xs.get(RowIo.JF, (xo + index * xst) * 4));
                indices.segment().set(RowIo.JI, (io + j * indices.stride(1)) * 4, index);
            }
        }
    }

    /** Orders by −v ascending (so v descending, +0 before −0), NaN after everything, then by index. */
    private static long key(float v, int index) {
        int s;
        if (Float.isNaN(v)) {
            s = Integer.MAX_VALUE;
        } else {
            int bits = Float.floatToRawIntBits(-v);
            s = bits ^ ((bits >> 31) & 0x7fffffff);
        }
        return ((long) s << 32) | (index & 0xffffffffL);
    }

    // ------------------------------------------------------------------ indexAdd

    /** out[ids[i], :] += weights[i] · src[i, :], in order of i (duplicates accumulate). */
    void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        long t = src.dim(0), d = src.dim(1), rows = out.dim(0);
        for (long i = 0; i < t; i++) {
            int id = id(ids, i);
            if (id < 0 || id >= rows) throw new IndexOutOfBoundsException("[index_add] id " + id + " outside " + out);
        }
        if (ew.inline(t * d)) scatter(out, src, ids, weights, 0, d);
        else {
            long piece = 256, pieces = (d + piece - 1) / piece;
            ew.forRange(pieces, t * d, (w, from, to) -> scatter(out, src, ids, weights, from * piece, Math.min(d, to * piece)));
        }
    }

    /** Columns [c0, c1) of every row. */
    private static void scatter(Tensor out, Tensor src, Tensor ids, Tensor weights, long c0, long c1) {
        long t = src.dim(0);
        MemorySegment os = out.segment(), ss = src.segment();
        long oc = out.stride(1), sc = src.stride(1);
        for (long i = 0; i < t; i++) {
            float wt = weights == null ? 1f : weights.segment().get(RowIo.JF, (weights.offset() + i * weights.stride(0)) * 4);
            long oo = out.offset() + id(ids, i) * out.stride(0), so = src.offset() + i * src.stride(0);
            long j = c0;
            if (oc == 1 && sc == 1) {
                for (long bound = c1 - L; j <= bound; j += L) {
                    FloatVector o = FloatVector.fromMemorySegment(F, os, (oo + j) * 4, LE);
                    FloatVector s = FloatVector.fromMemorySegment(F, ss, (so + j) * 4, LE);
                    (weights == null ? o.add(s) : o.add(s.mul(wt))).intoMemorySegment(os, (oo + j) * 4, LE);
                }
            }
            for (; j < c1; j++) {
                float s = ss.get(RowIo.JF, (so + j * sc) * 4);
                long p = (oo + j * oc) * 4;
                os.set(RowIo.JF, p, os.get(RowIo.JF, p) + (weights == null ? s : wt * s));
            }
        }
    }
}
