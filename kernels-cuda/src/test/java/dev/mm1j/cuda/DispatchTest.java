package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.quant.Quant;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backend's Java side on a {@link HostDevice}: memory really moves, kernels do not run. Checks that
 * every op reaches the kernel it should with well-formed launches (see HostDevice), that strided and host
 * operands are staged, and that temporaries go back to the pool. What the kernels compute is checked on a
 * GPU by CudaConformanceTest and the kit.
 */
class DispatchTest {
    private HostDevice dev;
    private CudaBackend cuda;
    private Ops ops;
    private final Random rnd = new Random(7);

    @BeforeEach
    void setUp() {
        dev = new HostDevice();
        cuda = new CudaBackend(dev, true);
        ops = new Ops(cuda);
    }

    @AfterEach
    void tearDown() {
        cuda.close();
    }

    private Tensor dev(DType dt, long... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        try (Tensor h = Tensor.allocateHost(dt, shape)) {
            Quant.encode(dt, v, 0, v.length, h.data(), 0);
            return cuda.upload(h);
        }
    }

    private List<Kernel> kernelsOf(Runnable r) {
        int before = dev.launches.size();
        r.run();
        return dev.launches.subList(before, dev.launches.size()).stream().map(HostDevice.Launch::kernel).toList();
    }

    private HostDevice.Launch last() {
        return dev.launches.getLast();
    }

    @Test
    void uploadAndCopyOutRoundTripEveryDtype() {
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            float[] v = new float[64];
            for (int i = 0; i < v.length; i++) v[i] = i * 0.25f - 3;
            try (Tensor h = Tensor.allocateHost(dt, 2, 32); Tensor back = Tensor.allocateHost(dt, 2, 32)) {
                Quant.encode(dt, v, 0, v.length, h.data(), 0);
                try (Tensor d = cuda.upload(h)) {
                    assertFalse(d.isHost());
                    cuda.copyOut(d, back.data());
                }
                assertArrayEquals(h.toFloatArray(), back.toFloatArray(), dt.toString());
            }
        }
    }

    @Test
    void contiguousSameDtypeCopyIsAMemcpyAndStridedCopyALaunch() {
        try (Tensor a = dev(DType.F32, 4, 8); Tensor b = cuda.allocate(DType.F32, 4, 8); Tensor c = cuda.allocate(DType.F32, 8, 4);
             Tensor h = Tensor.allocateHost(DType.F32, 4, 8)) {
            assertEquals(List.of(), kernelsOf(() -> ops.copy(b, a)));
            cuda.copyOut(b, h.data());
            float[] expect = new float[32];
            cuda.copyOut(a, MemorySegment.ofArray(expect));
            assertArrayEquals(expect, h.toFloatArray());
            assertEquals(List.of(Kernels.EW_COPY), kernelsOf(() -> ops.copy(c, a.transpose(0, 1))));
        }
    }

    @Test
    void elementwiseOpsLaunchOneKernelEach() {
        try (Tensor a = dev(DType.F32, 3, 5); Tensor b = dev(DType.F32, 5); Tensor o = cuda.allocate(DType.F32, 3, 5)) {
            assertEquals(List.of(Kernels.EW_BINARY), kernelsOf(() -> ops.add(o, a, b)));
            assertEquals(List.of(Kernels.EW_BINARY), kernelsOf(() -> ops.mul(o, o, a)));
            assertEquals(List.of(Kernels.EW_BINARY), kernelsOf(() -> ops.swiglu(o, a, o)));
            assertEquals(List.of(Kernels.EW_SCALE), kernelsOf(() -> ops.scale(o, a, 2f)));
            for (UnaryOp u : UnaryOp.values()) assertEquals(List.of(Kernels.EW_UNARY), kernelsOf(() -> ops.unary(u, o, a)));
            assertEquals(List.of(Kernels.EW_FILL), kernelsOf(() -> ops.fill(o.transpose(0, 1), 1f)));
        }
        try (Tensor a = dev(DType.F32, 3, 5); Tensor w = dev(DType.F32, 4, 5); Tensor bias = dev(DType.F32, 4); Tensor o = cuda.allocate(DType.F32, 3, 4)) {
            assertEquals(List.of(Kernels.GEMV_F32, Kernels.EW_BINARY), kernelsOf(() -> ops.linear(o, a, w, bias)));
        }
    }

    @Test
    void rowOpsAddressViewsDirectlyAndCopyWhatTheyCannot() {
        try (Tensor x = dev(DType.F32, 2, 3, 8); Tensor o = cuda.allocate(DType.F32, 2, 3, 8); Tensor w = dev(DType.F32, 8); Tensor m = cuda.allocate(DType.F32, 2, 3)) {
            assertEquals(List.of(Kernels.ROW_SOFTMAX), kernelsOf(() -> ops.softmax(o, x, true, 1)));
            assertEquals(6, last().gx());
            assertEquals(List.of(Kernels.ROW_RMSNORM), kernelsOf(() -> ops.rmsNorm(o, x, w, 1e-5f)));
            assertEquals(List.of(Kernels.ROW_LAYERNORM), kernelsOf(() -> ops.layerNorm(o, x, w, null, 1e-5f)));
            assertEquals(List.of(Kernels.ROW_MEAN), kernelsOf(() -> ops.mean(m, x)));
            // [3, 2, 8] with strides [8, 24, 1]: rows do not merge, so x is copied first; out likewise, copied back
            Tensor xt = x.transpose(0, 1), ot = o.transpose(0, 1);
            assertEquals(List.of(Kernels.EW_COPY, Kernels.EW_COPY, Kernels.ROW_SOFTMAX, Kernels.EW_COPY), kernelsOf(() -> ops.softmax(ot, xt)));
        }
    }

    @Test
    void ropeTakesStridedQueriesInPlace() {
        try (Tensor qkv = dev(DType.F32, 5, 3, 4, 16); Tensor pos = cuda.upload(Tensor.ofInts(new int[] {0, 1, 2, 3, 4}, 5));
             Tensor inv = dev(DType.F32, 8)) {
            Tensor q = qkv.select(1, 0);
            assertEquals(List.of(Kernels.ROPE), kernelsOf(() -> ops.rope(q, q, pos, inv)));
        }
    }

    @Test
    void matmulPicksGemvForFewRowsAndGemmForMany() {
        Kernel[] gemv = {Kernels.GEMV_F32, Kernels.GEMV_F16, Kernels.GEMV_BF16, Kernels.GEMV_Q8_0, Kernels.GEMV_Q4_0};
        Kernel[] gemm = {Kernels.GEMM_F32, Kernels.GEMM_MMA_F16, Kernels.GEMM_MMA_BF16, Kernels.GEMM_MMA_Q8_0, Kernels.GEMM_MMA_Q4_0};
        DType[] types = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0};
        for (int i = 0; i < types.length; i++) {
            try (Tensor w = dev(types[i], 40, 64); Tensor x1 = dev(DType.F32, 1, 64); Tensor o1 = cuda.allocate(DType.F32, 1, 40);
                 Tensor x9 = dev(DType.F32, 3, 3, 64); Tensor o9 = cuda.allocate(DType.F32, 3, 3, 40)) {
                assertEquals(List.of(gemv[i]), kernelsOf(() -> ops.matmul(o1, x1, w)));
                assertEquals(5, last().gx()); // 40 rows of w, 8 per block
                assertEquals(List.of(gemm[i]), kernelsOf(() -> ops.matmul(o9, x9, w)));
            }
        }
    }

    @Test
    void gemvUsesWideLoadsOnlyWhenAligned() {
        try (Tensor w = dev(DType.BF16, 16, 64); Tensor x = dev(DType.F32, 2, 65); Tensor o = cuda.allocate(DType.F32, 1, 16)) {
            ops.matmul(o, x.slice(0, 0, 1).slice(1, 0, 64), w);
            assertEquals(Kernels.GEMV_BF16, last().kernel());
            assertEquals(1L, last().raw().get(11)); // the vec flag
            ops.matmul(o, x.slice(0, 0, 1).slice(1, 1, 65), w); // x starts 4 bytes into its row: scalar loads
            assertEquals(0L, last().raw().get(11));
        }
    }

    @Test
    void tensorCoreGemmVectorisesAlignedOperandsOnly() {
        try (Tensor w = dev(DType.BF16, 16, 64); Tensor x = dev(DType.F32, 20, 65); Tensor o = cuda.allocate(DType.F32, 20, 16);
             Tensor q = dev(DType.Q8_0, 16, 64); Tensor xa = dev(DType.F32, 20, 64)) {
            ops.matmul(o, xa, w);
            assertEquals(Kernels.GEMM_MMA_BF16, last().kernel());
            assertEquals((long) (CudaProducts.GEMM_SPLIT | CudaProducts.GEMM_VEC_X | CudaProducts.GEMM_VEC_W), last().raw().get(11));
            ops.matmul(o, x.slice(1, 1, 65), w); // rows 65 floats apart, starting 4 bytes in: scalar x loads
            assertEquals((long) (CudaProducts.GEMM_SPLIT | CudaProducts.GEMM_VEC_W), last().raw().get(11));
            ops.matmul(o, xa, q);
            assertEquals((long) (CudaProducts.GEMM_SPLIT | CudaProducts.GEMM_VEC_X), last().raw().get(11));
        }
    }

    @Test
    void batchedWeightsUseTheGridsZDimension() {
        try (Tensor w = dev(DType.F32, 4, 16, 32); Tensor x = dev(DType.F32, 4, 20, 32); Tensor o = cuda.allocate(DType.F32, 4, 20, 16)) {
            assertEquals(List.of(Kernels.GEMM_F32), kernelsOf(() -> ops.matmul(o, x, w)));
            assertEquals(4, last().gz());
        }
    }

    @Test
    void attentionSplitsLongKeyRangesForDecodeAndFallsBackForHugeHeads() {
        try (Tensor q = dev(DType.F32, 1, 8, 64); Tensor k = dev(DType.BF16, 1000, 2, 64); Tensor v = dev(DType.BF16, 1000, 2, 64);
             Tensor o = cuda.allocate(DType.F32, 1, 8, 64)) {
            assertEquals(List.of(Kernels.ATTN_FWD, Kernels.ATTN_COMBINE), kernelsOf(() -> ops.attention(o, q, k, v, 0.125f, true, 999)));
            assertTrue(dev.launches.get(dev.launches.size() - 2).gz() > 1);
        }
        try (Tensor q = dev(DType.F32, 64, 4, 32); Tensor k = dev(DType.F32, 64, 4, 32); Tensor o = cuda.allocate(DType.F32, 64, 4, 32)) {
            assertEquals(List.of(Kernels.ATTN_FWD), kernelsOf(() -> ops.attention(o, q, k, k, 0.2f, false, 0)));
            assertEquals(4, last().gx()); // 16 queries per block
        }
        try (Tensor q = dev(DType.F32, 32, 2, 256); Tensor k = dev(DType.F16, 32, 1, 256); Tensor o = cuda.allocate(DType.F32, 32, 2, 256)) {
            ops.attention(o, q, k, k, 0.1f, false, 0);
            assertTrue(dev.allowedShared > 48 * 1024);
            assertEquals(CudaAttention.attentionShared(256, 256, 16), last().shared());
        }
        try (Tensor q = dev(DType.F32, 4, 2, 300); Tensor k = dev(DType.F32, 4, 2, 300); Tensor o = cuda.allocate(DType.F32, 4, 2, 300)) {
            List<Kernel> ks = kernelsOf(() -> ops.attention(o, q, k, k, 0.1f, false, 0));
            assertFalse(ks.contains(Kernels.ATTN_FWD));
            assertTrue(ks.contains(Kernels.ROW_SOFTMAX));
        }
    }

    @Test
    void convolutionsPoolingResizeAndIndexing() {
        try (Tensor x = dev(DType.F32, 6, 6, 8); Tensor pw = dev(DType.F32, 4, 8, 1, 1); Tensor dw = dev(DType.BF16, 8, 1, 3, 3);
             Tensor o1 = cuda.allocate(DType.F32, 6, 6, 4); Tensor o2 = cuda.allocate(DType.F32, 6, 6, 8); Tensor p = cuda.allocate(DType.F32, 4, 4, 8)) {
            assertEquals(List.of(Kernels.GEMM_F32), kernelsOf(() -> ops.conv2d(o1, x, pw, 1, 0, 1))); // composed default; its im2col is a memcpy
            assertEquals(List.of(Kernels.CONV2D_DIRECT), kernelsOf(() -> ops.conv2d(o2, x, dw, 1, 1, 8)));
            assertEquals(List.of(Kernels.ADAPTIVE_AVG_POOL2D), kernelsOf(() -> ops.adaptiveAvgPool2d(p, x)));
            assertEquals(List.of(Kernels.RESIZE_BICUBIC), kernelsOf(() -> ops.resizeBicubic(p, x)));
        }
        try (Tensor table = dev(DType.Q4_0, 10, 64); Tensor ids = cuda.upload(Tensor.ofInts(new int[] {3, 9, 0}, 3)); Tensor rows = cuda.allocate(DType.F32, 3, 64);
             Tensor cache = cuda.allocate(DType.BF16, 16, 64); Tensor vals = cuda.allocate(DType.F32, 3, 2); Tensor idx = cuda.allocate(DType.I32, 3, 2);
             Tensor acc = cuda.allocate(DType.F32, 10, 64); Tensor wts = dev(DType.F32, 3)) {
            assertEquals(List.of(Kernels.GET_ROWS), kernelsOf(() -> ops.getRows(rows, table, ids)));
            assertEquals(List.of(Kernels.SET_ROWS), kernelsOf(() -> cuda.setRows(cache, rows, ids)));
            assertEquals(List.of(Kernels.TOP_K), kernelsOf(() -> ops.topK(vals, idx, rows, 2)));
            assertEquals(List.of(Kernels.INDEX_ADD), kernelsOf(() -> ops.indexAdd(acc, rows, ids, wts)));
        }
    }

    @Test
    void hostOperandsAreStagedAndTemporariesPooled() {
        try (Tensor w = dev(DType.F32, 8, 16); Tensor x = Tensor.of(new float[32], 2, 16); Tensor out = Tensor.allocateHost(DType.F32, 2, 8)) {
            out.data().fill((byte) 0x7f);
            ops.matmul(out, x, w); // kernels do not run: the staged output (uploaded from out) comes back unchanged
            assertEquals(Float.intBitsToFloat(0x7f7f7f7f), out.toFloatArray()[0]);
            int live = dev.liveAllocations();
            for (int i = 0; i < 10; i++) ops.matmul(out, x, w);
            assertEquals(live, dev.liveAllocations(), "temporaries must come from the pool");
        }
    }

    @Test
    void anErrorRecordedOnTheDeviceSurfacesOnceAtSynchronize() {
        MemorySegment one = MemorySegment.ofArray(new int[] {CudaBackend.ERR_GET_ROWS});
        dev.copyToDevice(cuda.errorWord(), one, 4);
        Mm1jException e = assertThrows(Mm1jException.class, cuda::synchronize);
        assertTrue(e.getMessage().startsWith("[get_rows] an id was outside the table"), e.getMessage());
        cuda.synchronize(); // cleared
    }

    @Test
    void closedDeviceMemoryAndForeignTensorsAreClearErrors() {
        Tensor t = cuda.allocate(DType.F32, 4);
        t.close();
        assertThrows(Mm1jException.class, () -> cuda.copyOut(t, MemorySegment.ofArray(new float[4])));
        assertThrows(Mm1jException.class, () -> t.toFloatArray());
    }
}
