package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.Quant;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paths the kit's small cases do not reach, on the host emulator: several tensor-core tiles in M, N and K
 * with and without vectorised loads, accurate and fast GEMM, attention split over the keys and combined,
 * wide rows. Error measure: max |cuda - reference| / max |reference|.
 */
class EmulatedLargeShapesTest {
    private static CudaBackend cuda, fast;
    private static final ReferenceBackend REF = new ReferenceBackend();
    private final Random rnd = new Random(5);

    @BeforeAll
    static void open() {
        String why = EmulatedDevice.unavailableReason();
        if (why != null) System.out.println("[cuda-emu] SKIPPED: " + why);
        Assumptions.assumeTrue(why == null, why);
        cuda = new CudaBackend(new EmulatedDevice(), true);
        fast = new CudaBackend(new EmulatedDevice(), false);
    }

    @AfterAll
    static void close() {
        if (cuda != null) cuda.close();
        if (fast != null) fast.close();
    }

    private Tensor host(DType dt, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        Tensor t = Tensor.allocateHost(dt, shape);
        Quant.encode(dt, v, 0, v.length, t.data(), 0);
        return t;
    }

    private static double run(CudaBackend be, BiConsumer<Backend, Tensor[]> op, Tensor... hostArgs) {
        Tensor[] dev = new Tensor[hostArgs.length];
        for (int i = 0; i < hostArgs.length; i++) dev[i] = be.upload(hostArgs[i]);
        Tensor expect = Tensor.allocateHost(hostArgs[0].dtype(), hostArgs[0].shape());
        REF.copy(expect, hostArgs[0]);
        Tensor[] refArgs = hostArgs.clone();
        refArgs[0] = expect;
        op.accept(REF, refArgs);
        op.accept(be, dev);
        Tensor got = Tensor.allocateHost(hostArgs[0].dtype(), hostArgs[0].shape());
        be.copyOut(dev[0], got.data());
        float[] w = expect.toFloatArray(), g = got.toFloatArray();
        double max = 0, err = 0;
        for (int i = 0; i < w.length; i++) {
            max = Math.max(max, Math.abs(w[i]));
            err = Math.max(err, Float.isNaN(g[i]) ? Double.POSITIVE_INFINITY : Math.abs(g[i] - w[i]));
        }
        for (Tensor t : dev) t.close();
        return err / Math.max(max, 1e-30);
    }

    private static void check(String what, double budget, BiConsumer<Backend, Tensor[]> op, Tensor... hostArgs) {
        double rel = run(cuda, op, hostArgs);
        System.out.printf("[cuda-emu] %-56s rel err %.2e (budget %.0e)%n", what, rel, budget);
        assertTrue(rel <= budget, what + ": " + rel);
    }

    @Test
    void tensorCoreGemmOverSeveralTiles() {
        for (DType wt : new DType[] {DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0, DType.F32}) {
            try (Tensor x = host(DType.F32, 150, 320); Tensor w = host(wt, 140, 320); Tensor out = Tensor.allocateHost(DType.F32, 150, 140)) {
                check("matmul " + wt + " 150x140x320 (aligned: vector loads)", 1e-5, (b, t) -> new Ops(b).matmul(t[0], t[1], t[2]), out, x, w);
            }
            try (Tensor x = host(DType.F32, 130, 97); Tensor w = host(wt == DType.F32 ? wt : DType.BF16, 129, 96); Tensor out = Tensor.allocateHost(DType.F32, 130, 129)) {
                check("matmul x[:, 1:] 130x129x96 (unaligned: scalar loads)", 1e-5, (b, t) -> new Ops(b).matmul(t[0], t[1].slice(1, 1, 97), t[2]), out, x, w);
            }
        }
        try (Tensor x = host(DType.F32, 40, 256); Tensor w = host(DType.BF16, 64, 256); Tensor out = Tensor.allocateHost(DType.F32, 40, 64)) {
            double rel = run(fast, (b, t) -> new Ops(b).matmul(t[0], t[1], t[2]), out, x, w);
            System.out.printf("[cuda-emu] matmul BF16 cuda.gemm=fast rel err %.2e%n", rel);
            assertTrue(rel < 2e-2 && rel > 1e-6, "fast gemm rounds x to BF16: " + rel);
        }
    }

    @Test
    void attentionSplitOverKeysAndPrefillTiles() {
        try (Tensor q = host(DType.F32, 1, 4, 64); Tensor k = host(DType.BF16, 700, 2, 64); Tensor v = host(DType.BF16, 700, 2, 64);
             Tensor o = Tensor.allocateHost(DType.F32, 1, 4, 64)) {
            check("attention decode Tk=700 (split + combine) GQA BF16", 1e-5, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.125f, true, 699), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 100, 2, 80); Tensor k = host(DType.F16, 100, 2, 80); Tensor v = host(DType.F16, 100, 2, 80);
             Tensor o = Tensor.allocateHost(DType.F32, 100, 2, 80)) {
            check("attention Tq=Tk=100 D=80 causal F16", 1e-5, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.11f, true, 0), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 20, 2, 256); Tensor k = host(DType.F32, 50, 1, 256); Tensor o = Tensor.allocateHost(DType.F32, 20, 2, 256)) {
            check("attention D=256 (opt-in shared memory)", 1e-5, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[2], 0.06f, false, 0), o, q, k);
        }
    }

    @Test
    void wideRowsAndTopK() {
        try (Tensor x = host(DType.F32, 2, 20001); Tensor o = Tensor.allocateHost(DType.F32, 2, 20001)) {
            check("softmax 2 x 20001", 1e-5, (b, t) -> new Ops(b).softmax(t[0], t[1]), o, x);
        }
        try (Tensor x = host(DType.F32, 2, 5000); Tensor vals = Tensor.allocateHost(DType.F32, 2, 16); Tensor idx = Tensor.allocateHost(DType.I32, 2, 16);
             Tensor xd = cuda.upload(x); Tensor vd = cuda.allocate(DType.F32, 2, 16); Tensor id = cuda.allocate(DType.I32, 2, 16);
             Tensor hv = Tensor.allocateHost(DType.F32, 2, 16); Tensor hi = Tensor.allocateHost(DType.I32, 2, 16)) {
            REF.topK(vals, idx, x, 16);
            new Ops(cuda).topK(vd, id, xd, 16);
            cuda.copyOut(vd, hv.data());
            cuda.copyOut(id, hi.data());
            assertArrayEquals(idx.toIntArray(), hi.toIntArray());
            assertArrayEquals(vals.toFloatArray(), hv.toFloatArray());
        }
    }
}
