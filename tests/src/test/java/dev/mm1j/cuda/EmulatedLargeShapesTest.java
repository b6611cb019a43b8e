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
            // 2 x 2 tiles of 128 (3 x 3 of 64 for F32), 3 k-tiles of 32
            try (Tensor x = host(DType.F32, 136, 96); Tensor w = host(wt, 132, 96); Tensor out = Tensor.allocateHost(DType.F32, 136, 132)) {
                check("matmul " + wt + " 136x132x96 (aligned: vector loads)", 1e-5, (b, t) -> new Ops(b).matmul(t[0], t[1], t[2]), out, x, w);
            }
        }
        for (DType wt : new DType[] {DType.BF16, DType.F16}) {
            try (Tensor x = host(DType.F32, 130, 65); Tensor w = host(wt, 129, 64); Tensor out = Tensor.allocateHost(DType.F32, 130, 129)) {
                check("matmul " + wt + " x[:, 1:] 130x129x64 (unaligned: scalar loads)", 1e-5,
                    (b, t) -> new Ops(b).matmul(t[0], t[1].slice(1, 1, 65), t[2]), out, x, w);
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
        try (Tensor q = host(DType.F32, 1, 4, 64); Tensor k = host(DType.BF16, 300, 2, 64); Tensor v = host(DType.BF16, 300, 2, 64);
             Tensor o = Tensor.allocateHost(DType.F32, 1, 4, 64)) {
            check("attention decode Tk=300 (split + combine) GQA BF16", 1e-5,
                (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.125f, true, 299), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 70, 2, 80); Tensor k = host(DType.F16, 70, 2, 80); Tensor v = host(DType.F16, 70, 2, 80);
             Tensor o = Tensor.allocateHost(DType.F32, 70, 2, 80)) {
            check("attention Tq=Tk=70 D=80 causal F16", 1e-5, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.11f, true, 0), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 17, 1, 256); Tensor k = host(DType.F32, 40, 1, 256); Tensor o = Tensor.allocateHost(DType.F32, 17, 1, 256)) {
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
