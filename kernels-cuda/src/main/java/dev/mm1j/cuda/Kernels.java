package dev.mm1j.cuda;

import static dev.mm1j.cuda.Kernel.Param.DIMS;
import static dev.mm1j.cuda.Kernel.Param.F32;
import static dev.mm1j.cuda.Kernel.Param.I32;
import static dev.mm1j.cuda.Kernel.Param.I64;
import static dev.mm1j.cuda.Kernel.Param.PTR;

import java.util.List;

/** Every kernel the backend launches, with its parameters in the order of the {@code .cu} declaration. */
final class Kernels {
    private Kernels() {}

    /**
     * The kernel families, named and ordered like {@link dev.mm1j.core.backend.Op.Family}: one {@code <family>.cu}
     * resource each, all including {@code common.cuh}, launched by the Java class of the same family
     * ({@code CudaProducts}, {@code CudaElementwise}, ...).
     */
    static final List<String> FAMILIES = List.of("products", "elementwise", "rows", "attention", "spatial", "indexing");

    /** The shared header, handed to NVRTC as an in-memory header and to nvcc through {@code -I}. */
    static final String HEADER = "common.cuh";

    // products.cu: every kernel but gemm_f32 takes out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, flag (vec or flags)
    private static Kernel product(String name) {
        return Kernel.of("products", name, PTR, PTR, PTR, I32, I32, I32, I64, I64, I64, I64, I64, I32);
    }

    static final Kernel GEMV_F32 = product("gemv_f32");
    static final Kernel GEMV_F16 = product("gemv_f16");
    static final Kernel GEMV_BF16 = product("gemv_bf16");
    static final Kernel GEMV_Q8_0 = product("gemv_q8_0");
    static final Kernel GEMV_Q4_0 = product("gemv_q4_0");
    static final Kernel GEMM_F32 = Kernel.of("products", "gemm_f32", PTR, PTR, PTR, I32, I32, I32, I64, I64, I64, I64, I64);
    static final Kernel GEMM_MMA_BF16 = product("gemm_mma_bf16");
    static final Kernel GEMM_MMA_F16 = product("gemm_mma_f16");
    static final Kernel GEMM_MMA_Q8_0 = product("gemm_mma_q8_0");
    static final Kernel GEMM_MMA_Q4_0 = product("gemm_mma_q4_0");

    // elementwise.cu
    static final Kernel EW_COPY = Kernel.of("elementwise", "ew_copy", PTR, I32, PTR, I32, I64, I32, DIMS, DIMS, DIMS);
    static final Kernel EW_FILL = Kernel.of("elementwise", "ew_fill", PTR, I32, F32, I64, I32, DIMS, DIMS);
    static final Kernel EW_BINARY = Kernel.of("elementwise", "ew_binary", PTR, PTR, PTR, I32, I64, I32, DIMS, DIMS, DIMS, DIMS);
    static final Kernel EW_SCALE = Kernel.of("elementwise", "ew_scale", PTR, PTR, F32, I64, I32, DIMS, DIMS, DIMS);
    static final Kernel EW_UNARY = Kernel.of("elementwise", "ew_unary", PTR, PTR, I32, I64, I32, DIMS, DIMS, DIMS);

    // rows.cu
    static final Kernel ROW_SOFTMAX = Kernel.of("rows", "row_softmax", PTR, I64, I64, PTR, I64, I64, I32, I32, I64, I64);
    static final Kernel ROW_LAYERNORM = Kernel.of("rows", "row_layernorm", PTR, I64, I64, PTR, I64, I64, PTR, PTR, I32, F32);
    static final Kernel ROW_RMSNORM = Kernel.of("rows", "row_rmsnorm", PTR, I64, I64, PTR, I64, I64, PTR, I32, F32);
    static final Kernel ROW_MEAN = Kernel.of("rows", "row_mean", PTR, I64, PTR, I64, I64, I32);
    static final Kernel ROPE = Kernel.of("rows", "rope", PTR, I64, I64, I64, PTR, I64, I64, I64, PTR, PTR, I32, I32, I32);

    // attention.cu
    static final Kernel ATTN_FWD = Kernel.of("attention", "attn_fwd", PTR, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32,
        I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, F32, I32, I64, I32, I32, PTR);
    static final Kernel ATTN_COMBINE = Kernel.of("attention", "attn_combine", PTR, PTR, I32, I32, I32, I32, I32, I64, I64, I64);

    // spatial.cu
    static final Kernel CONV2D_DIRECT = Kernel.of("spatial", "conv2d_direct", PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32,
        I32, I32, I32, I32, I32, I32, I64, I64, I64, I64);
    static final Kernel ADAPTIVE_AVG_POOL2D = Kernel.of("spatial", "adaptive_avg_pool2d", PTR, PTR, I32, I32, I32, I32, I32, I64, I64, I64);
    static final Kernel RESIZE_BICUBIC = Kernel.of("spatial", "resize_bicubic", PTR, PTR, I32, I32, I32, I32, I32, I64, I64, I64);

    // indexing.cu
    static final Kernel GET_ROWS = Kernel.of("indexing", "get_rows", PTR, PTR, I32, PTR, I64, I32, I32, I64, I64, PTR);
    static final Kernel SET_ROWS = Kernel.of("indexing", "set_rows", PTR, I32, I64, I64, PTR, I64, I64, PTR, I64, I32, I32, PTR);
    static final Kernel TOP_K = Kernel.of("indexing", "top_k", PTR, PTR, PTR, I64, I64, I32, I32);
    static final Kernel INDEX_ADD = Kernel.of("indexing", "index_add", PTR, I64, I64, PTR, I64, I64, PTR, I64, PTR, I64, I32, I32, I32, PTR);

    /** All of the above (the signature test walks this list). */
    static final List<Kernel> ALL = List.of(GEMV_F32, GEMV_F16, GEMV_BF16, GEMV_Q8_0, GEMV_Q4_0, GEMM_F32, GEMM_MMA_BF16,
        GEMM_MMA_F16, GEMM_MMA_Q8_0, GEMM_MMA_Q4_0, EW_COPY, EW_FILL, EW_BINARY, EW_SCALE, EW_UNARY, ROW_SOFTMAX,
        ROW_LAYERNORM, ROW_RMSNORM, ROW_MEAN, ROPE, ATTN_FWD, ATTN_COMBINE, CONV2D_DIRECT, ADAPTIVE_AVG_POOL2D,
        RESIZE_BICUBIC, GET_ROWS, SET_ROWS, TOP_K, INDEX_ADD);
}
