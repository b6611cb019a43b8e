package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.Quant;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kernels against the reference backend at sizes the conformance kit's small cases do not reach:
 * several tensor-core tiles in every direction, split-K attention over thousands of keys, vocabulary-sized
 * rows, big gathers and scatters. Runs only where CUDA is available; elsewhere it is skipped with the reason.
 * Error measure: max |cuda - reference| / max |reference|.
 */
class CudaGpuTest {
    private static Backend cuda;
    private static Ops ops;
    private static final ReferenceBackend REF = new ReferenceBackend();
    private final Random rnd = new Random(11);

    @BeforeAll
    static void open() {
        String why = new CudaBackendProvider().unavailableReason();
        if (why != null) System.out.println("[cuda] CudaGpuTest SKIPPED: " + why);
        Assumptions.assumeTrue(why == null, why);
        cuda = new CudaBackendProvider().create(BackendOptions.defaults());
        ops = new Ops(cuda);
        System.out.println("[cuda] " + cuda.description());
    }

    @AfterAll
    static void close() {
        if (cuda != null) cuda.close();
    }

    private Tensor host(DType dt, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        Tensor t = Tensor.allocateHost(dt, shape);
        Quant.encode(dt, v, 0, v.length, t.data(), 0);
        return t;
    }

    private static Tensor back(Tensor d) {
        Tensor h = Tensor.allocateHost(d.dtype(), d.shape());
        cuda.copyOut(d, h.data());
        return h;
    }

    /** Runs {@code op} on host copies with the reference and on device copies with cuda; compares the output (argument 0). */
    private static void check(String what, double budget, BiConsumer<Backend, Tensor[]> op, Tensor... hostArgs) {
        Tensor[] dev = new Tensor[hostArgs.length];
        for (int i = 0; i < hostArgs.length; i++) dev[i] = cuda.upload(hostArgs[i]);
        op.accept(REF, hostArgs);
        op.accept(cuda, dev);
        float[] want = hostArgs[0].toFloatArray();
        float[] got;
        try (Tensor h = back(dev[0])) {
            got = h.toFloatArray();
        }
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            maxErr = Math.max(maxErr, Float.isNaN(got[i]) != Float.isNaN(want[i]) ? Double.POSITIVE_INFINITY : Math.abs(got[i] - want[i]));
        }
        double rel = maxErr / Math.max(maxRef, 1e-30);
        System.out.printf("[cuda] %-60s rel err %.2e (budget %.0e)%n", what, rel, budget);
        assertTrue(rel <= budget, what + ": relative error " + rel + " > " + budget);
        for (Tensor t : dev) if (t != null) t.close();
    }

    @Test
    void matmulEveryWeightDtypeGemvAndTensorCoreSizes() {
        for (DType wt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            for (long m : new long[] {1, 5, 300}) {
                try (Tensor out = Tensor.allocateHost(DType.F32, m, 257); Tensor x = host(DType.F32, m, 1024); Tensor w = host(wt, 257, 1024)) {
                    check("matmul " + wt + " M=" + m + " N=257 K=1024", 1e-4, (b, t) -> new Ops(b).matmul(t[0], t[1], t[2]), out, x, w);
                }
            }
        }
    }

    @Test
    void fastGemmStaysWithinBf16Rounding() {
        try (Backend fast = new CudaBackendProvider().create(new BackendOptions(0, Map.of("cuda.gemm", "fast")));
             Tensor x = host(DType.F32, 200, 512); Tensor w = host(DType.BF16, 130, 512); Tensor out = Tensor.allocateHost(DType.F32, 200, 130);
             Tensor xd = fast.upload(x); Tensor wd = fast.upload(w); Tensor od = fast.allocate(DType.F32, 200, 130)) {
            REF.matmul(out, x, w);
            new Ops(fast).matmul(od, xd, wd);
            Tensor h = Tensor.allocateHost(DType.F32, 200, 130);
            fast.copyOut(od, h.data());
            float[] a = out.toFloatArray(), g = h.toFloatArray();
            double max = 0, err = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i]));
                err = Math.max(err, Math.abs(a[i] - g[i]));
            }
            assertTrue(err / max < 2e-2, "fast gemm error " + err / max);
        }
    }

    @Test
    void attentionDecodeSplitsViTAndCausalPrefill() {
        try (Tensor q = host(DType.F32, 1, 8, 128); Tensor k = host(DType.BF16, 3000, 2, 128); Tensor v = host(DType.BF16, 3000, 2, 128);
             Tensor o = Tensor.allocateHost(DType.F32, 1, 8, 128)) {
            check("attention decode Tq=1 Tk=3000 GQA 8/2 D=128 BF16", 1e-4, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.088f, true, 2999), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 300, 4, 80); Tensor k = host(DType.F32, 300, 4, 80); Tensor v = host(DType.F32, 300, 4, 80);
             Tensor o = Tensor.allocateHost(DType.F32, 300, 4, 80)) {
            check("attention ViT-like Tq=Tk=300 H=4 D=80 F32", 1e-4, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.11f, false, 0), o, q, k, v);
        }
        try (Tensor q = host(DType.F32, 2, 40, 6, 64); Tensor k = host(DType.F16, 2, 100, 3, 64); Tensor v = host(DType.F16, 2, 100, 3, 32);
             Tensor o = Tensor.allocateHost(DType.F32, 2, 40, 6, 32)) {
            check("attention batched causal offset 60, Dv=32 != D, F16", 1e-4, (b, t) -> new Ops(b).attention(t[0], t[1], t[2], t[3], 0.125f, true, 60), o, q, k, v);
        }
    }

    @Test
    void rowsOfVocabularySizeAndTopK() {
        try (Tensor x = host(DType.F32, 3, 50001); Tensor o = Tensor.allocateHost(DType.F32, 3, 50001)) {
            check("softmax 3 x 50001", 1e-5, (b, t) -> new Ops(b).softmax(t[0], t[1]), o, x);
        }
        try (Tensor x = host(DType.F32, 5, 4096); Tensor w = host(DType.F32, 4096); Tensor o = Tensor.allocateHost(DType.F32, 5, 4096)) {
            check("rms_norm 5 x 4096", 1e-5, (b, t) -> new Ops(b).rmsNorm(t[0], t[1], t[2], 1e-6f), o, x, w);
            check("layer_norm 5 x 4096", 1e-5, (b, t) -> new Ops(b).layerNorm(t[0], t[1], t[2], null, 1e-6f), o, x, w);
        }
        try (Tensor x = host(DType.F32, 2, 150000); Tensor vals = Tensor.allocateHost(DType.F32, 2, 40); Tensor idx = Tensor.allocateHost(DType.I32, 2, 40);
             Tensor xd = cuda.upload(x); Tensor vd = cuda.allocate(DType.F32, 2, 40); Tensor id = cuda.allocate(DType.I32, 2, 40)) {
            REF.topK(vals, idx, x, 40);
            ops.topK(vd, id, xd, 40);
            try (Tensor hv = back(vd); Tensor hi = back(id)) {
                assertArrayEquals(idx.toIntArray(), hi.toIntArray(), "top_k indices");
                assertArrayEquals(vals.toFloatArray(), hv.toFloatArray(), "top_k values");
            }
        }
    }

    @Test
    void gathersScattersAndGrids() {
        int[] ids = new int[300];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(1000);
        try (Tensor table = host(DType.Q4_0, 1000, 3072); Tensor idt = Tensor.ofInts(ids, 300); Tensor o = Tensor.allocateHost(DType.F32, 300, 3072)) {
            check("get_rows Q4_0 300 of 1000 x 3072", 0, (b, t) -> new Ops(b).getRows(t[0], t[1], t[2]), o, table, idt);
        }
        try (Tensor acc = host(DType.F32, 1000, 3072); Tensor src = host(DType.F32, 300, 3072); Tensor idt = Tensor.ofInts(ids, 300); Tensor w = host(DType.F32, 300)) {
            check("index_add 300 rows (repeats) into 1000 x 3072", 1e-6, (b, t) -> new Ops(b).indexAdd(t[0], t[1], t[2], t[3]), acc, src, idt, w);
        }
        try (Tensor cache = host(DType.BF16, 4096, 256); Tensor src = host(DType.F32, 3, 256); Tensor idt = Tensor.ofInts(new int[] {7, 4095, 0}, 3)) {
            check("set_rows BF16 cache", 0, (b, t) -> b.setRows(t[0], t[1], t[2]), cache, src, idt);
        }
        try (Tensor x = host(DType.F32, 24, 24, 256); Tensor w = host(DType.F32, 256, 1, 3, 3); Tensor o = Tensor.allocateHost(DType.F32, 24, 24, 256)) {
            check("conv2d depthwise 3x3 pad 1 on 24x24x256", 1e-5, (b, t) -> new Ops(b).conv2d(t[0], t[1], t[2], 1, 1, 256), o, x, w);
        }
        try (Tensor x = host(DType.F32, 27, 27, 64); Tensor o = Tensor.allocateHost(DType.F32, 12, 12, 64); Tensor r = Tensor.allocateHost(DType.F32, 37, 37, 64)) {
            check("adaptive_avg_pool2d 27 -> 12", 1e-6, (b, t) -> new Ops(b).adaptiveAvgPool2d(t[0], t[1]), o, x);
            check("resize_bicubic 27 -> 37", 1e-5, (b, t) -> new Ops(b).resizeBicubic(t[0], t[1]), r, x);
        }
    }

    @Test
    void anIdOutsideTheTableIsReportedAtTheNextSynchronize() {
        try (Tensor table = cuda.upload(host(DType.F32, 10, 64)); Tensor ids = cuda.upload(Tensor.ofInts(new int[] {3, 10}, 2)); Tensor o = cuda.allocate(DType.F32, 2, 64)) {
            ops.getRows(o, table, ids);
            Mm1jException e = assertThrows(Mm1jException.class, cuda::synchronize);
            assertTrue(e.getMessage().contains("[get_rows]"), e.getMessage());
            cuda.synchronize(); // reported once
        }
    }
}
