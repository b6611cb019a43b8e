package dev.mm1j.cpu.simd;

import static dev.mm1j.cpu.simd.Vec.F;
import static dev.mm1j.cpu.simd.Vec.L;
import static dev.mm1j.cpu.simd.Vec.LE;

import dev.mm1j.core.DType;
import dev.mm1j.cpu.PackedWeight;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * {@code out[M, N] = x[M, K] · w[N, K]ᵀ} for M beyond a few rows: packed panels and a register-blocked
 * micro-kernel, BLIS-style. x is packed into MR-row micro-panels (k-major, MR values per k, broadcast by the
 * kernel), w into NR-row micro-panels (k-major, NR = 2 vectors per k); weights of any dtype are decoded to
 * F32 while packing, once per call. Loops, outermost first: threads over N-chunks of w; K in KC blocks;
 * w blocks of NB rows (packed, L2-resident); x micro-panels (L1-resident); w micro-panels; kernel.
 */
final class Gemm {
    /** Rows of x per micro-panel (see {@link MicroKernels}). */
    static final int MR = MicroKernels.MR;
    /** Rows of w per micro-panel: two vectors. */
    static final int NR = MicroKernels.NR;
    /**
     * Largest K block (a multiple of the 32-block so quantized rows split on block boundaries). 768 measured best of
     * 256–1024 (2 threads, 1024³–2048³ and the ViT MLP shape: 256 gave ~8 % less): fewer passes over C and longer
     * kernel loops, the packed w block (NB × KC floats, 1.5 MB) still within the 2 MB L2.
     */
    static final int KC = 768;
    /** Rows of w per packed block. */
    static final int NB = Math.max(NR, (480 / NR) * NR);
    /** Rows of x per packed block, at most. */
    static final int MB = 2048;

    /** Offsets of L consecutive rows of a KC-wide buffer (a column read by a gather). */
    private static final int[] GATHER = java.util.stream.IntStream.range(0, L).map(i -> i * KC).toArray();
    /** Offsets of L consecutive k steps of an MR-interleaved x micro-panel (a row written by a scatter). */
    private static final int[] SCATTER = java.util.stream.IntStream.range(0, L).map(i -> i * MR).toArray();

    private final Parallel par;
    private final Scratch[] scratch;
    private final PackX packX = new PackX();
    private final Compute compute = new Compute();
    /** The packed x block, shared by every thread (written in one parallel phase, read in the next). */
    private float[] ap = new float[0];

    // the current call (written by the calling thread before each parallel phase)
    private MemorySegment out, x, w;
    private long oo, xo, xs, wo, ws;
    private DType wt;
    /** Non-null when w is packed into panels (decoded by {@link PanelDecode} while packing). */
    private PackedWeight packed;
    private int m, n, k, m0, mc, k0, kc;

    Gemm(Parallel par, Scratch[] scratch) {
        this.par = par;
        this.scratch = scratch;
    }

    /**
     * out (element offset oo, row stride n) = x (F32, element offset xo, row stride xs, unit column stride)
     * times w (dtype wt, element offset wo, row stride ws in elements, unit column stride) transposed.
     * Per x block and K block: x is packed by all threads (phase 1), then threads take chunks of w rows,
     * pack them and run the micro-kernel against the shared x panels (phase 2). Calls allocate nothing.
     */
    synchronized void run(MemorySegment out, long oo, MemorySegment x, long xo, long xs, DType wt, MemorySegment w, long wo, long ws, int m, int n, int k) {
        this.out = out;
        this.oo = oo;
        this.x = x;
        this.xo = xo;
        this.xs = xs;
        this.wt = wt;
        this.w = w;
        this.wo = wo;
        this.ws = ws;
        this.m = m;
        this.n = n;
        this.k = k;
        // rows of x per block: at most MB, the blocks of one call equal (a small last block would cost a whole pass of w)
        int blocks = (m + MB - 1) / MB, mb = roundUp((m + blocks - 1) / blocks, MR);
        if (ap.length < mb * KC) ap = new float[mb * KC];
        boolean serial = 2L * m * n * k < (1 << 22) || par.threads() == 1;
        int panels = (n + NR - 1) / NR;
        // K blocks of at most KC, equal up to the 32-block (K = 1024 runs as 2 × 512 rather than 768 + 256)
        int kBlocks = (k + KC - 1) / KC, kb = Math.min(KC, roundUp((k + kBlocks - 1) / kBlocks, 32));
        try {
            for (m0 = 0; m0 < m; m0 += mb) {
                mc = Math.min(mb, m - m0);
                for (k0 = 0; k0 < k; k0 += kb) {
                    kc = Math.min(kb, k - k0);
                    int xPanels = (mc + MR - 1) / MR;
                    if (serial) {
                        packX.run(0, 0, xPanels);
                        compute.run(0, 0, panels);
                    } else {
                        par.run(packX, xPanels, Math.max(1, 64 / MR), 1);
                        par.run(compute, panels, computeChunk(panels, par.threads()), 1);
                    }
                }
            }
        } finally {
            this.out = this.x = this.w = null;
        }
    }

    /** As {@link #run} for a weight packed into {@link Panels}. */
    synchronized void runPacked(MemorySegment out, long oo, MemorySegment x, long xo, long xs, PackedWeight pw, int m) {
        packed = pw;
        try {
            run(out, oo, x, xo, xs, Panels.dtype(pw), pw.bytes(), 0, 0, m, pw.rows(), pw.cols());
        } finally {
            packed = null;
        }
    }

    /**
     * w panels per phase-2 chunk: a multiple of the thread count of chunks (so that equal chunks split
     * evenly), each of about 8 panels or more (a w block worth packing into L2) when there are enough.
     */
    static int computeChunk(int panels, int threads) {
        int chunks = threads * Math.max(1, panels / (threads * 8));
        return (panels + chunks - 1) / chunks;
    }

    /** Phase 1: x micro-panels [from, to) of the current block. */
    private final class PackX implements Parallel.Body {
        /**
         * ap[p·MR·KC + kk·MR + i] = x[m0 + p·MR + i, k0 + kk] for micro-panels p in [from, to), rows past mc zero:
         * the MR values the micro-kernel broadcasts at step kk lie together (one cache line), which runs the
         * kernel ~10 % faster than broadcasting from MR rows KC apart. Each row is read as vectors and
         * scattered MR apart.
         */
        @Override
        public void run(int worker, int from, int to) {
            float[] a = ap;
            for (int p = from; p < to; p++) {
                int base = p * MR * KC;
                for (int i = 0; i < MR; i++) {
                    int r = p * MR + i;
                    if (r >= mc) {
                        for (int kk = 0; kk < kc; kk++) a[base + kk * MR + i] = 0f;
                        continue;
                    }
                    long src = (xo + (long) (m0 + r) * xs + k0) * 4;
                    int kk = 0;
                    for (; kk + L <= kc; kk += L) FloatVector.fromMemorySegment(F, x, src + kk * 4L, LE).intoArray(a, base + kk * MR + i, SCATTER, 0);
                    for (; kk < kc; kk++) a[base + kk * MR + i] = x.get(Rows.JF, src + kk * 4L);
                }
            }
        }
    }

    /** Phase 2: w micro-panels [from, to) against every x micro-panel of the block. */
    private final class Compute implements Parallel.Body {
        @Override
        public void run(int worker, int from, int to) {
            Scratch s = scratch[worker];
            float[] bp = s.floats(1, NB * KC);
            float[] row = s.floats(2, NR * KC);
            float[] tile = s.floats(3, MR * NR);
            float[] a = ap;
            boolean first = k0 == 0;
            int n0 = from * NR, n1 = Math.min(n, to * NR);
            for (int nb0 = n0; nb0 < n1; nb0 += NB) {
                int nc = Math.min(NB, n1 - nb0);
                packW(bp, row, nb0, nc);
                for (int i = 0; i < mc; i += MR) {
                    int mr = Math.min(MR, mc - i);
                    for (int j = 0; j < nc; j += NR) {
                        int nr = Math.min(NR, nc - j);
                        MicroKernels.kernel(a, i * KC, bp, j * kc, kc, tile, 0, NR, false);
                        merge(tile, out, oo + (long) (m0 + i) * n + nb0 + j, n, mr, nr, first);
                    }
                }
            }
        }

        /**
         * bp[(j/NR)·NR·kc + kk·NR + j%NR] = w[nb0 + j, k0 + kk] as F32, rows past nc zero: each NR-row panel is
         * decoded row by row into {@code rows} (KC apart), then transposed L rows at a time with gathers.
         */
        private void packW(float[] bp, float[] rows, int nb0, int nc) {
            if (packed != null) {
                int pr = packed.panelRows();
                long panelBytes = Panels.panelBytes(wt, k);
                for (int p = 0; p < nc; p += NR) {
                    int row = nb0 + p;
                    PanelDecode.decode(w, wt, (row / pr) * panelBytes, k, (row % pr) / NR, k0, kc, bp, p * kc);
                }
                return;
            }
            for (int p = 0; p < nc; p += NR) {
                int base = p * kc;
                for (int j = 0; j < NR; j++) {
                    if (p + j < nc) Rows.decode(wt, w, wo + (nb0 + p + j) * ws + k0, rows, j * KC, kc);
                    else java.util.Arrays.fill(rows, j * KC, j * KC + kc, 0f);
                }
                for (int kk = 0; kk < kc; kk++) {
                    for (int h = 0; h < NR; h += L) FloatVector.fromArray(F, rows, h * KC + kk, GATHER, 0).intoArray(bp, base + kk * NR + h);
                }
            }
        }
    }

    /** Writes (first K block) or adds the mr × nr corner of the MR × NR tile into out rows of length n. */
    private static void merge(float[] tile, MemorySegment out, long off, int n, int mr, int nr, boolean first) {
        for (int i = 0; i < mr; i++) {
            long o = (off + (long) i * n) * 4;
            int j = 0;
            for (; j + L <= nr; j += L) {
                FloatVector t = FloatVector.fromArray(F, tile, i * NR + j);
                if (!first) t = t.add(FloatVector.fromMemorySegment(F, out, o + j * 4L, LE));
                t.intoMemorySegment(out, o + j * 4L, LE);
            }
            for (; j < nr; j++) {
                float t = tile[i * NR + j];
                out.set(Rows.JF, o + j * 4L, first ? t : t + out.get(Rows.JF, o + j * 4L));
            }
        }
    }

    private static int roundUp(int a, int b) {
        return (a + b - 1) / b * b;
    }
}
