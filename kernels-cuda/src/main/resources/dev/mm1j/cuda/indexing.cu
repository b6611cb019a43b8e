// indexing.cu (CudaIndexing): embedding gather, row scatter (KV cache writes), top-k, scatter-add (the MoE combine).
// Ids outside their table are not read or written: the kernel records the error in the backend's device
// error word, which the host checks at the next synchronize / copyOut and turns into an exception.
#include "common.cuh"

__device__ __forceinline__ void report(int* err, int code) {
    atomicCAS(err, 0, code);
}

// out [T, D] contiguous F32; table [V, D] rows trs elements apart (quantized: bytes) and tcs apart within a
// row (1 for quantized). One block per token.
extern "C" __global__ void get_rows(float* out, const void* table, int tdt, const int* ids, i64 ids_s, int V, int D,
                                    i64 trs, i64 tcs, int* err) {
    int t = blockIdx.x;
    int id = ids[t * ids_s];
    float* orow = out + (i64)t * D;
    if (id < 0 || id >= V) {
        if (threadIdx.x == 0) report(err, ERR_GET_ROWS);
        for (int j = threadIdx.x; j < D; j += blockDim.x) orow[j] = 0.f;
        return;
    }
    if (tdt == DT_Q8_0 || tdt == DT_Q4_0) {
        const u8* row = (const u8*)table + (i64)id * trs;
        for (int j = threadIdx.x; j < D; j += blockDim.x) orow[j] = load_elem(row, tdt, j);
    } else {
        int esz = tdt == DT_F32 ? 4 : 2;
        const u8* row = (const u8*)table + (i64)id * trs * esz;
        for (int j = threadIdx.x; j < D; j += blockDim.x) orow[j] = load_elem(row, tdt, j * tcs);
    }
}

// out[ids[t], :] = src[t, :] converted to out's dtype (F32/F16/BF16, round to nearest even); out rows ors
// elements apart, ocs within a row; src F32 (strides srs, scs). One block per t (ids are distinct).
extern "C" __global__ void set_rows(void* out, int odt, i64 ors, i64 ocs, const float* src, i64 srs, i64 scs,
                                    const int* ids, i64 ids_s, int R, int D, int* err) {
    int t = blockIdx.x;
    int id = ids[t * ids_s];
    if (id < 0 || id >= R) {
        if (threadIdx.x == 0) report(err, ERR_SET_ROWS);
        return;
    }
    int esz = odt == DT_F32 ? 4 : 2;
    void* row = (u8*)out + (i64)id * ors * esz;
    const float* s = src + (i64)t * srs;
    for (int j = threadIdx.x; j < D; j += blockDim.x) store_elem(row, odt, j * ocs, s[j * scs]);
}

// A key that orders floats like Double.compare on -v in the reference: larger values first, +0 above -0,
// NaN below everything.
__device__ __forceinline__ u32 order_key(float v) {
    if (v != v) return 0u;
    u32 b = __float_as_uint(v);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

// values [R, k], indices [R, k] contiguous; x [R, C] (strides xrs, xcs). One block (256 threads) per row;
// k rounds of a block-wide arg-max over the elements ranked below the previous pick (ties: lower index).
extern "C" __global__ void top_k(float* values, int* indices, const float* x, i64 xrs, i64 xcs, int C, int k) {
    __shared__ u64 best[32];
    const float* xr = x + blockIdx.x * xrs;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    // candidate = (key << 32) | (~index): larger is better; the previous pick bounds the next round
    u64 prev = ~0ull;
    for (int r = 0; r < k; r++) {
        u64 mine = 0;
        for (int j = threadIdx.x; j < C; j += blockDim.x) {
            u64 cand = ((u64)order_key(xr[j * xcs]) << 32) | (u64)(~(u32)j);
            if (cand < prev && cand > mine) mine = cand;
        }
        for (int o = 16; o > 0; o >>= 1) {
            u64 other = __shfl_xor_sync(0xffffffffu, mine, o);
            mine = other > mine ? other : mine;
        }
        if (lane == 0) best[warp] = mine;
        __syncthreads();
        if (threadIdx.x == 0) {
            u64 b = 0;
            for (int w = 0; w < nw; w++) b = best[w] > b ? best[w] : b;
            int j = (int)(~(u32)(b & 0xffffffffu));
            values[(i64)blockIdx.x * k + r] = xr[j * xcs];
            indices[(i64)blockIdx.x * k + r] = j;
            best[0] = b;
        }
        __syncthreads();
        prev = best[0];
        __syncthreads();
    }
}

// out[ids[i], :] += w[i] * src[i, :] for i = 0 .. T-1 in order (w null: 1). One thread per column, so each
// output element receives its contributions in the reference's order: deterministic, no atomics.
extern "C" __global__ void index_add(float* out, i64 ors, i64 ocs, const float* src, i64 srs, i64 scs,
                                     const int* ids, i64 ids_s, const float* w, i64 w_s, int T, int R, int D,
                                     int* err) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= D) return;
    for (int i = 0; i < T; i++) {
        int id = ids[i * ids_s];
        if (id < 0 || id >= R) {
            if (j == 0) report(err, ERR_INDEX_ADD);
            continue;
        }
        float s = src[i * srs + j * scs];
        float* o = out + id * ors + j * ocs;
        *o = *o + (w ? w[i * w_s] * s : s);
    }
}
