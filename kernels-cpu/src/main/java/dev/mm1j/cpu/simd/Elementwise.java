package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** copy (strided, any dtype conversion), fill, add and mul (broadcast), scale. */
final class Elementwise {
    /** Elements below which an op runs on the calling thread only. */
    static final long PARALLEL_MIN = 1 << 16;
    /** Elements converted per step through scratch (a multiple of the 32-block). */
    private static final int CHUNK = 4096;

    private final Parallel par;
    private final Scratch[] scratch;

    Elementwise(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    /** Whether {@code work} elements are few enough to run on the calling thread (no task object is made). */
    boolean inline(long work) {
        return work < PARALLEL_MIN || par.threads() == 1;
    }

    /** Runs {@code body} over {@code [0, n)} on the pool, in chunks of about {@link #PARALLEL_MIN} elements of work. */
    void forRange(long n, long work, Parallel.Body body) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("too many rows: " + n);
        par.run(body, (int) n, (int) Math.max(1, PARALLEL_MIN / Math.max(1, work / n)), 1);
    }

    // ------------------------------------------------------------------ copy

    /** out = x elementwise, any strides, converting dtypes. */
    void copy(Tensor out, Tensor x) {
        long n = out.numel();
        if (n == 0) return;
        if (out.isContiguous() && x.isContiguous()) {
            if (out.dtype() == x.dtype()) {
                copyBytes(out, x, n);
            } else {
                if (inline(n)) {
                    convert(0, x, x.offset(), 1, out, out.offset(), 1, n);
                    return;
                }
                long chunks = (n + CHUNK - 1) / CHUNK;
                forRange(chunks, n, (w, from, to) -> {
                    long start = (long) from * CHUNK, end = Math.min(n, (long) to * CHUNK);
                    convert(w, x, x.offset() + start, 1, out, out.offset() + start, 1, end - start);
                });
            }
            return;
        }
        long rows = RowIo.count(out), len = RowIo.length(out);
        if (inline(n)) copyRows(0, out, x, 0, rows);
        else forRange(rows, n, (w, from, to) -> copyRows(w, out, x, from, to));
    }

    private void copyRows(int worker, Tensor out, Tensor x, long from, long to) {
        long len = RowIo.length(out), xs = RowIo.lastStride(x), os = RowIo.lastStride(out);
        for (long r = from; r < to; r++) convert(worker, x, RowIo.offset(x, r), xs, out, RowIo.offset(out, r), os, len);
    }

    private void copyBytes(Tensor out, Tensor x, long n) {
        long bytes = x.byteSize();
        MemorySegment src = x.segment(), dst = out.segment();
        long so = x.byteOffset(), doff = out.byteOffset();
        if (bytes < (PARALLEL_MIN << 4) || par.threads() == 1) {
            MemorySegment.copy(src, so, dst, doff, bytes);
            return;
        }
        long piece = 1 << 20;
        long pieces = (bytes + piece - 1) / piece;
        par.run((w, from, to) -> {
            long start = from * piece, end = Math.min(bytes, to * piece);
            MemorySegment.copy(src, so + start, dst, doff + start, end - start);
        }, (int) pieces);
    }

    /** Converts {@code len} elements of x (element offset xo, stride xs) into out (offset oo, stride os). */
    private void convert(int worker, Tensor x, long xo, long xs, Tensor out, long oo, long os, long len) {
        DType sd = x.dtype(), dd = out.dtype();
        MemorySegment xseg = x.segment(), oseg = out.segment();
        if (sd == DType.I32 && dd == DType.I32) {
            for (long i = 0; i < len; i++) oseg.set(RowIo.JI, (oo + i * os) * 4, xseg.get(RowIo.JI, (xo + i * xs) * 4));
            return;
        }
        if (sd == dd && xs == 1 && os == 1) {
            long bytes = sd.byteSize(len);
            MemorySegment.copy(xseg, sd.byteSize(xo), oseg, dd.byteSize(oo), bytes);
            return;
        }
        float[] tmp = scratch[worker].floats(0, CHUNK);
        for (long done = 0; done < len; done += CHUNK) {
            int m = (int) Math.min(CHUNK, len - done);
            if (xs == 1) {
                RowIo.decode(sd, xseg, xo + done, tmp, 0, m);
            } else {
                for (int i = 0; i < m; i++) tmp[i] = RowIo.get(sd, xseg, xo + (done + i) * xs);
            }
            if (os == 1) {
                RowIo.encode(dd, tmp, 0, m, oseg, oo + done);
            } else {
                for (int i = 0; i < m; i++) RowIo.set(dd, oseg, oo + (done + i) * os, tmp[i]);
            }
        }
    }

    // ------------------------------------------------------------------ fill

    void fill(Tensor out, float value) {
        long n = out.numel();
        if (n == 0) return;
        DType dt = out.dtype();
        MemorySegment seg = out.segment();
        if (out.isContiguous()) {
            MemorySegment s = seg.asSlice(out.byteOffset(), out.byteSize());
            if (dt == DType.F32) {
                if (Float.floatToRawIntBits(value) == 0) {
                    s.fill((byte) 0);
                    return;
                }
                FloatVector v = FloatVector.broadcast(F, value);
                long i = 0;
                for (long bound = n - L; i <= bound; i += L) v.intoMemorySegment(s, i * 4, LE);
                for (; i < n; i++) s.set(RowIo.JF, i * 4, value);
                return;
            }
            for (long i = 0; i < n; i++) RowIo.set(dt, s, i, value);
            return;
        }
        long rows = RowIo.count(out), len = RowIo.length(out), st = RowIo.lastStride(out);
        for (long r = 0; r < rows; r++) {
            long o = RowIo.offset(out, r);
            for (long i = 0; i < len; i++) RowIo.set(dt, seg, o + i * st, value);
        }
    }

    // ------------------------------------------------------------------ add, mul, scale

    /** out = a + b or a · b, b broadcast to a's shape. */
    void binary(Tensor out, Tensor a, Tensor b, boolean multiply) {
        long n = a.numel();
        if (n == 0) return;
        MemorySegment os = out.segment(), as = a.segment(), bs = b.segment();
        if (out.isContiguous() && a.isContiguous() && b.isContiguous() && b.numel() == n) {
            long ao = a.offset(), bo = b.offset(), oo = out.offset();
            if (inline(n)) {
                binaryRow(os, oo, as, ao, bs, bo, 1, n, multiply);
                return;
            }
            long chunks = (n + CHUNK - 1) / CHUNK;
            forRange(chunks, n, (w, from, to) -> {
                long s = (long) from * CHUNK, e = Math.min(n, (long) to * CHUNK);
                binaryRow(os, oo + s, as, ao + s, bs, bo + s, 1, e - s, multiply);
            });
            return;
        }
        long rows = RowIo.count(a);
        if (inline(n)) binaryRows(out, a, b, multiply, 0, rows);
        else forRange(rows, n, (w, from, to) -> binaryRows(out, a, b, multiply, from, to));
    }

    private static void binaryRows(Tensor out, Tensor a, Tensor b, boolean multiply, long from, long to) {
        MemorySegment os = out.segment(), as = a.segment(), bs = b.segment();
        long len = RowIo.length(a), aStride = RowIo.lastStride(a), oStride = RowIo.lastStride(out), bStride = RowIo.broadcastLastStride(b);
        for (long r = from; r < to; r++) {
                long ao = RowIo.offset(a, r), oo = RowIo.offset(out, r), bo = RowIo.broadcastOffset(b, a, r);
                if (aStride == 1 && oStride == 1 && (bStride == 1 || bStride == 0)) {
                    binaryRow(os, oo, as, ao, bs, bo, bStride, len, multiply);
                } else {
                    for (long i = 0; i < len; i++) {
                        float x = as.get(RowIo.JF, (ao + i * aStride) * 4), y = bs.get(RowIo.JF, (bo + i * bStride) * 4);
                        os.set(RowIo.JF, (oo + i * oStride) * 4, multiply ? x * y : x + y);
                    }
                }
        }
    }

    /** One contiguous row: out[i] = a[i] (+|·) b[i·bStride] with bStride 0 or 1 (element offsets). */
    private static void binaryRow(MemorySegment os, long oo, MemorySegment as, long ao, MemorySegment bs, long bo, long bStride, long len, boolean multiply) {
        long i = 0;
        if (bStride == 0) {
            float y = bs.get(RowIo.JF, bo * 4);
            for (long bound = len - L; i <= bound; i += L) {
                FloatVector x = FloatVector.fromMemorySegment(F, as, (ao + i) * 4, LE);
                (multiply ? x.mul(y) : x.add(y)).intoMemorySegment(os, (oo + i) * 4, LE);
            }
            for (; i < len; i++) {
                float x = as.get(RowIo.JF, (ao + i) * 4);
                os.set(RowIo.JF, (oo + i) * 4, multiply ? x * y : x + y);
            }
            return;
        }
        for (long bound = len - L; i <= bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(F, as, (ao + i) * 4, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, bs, (bo + i) * 4, LE);
            (multiply ? x.mul(y) : x.add(y)).intoMemorySegment(os, (oo + i) * 4, LE);
        }
        for (; i < len; i++) {
            float x = as.get(RowIo.JF, (ao + i) * 4), y = bs.get(RowIo.JF, (bo + i) * 4);
            os.set(RowIo.JF, (oo + i) * 4, multiply ? x * y : x + y);
        }
    }

    /** out = s · x. */
    void scale(Tensor out, Tensor x, float s) {
        long n = x.numel();
        if (n == 0) return;
        MemorySegment os = out.segment(), xs = x.segment();
        if (out.isContiguous() && x.isContiguous()) {
            long xo = x.offset(), oo = out.offset();
            if (inline(n)) {
                scaleRow(os, oo, xs, xo, n, s);
                return;
            }
            long chunks = (n + CHUNK - 1) / CHUNK;
            forRange(chunks, n, (w, from, to) -> {
                long st = (long) from * CHUNK, e = Math.min(n, (long) to * CHUNK);
                scaleRow(os, oo + st, xs, xo + st, e - st, s);
            });
            return;
        }
        long rows = RowIo.count(x);
        if (inline(n)) scaleRows(out, x, s, 0, rows);
        else forRange(rows, n, (w, from, to) -> scaleRows(out, x, s, from, to));
    }

    private static void scaleRows(Tensor out, Tensor x, float s, long from, long to) {
        MemorySegment os = out.segment(), xs = x.segment();
        long len = RowIo.length(x), xStride = RowIo.lastStride(x), oStride = RowIo.lastStride(out);
        for (long r = from; r < to; r++) {
            long xo = RowIo.offset(x, r), oo = RowIo.offset(out, r);
            if (xStride == 1 && oStride == 1) {
                scaleRow(os, oo, xs, xo, len, s);
            } else {
                for (long i = 0; i < len; i++) os.set(RowIo.JF, (oo + i * oStride) * 4, s * xs.get(RowIo.JF, (xo + i * xStride) * 4));
            }
        }
    }

    private static void scaleRow(MemorySegment os, long oo, MemorySegment xs, long xo, long len, float s) {
        long i = 0;
        for (long bound = len - L; i <= bound; i += L) {
            FloatVector.fromMemorySegment(F, xs, (xo + i) * 4, LE).mul(s).intoMemorySegment(os, (oo + i) * 4, LE);
        }
        for (; i < len; i++) os.set(RowIo.JF, (oo + i) * 4, s * xs.get(RowIo.JF, (xo + i) * 4));
    }
}
