package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Panels.BH;
import static dev.mm1j.cpu.simd.Panels.Q4_BLOCK;
import static dev.mm1j.cpu.simd.Panels.Q4_ROWS;
import static dev.mm1j.cpu.simd.Panels.Q8_BLOCK;
import static dev.mm1j.cpu.simd.Panels.Q8_ROWS;
import static dev.mm1j.cpu.simd.Panels.SL;
import static dev.mm1j.cpu.simd.Panels.SW;
import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.cpu.PackedWeight;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code out[m, n] = x[m, :] · w[n, :]} for a few rows of x against a weight packed into {@link Panels}: threads
 * take panels, and every panel is read from memory once per call (further rows of x find it in L2).
 *
 * <p>The activations are quantized once per call to int8 per 32-block ({@link ActivationQ8}), as llama.cpp does;
 * the block sums are then exact integers, accumulated in int16 lanes (a lane per weight row), and each block
 * costs one float FMA per lane: {@code Σ_blocks (d_w · d_x) · Σ q_w·q_x}. The result equals a double-precision
 * dot product of the dequantized weights with the quantized activations up to float rounding; the activation
 * rounding is the approximation (normalised MSE ≈ 2e-5 on Gaussian data, within
 * {@link dev.mm1j.core.quant.ErrorBudget#Q8_ACTIVATION_NMSE}). With {@code exact} the activations stay F32 and
 * the panels are decoded to floats ({@link PanelDecode}): the reference's result up to float rounding.
 *
 * <p>Q4_0 (per k: one byte load widened to SL shorts = 2·SL rows, two multiplies, two adds, one shift):
 * {@code m = corr + Σ v·a} and {@code h = Σ (v >>> 4)·a} over the block, with {@code v = lo + 16·hi} the two
 * nibbles of a byte and {@code corr = −8·Σa}; then the low rows' sum is {@code m − 16·h} and the high rows'
 * {@code h + corr}. int16 arithmetic wraps, but both true sums are within ±32·8·127 = ±32512, so the wrapped
 * results are exact. Q8_0 (per k pair: one load of SL shorts, each a row's two weights): the pair sum
 * {@code w_k·a_k + w_{k+1}·a_{k+1}} fits int16 (|·| ≤ 2·128·127), and is widened into int32 lanes by shifts.
 */
final class PanelGemv {
    private final Parallel par;
    private final Scratch[] scratch;
    private final Job job = new Job();
    private final ActivationQ8 act = new ActivationQ8();
    /** F32 activations of the exact path, copied once per call. */
    private float[] xf = new float[0];

    PanelGemv(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    /** out (element offset oo, row stride n) = x (F32 rows at element offset xo, row stride xs) · wᵀ, m ≤ {@link Gemv#MAX_M}. */
    void run(MemorySegment out, long oo, MemorySegment x, long xo, long xs, PackedWeight pw, int m, boolean exact) {
        synchronized (job) {
            int k = pw.cols(), n = pw.rows();
            if (exact) {
                if (xf.length < m * k) xf = new float[m * k];
                for (int i = 0; i < m; i++) MemorySegment.copy(x, Rows.JF, (xo + i * xs) * 4, xf, i * k, k);
            } else {
                act.quantize(x, xo, xs, m, k);
            }
            job.set(out, oo, pw, m, exact);
            int panels = (n + pw.panelRows() - 1) / pw.panelRows();
            long bytes = Panels.panelBytes(Panels.dtype(pw), k) * panels;
            if (bytes < (1 << 16) || par.threads() == 1) job.run(0, 0, panels);
            else par.run(job, panels, 1, 1);
            job.clear();
        }
    }

    private final class Job implements Parallel.Body {
        MemorySegment out, w;
        long oo;
        PackedWeight pw;
        DType dtype;
        int m, n, k;
        boolean exact;

        void set(MemorySegment out, long oo, PackedWeight pw, int m, boolean exact) {
            this.out = out;
            this.oo = oo;
            this.pw = pw;
            this.w = pw.bytes();
            this.dtype = Panels.dtype(pw);
            this.m = m;
            this.n = pw.rows();
            this.k = pw.cols();
            this.exact = exact;
        }

        void clear() {
            out = w = null;
            pw = null;
        }

        /** Panels [from, to): each against every row of x, its results written to the rows it holds. */
        @Override
        public void run(int worker, int from, int to) {
            int p = pw.panelRows(), blocks = k / 32;
            long panelBytes = Panels.panelBytes(dtype, k);
            float[] r = scratch[worker].floats(0, 4 * Q4_ROWS + PanelDecode.KC * PanelDecode.NR);
            float[] sc = scratch[worker].floats(1, blocks * p);
            short[] q = act.q;
            float[] d = act.d;
            short[] corr = act.corr;
            boolean q4 = dtype == DType.Q4_0;
            long values = Panels.valuesAt(dtype, k);
            for (int pi = from; pi < to; pi++) {
                long base = pi * panelBytes;
                int rows = Math.min(p, n - pi * p);
                int i = 0;
                if (!exact) Panels.scales(w, base, blocks * p, sc);
                // four activation rows per pass (three padded with a zero row), then one at a time
                for (; !exact && m - i >= 3; i += 4) {
                    if (q4) PanelGemvBatch.q4(w, base + values, blocks, sc, k, q, i * k, d, corr, i * blocks, r, 0);
                    else PanelGemvBatch.q8(w, base + values, blocks, sc, k, q, i * k, d, i * blocks, r, 0);
                    for (int j = 0; j < Math.min(4, m - i); j++) write(r, j * p, i + j, pi, rows);
                }
                for (; i < m; i++) {
                    if (exact) PanelDecode.gemv(w, base, dtype, k, xf, i * k, r, 0, r, 4 * Q4_ROWS);
                    else if (q4) q4(w, base + values, blocks, sc, q, i * k, d, corr, i * blocks, r, 0);
                    else q8(w, base + values, blocks, sc, q, i * k, d, i * blocks, r, 0);
                    write(r, 0, i, pi, rows);
                }
            }
        }

        /** out[row, panel pi's rows] = r[at .. at + rows). */
        private void write(float[] r, int at, int row, int pi, int rows) {
            int p = pw.panelRows();
            long ob = (oo + (long) row * n + (long) pi * p) * 4;
            if (rows == p) {
                for (int j = 0; j < p; j += L) FloatVector.fromArray(F, r, at + j).intoMemorySegment(out, ob + j * 4L, LE);
            } else {
                for (int j = 0; j < rows; j++) out.set(Rows.JF, ob + j * 4L, r[at + j]);
            }
        }
    }

    /**
     * One Q4_0 panel (values at byte {@code at}, scales as floats in {@code sc}, P per block) against one quantized
     * activation row ({@code q[qo..]}, block scales {@code d[db..]}, corrections {@code corr[db..]}):
     * {@code r[ro .. ro + P)} = the panel rows' dot products.
     */
    static void q4(MemorySegment w, long at, int blocks, float[] sc, short[] q, int qo, float[] d, short[] corr, int db, float[] r, int ro) {
        FloatVector f0 = FloatVector.zero(F), f1 = f0, f2 = f0, f3 = f0;
        for (int b = 0; b < blocks; b++) {
            long o = at + (long) b * Q4_BLOCK;
            short cb = corr[db + b];
            ShortVector mv = ShortVector.broadcast(SW, cb), hv = ShortVector.zero(SW);
            int xb = qo + b * 32;
            for (int kk = 0; kk < 32; kk++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BH, w, o + (long) kk * SL, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SW, 0);
                ShortVector a = ShortVector.broadcast(SW, q[xb + kk]);
                mv = mv.add(v.mul(a));
                hv = hv.add(v.lanewise(VectorOperators.LSHR, 4).mul(a));
            }
            // int lane j: rows j (low short) and j + L (high short) of the low nibbles, then of the high nibbles
            IntVector lo = mv.sub(hv.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts(), hi = hv.add(cb).reinterpretAsInts();
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            int s = b * Q4_ROWS;
            f0 = low(lo).mul(dx).fma(FloatVector.fromArray(F, sc, s), f0);
            f1 = high(lo).mul(dx).fma(FloatVector.fromArray(F, sc, s + L), f1);
            f2 = low(hi).mul(dx).fma(FloatVector.fromArray(F, sc, s + 2 * L), f2);
            f3 = high(hi).mul(dx).fma(FloatVector.fromArray(F, sc, s + 3 * L), f3);
        }
        f0.intoArray(r, ro);
        f1.intoArray(r, ro + L);
        f2.intoArray(r, ro + 2 * L);
        f3.intoArray(r, ro + 3 * L);
    }

    /** The signed low 16 bits of each int lane, as floats. */
    static FloatVector low(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0);
    }

    /** The signed high 16 bits of each int lane, as floats. */
    static FloatVector high(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0);
    }

    /** One Q8_0 panel (values at byte {@code at}, scales in {@code sc}) against one quantized activation row: {@code r[ro .. ro + P)}. */
    static void q8(MemorySegment w, long at, int blocks, float[] sc, short[] q, int qo, float[] d, int db, float[] r, int ro) {
        FloatVector f0 = FloatVector.zero(F), f1 = f0;
        for (int b = 0; b < blocks; b++) {
            long o = at + (long) b * Q8_BLOCK;
            IntVector i0 = IntVector.zero(Vec.I), i1 = i0;
            int xb = qo + b * 32;
            for (int t = 0; t < 16; t++) {
                ShortVector v = ShortVector.fromMemorySegment(SW, w, o + (long) t * 2 * Q8_ROWS, LE);
                ShortVector even = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8), odd = v.lanewise(VectorOperators.ASHR, 8);
                IntVector pair = even.mul(q[xb + 2 * t]).add(odd.mul(q[xb + 2 * t + 1])).reinterpretAsInts();
                i0 = i0.add(pair.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i1 = i1.add(pair.lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector dx = FloatVector.broadcast(F, d[db + b]);
            int s = b * Q8_ROWS;
            f0 = ((FloatVector) i0.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(FloatVector.fromArray(F, sc, s), f0);
            f1 = ((FloatVector) i1.convertShape(VectorOperators.I2F, F, 0)).mul(dx).fma(FloatVector.fromArray(F, sc, s + L), f1);
        }
        f0.intoArray(r, ro);
        f1.intoArray(r, ro + L);
    }
}
