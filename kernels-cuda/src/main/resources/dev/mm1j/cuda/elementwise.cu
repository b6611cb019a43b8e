// elementwise.cu (CudaElementwise): copy (strided, dtype conversion), fill, add/mul/swiglu (broadcast), scale,
// activations.
// Every kernel walks n elements with a grid-stride loop; operands are described by a shared shape and
// one stride set each (broadcast dims have stride 0). Pointers already include each view's offset.
#include "common.cuh"

// out = x, converting: any computable dtype (quantized ones dequantized) into F32, F16, BF16 or I32
extern "C" __global__ void ew_copy(void* out, int odt, const void* x, int xdt, i64 n, int rank,
                                   Dims shape, Dims so, Dims sx) {
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        i64 oo, ox, unused;
        offsets3(i, rank, shape, so, sx, sx, oo, ox, unused);
        if (odt == DT_I32 && xdt == DT_I32) ((int*)out)[oo] = ((const int*)x)[ox];
        else store_elem(out, odt, oo, load_elem(x, xdt, ox));
    }
}

// out[...] = v
extern "C" __global__ void ew_fill(void* out, int odt, float v, i64 n, int rank, Dims shape, Dims so) {
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        i64 oo, u1, u2;
        offsets3(i, rank, shape, so, so, so, oo, u1, u2);
        store_elem(out, odt, oo, v);
    }
}

__device__ __forceinline__ float silu(float x) { return x / (1.f + expf(-x)); }

// op 0: out = a + b; 1: out = a * b; 2: out = silu(a) * b (SwiGLU). out may alias a.
extern "C" __global__ void ew_binary(float* out, const float* a, const float* b, int op, i64 n, int rank,
                                     Dims shape, Dims so, Dims sa, Dims sb) {
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        i64 oo, oa, ob;
        offsets3(i, rank, shape, so, sa, sb, oo, oa, ob);
        float x = a[oa], y = b[ob];
        out[oo] = op == 0 ? x + y : op == 1 ? x * y : silu(x) * y;
    }
}

// out = s * x
extern "C" __global__ void ew_scale(float* out, const float* x, float s, i64 n, int rank, Dims shape, Dims so,
                                    Dims sx) {
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        i64 oo, ox, unused;
        offsets3(i, rank, shape, so, sx, sx, oo, ox, unused);
        out[oo] = s * x[ox];
    }
}

// op codes follow dev.mm1j.core.backend.UnaryOp's ordinal: 0 silu, 1 gelu (exact, erf), 2 quick_gelu, 3 sigmoid
extern "C" __global__ void ew_unary(float* out, const float* x, int op, i64 n, int rank, Dims shape, Dims so,
                                    Dims sx) {
    for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        i64 oo, ox, unused;
        offsets3(i, rank, shape, so, sx, sx, oo, ox, unused);
        float v = x[ox], r;
        switch (op) {
            case 0: r = silu(v); break;
            case 1: r = 0.5f * v * (1.f + erff(v * 0.70710678118654752f)); break;
            case 2: r = v / (1.f + expf(-1.702f * v)); break;
            default: r = 1.f / (1.f + expf(-v)); break;
        }
        out[oo] = r;
    }
}
