package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Rotary embedding, Hugging Face half-split layout. The angles of a token are computed once (θ = pos·invFreq[j]
 * as a float product, cos and sin in double rounded to float, like the reference) and applied to every head
 * with vectors over j.
 */
final class Rope {
    private final Elementwise ew;
    private final Scratch[] scratch;

    Rope(Elementwise ew, Scratch[] scratch) {
        this.ew = ew;
        this.scratch = scratch;
    }

    void rope(Tensor out, Tensor x, Tensor positions, Tensor invFreq) {
        long t = x.dim(0), n = x.numel();
        if (n == 0) return;
        int half = (int) (x.dim(2) / 2);
        float[] inv = scratch[0].floats(2, half);
        Rows.readF32(invFreq.segment(), invFreq.offset(), invFreq.stride(0), inv, half);
        if (ew.inline(n)) ropeTokens(0, out, x, positions, inv, 0, t);
        else ew.forRange(t, n, (w, from, to) -> ropeTokens(w, out, x, positions, inv, from, to));
    }

    private void ropeTokens(int worker, Tensor out, Tensor x, Tensor positions, float[] inv, long from, long to) {
        long heads = x.dim(1);
        int half = (int) (x.dim(2) / 2);
        float[] cs = scratch[worker].floats(1, 2 * half);
        MemorySegment xs = x.segment(), os = out.segment();
        long xd = x.stride(2), od = out.stride(2);
        for (long t = from; t < to; t++) {
            int pos = positions.segment().get(Rows.JI, (positions.offset() + t * positions.stride(0)) * 4);
            for (int j = 0; j < half; j++) {
                float theta = (float) pos * inv[j];
                cs[j] = (float) Math.cos(theta);
                cs[half + j] = (float) Math.sin(theta);
            }
            for (long h = 0; h < heads; h++) {
                long xo = x.offset() + t * x.stride(0) + h * x.stride(1);
                long oo = out.offset() + t * out.stride(0) + h * out.stride(1);
                int j = 0;
                if (xd == 1 && od == 1) {
                    for (int bound = half - L; j <= bound; j += L) {
                        FloatVector a = FloatVector.fromMemorySegment(F, xs, (xo + j) * 4, LE);
                        FloatVector b = FloatVector.fromMemorySegment(F, xs, (xo + half + j) * 4, LE);
                        FloatVector c = FloatVector.fromArray(F, cs, j), s = FloatVector.fromArray(F, cs, half + j);
                        a.mul(c).sub(b.mul(s)).intoMemorySegment(os, (oo + j) * 4, LE);
                        b.mul(c).add(a.mul(s)).intoMemorySegment(os, (oo + half + j) * 4, LE);
                    }
                }
                for (; j < half; j++) {
                    float a = xs.get(Rows.JF, (xo + j * xd) * 4), b = xs.get(Rows.JF, (xo + (half + j) * xd) * 4);
                    float c = cs[j], s = cs[half + j];
                    os.set(Rows.JF, (oo + j * od) * 4, a * c - b * s);
                    os.set(Rows.JF, (oo + (half + j) * od) * 4, b * c + a * s);
                }
            }
        }
    }
}
