package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Scaled dot-product attention, one (query, head) pair at a time: scores against every visible key, a
 * softmax in F32, then the weighted sum of values. K and V are read in place (F32, F16 or BF16, strided rows).
 */
final class Attention {
    private final Parallel par;
    private final Elementwise ew;
    private final Scratch[] scratch;

    Attention(Parallel par, Elementwise ew, Scratch[] scratch) {
        this.par = par;
        this.ew = ew;
        this.scratch = scratch;
    }

    void attention(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset) {
        if (q.rank() == 4) {
            for (long b = 0; b < q.dim(0); b++) attention(out.select(0, b), q.select(0, b), k.select(0, b), v.select(0, b), scale, causal, qOffset);
            return;
        }
        if (k.stride(2) != 1 || v.stride(2) != 1) {
            try (Tensor kc = Tensor.allocateHost(k.dtype(), k.shape()); Tensor vc = Tensor.allocateHost(v.dtype(), v.shape())) {
                ew.copy(kc, k);
                ew.copy(vc, v);
                attention(out, q, kc, vc, scale, causal, qOffset);
            }
            return;
        }
        long tq = q.dim(0), heads = q.dim(1), tk = k.dim(0), d = q.dim(2), dv = v.dim(2);
        long items = tq * heads;
        long work = items * tk * (d + dv);
        if (work < Elementwise.PARALLEL_MIN || par.threads() == 1) rows(0, out, q, k, v, scale, causal, qOffset, 0, items);
        else par.run((w, from, to) -> rows(w, out, q, k, v, scale, causal, qOffset, from, to), (int) items);
    }

    private void rows(int worker, Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, long qOffset, long from, long to) {
        long heads = q.dim(1), tk = k.dim(0), group = heads / k.dim(1);
        int d = (int) q.dim(2), dv = (int) v.dim(2);
        Scratch s = scratch[worker];
        float[] qr = s.floats(0, d), sc = s.floats(1, (int) tk), acc = s.floats(2, dv);
        int kk = Rows.kind(k.dtype()), vk = Rows.kind(v.dtype());
        int kw = k.dtype() == DType.F32 ? 4 : 2;
        MemorySegment ks = k.segment(), vs = v.segment();
        for (long item = from; item < to; item++) {
            long i = item / heads, h = item % heads, g = h / group;
            int visible = causal ? (int) Math.clamp(i + qOffset + 1, 0, tk) : (int) tk;
            Rows.readF32(q.segment(), q.offset() + i * q.stride(0) + h * q.stride(1), q.stride(2), qr, d);
            for (int c = 0; c < d; c++) qr[c] *= scale;
            for (int j = 0; j < visible; j++) {
                sc[j] = dot(kk, ks, (k.offset() + j * k.stride(0) + g * k.stride(1)) * kw, qr, d);
            }
            java.util.Arrays.fill(acc, 0, dv, 0f);
            if (visible > 0) {
                Norms.softmaxInPlace(sc, 0, visible, visible);
                for (int j = 0; j < visible; j++) axpy(vk, vs, (v.offset() + j * v.stride(0) + g * v.stride(1)) * kw, sc[j], acc, dv);
            }
            long oo = out.offset() + i * out.stride(0) + h * out.stride(1);
            Rows.writeF32(acc, dv, out.segment(), oo, out.stride(2));
        }
    }

    /** Σ row[c]·x[c] over a K row of kind {@code kind} at byte {@code off}. */
    private static float dot(int kind, MemorySegment seg, long off, float[] x, int d) {
        FloatVector a = FloatVector.zero(F);
        int c = 0;
        int w = kind == Rows.F32 ? 4 : 2;
        for (int bound = d - L; c <= bound; c += L) a = Vec.load(kind, seg, off + (long) c * w).fma(FloatVector.fromArray(F, x, c), a);
        float s = a.reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) s += get(kind, seg, off + (long) c * w) * x[c];
        return s;
    }

    /** acc += p · row. */
    private static void axpy(int kind, MemorySegment seg, long off, float p, float[] acc, int d) {
        int c = 0;
        int w = kind == Rows.F32 ? 4 : 2;
        FloatVector pv = FloatVector.broadcast(F, p);
        for (int bound = d - L; c <= bound; c += L) {
            Vec.load(kind, seg, off + (long) c * w).fma(pv, FloatVector.fromArray(F, acc, c)).intoArray(acc, c);
        }
        for (; c < d; c++) acc[c] += p * get(kind, seg, off + (long) c * w);
    }

    private static float get(int kind, MemorySegment seg, long off) {
        return switch (kind) {
            case Rows.F32 -> seg.get(Rows.JF, off);
            case Rows.BF16 -> Float.intBitsToFloat((seg.get(Rows.JS, off) & 0xffff) << 16);
            default -> Float.float16ToFloat(seg.get(Rows.JS, off));
        };
    }
}
