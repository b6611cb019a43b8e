// gemv.cu: out[b, m, n] = sum_k x[b, m, k] * w[b, n, k] for small M (<= 8 rows of x: decode, MoE experts
// with few tokens). Bandwidth-bound: one warp per weight row n streams the row once and multiplies it
// with every x row; 8 warps (8 rows of w) per block; grid (ceil(N / 8), B).
// Weights are widened to F32 (16-bit) or decoded exactly (Q8_0/Q4_0: d * q); products and sums in F32.
// x rows are xrs floats apart (batch: xbs); w rows wrs elements (quantized: bytes) apart (batch: wbs);
// out is contiguous [B, M, N].
#include "common.cuh"

#define GEMV_WARPS 8
#define GEMV_MAX_M 8

__device__ __forceinline__ void gemv_store(float* out, i64 obs, int M, int N, int n, float* acc) {
    int lane = threadIdx.x & 31;
#pragma unroll
    for (int r = 0; r < GEMV_MAX_M; r++) {
        if (r < M) {
            float s = warp_sum(acc[r]);
            if (lane == 0) out[blockIdx.y * obs + (i64)r * N + n] = s;
        }
    }
}

// F32 / F16 / BF16 weights. vec != 0: every row of w and x starts 16-byte aligned and K % 8 == 0
// (F32: K % 4 == 0), so lanes load 16 bytes at a time.
template <int WT>
__device__ __forceinline__ void gemv_float(float* out, const float* x, const void* w, int M, int N, int K,
                                           i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs, int vec) {
    int lane = threadIdx.x & 31;
    int n = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    if (n >= N) return;
    const float* xb = x + blockIdx.y * xbs;
    float acc[GEMV_MAX_M];
#pragma unroll
    for (int r = 0; r < GEMV_MAX_M; r++) acc[r] = 0.f;
    if (WT == DT_F32) {
        const float* wr = (const float*)w + blockIdx.y * wbs + (i64)n * wrs;
        if (vec) {
#pragma unroll 4
            for (int k = lane * 4; k < K; k += 128) {
                float4 wv = *(const float4*)(wr + k);
#pragma unroll
                for (int r = 0; r < GEMV_MAX_M; r++) {
                    if (r < M) {
                        float4 xv = *(const float4*)(xb + r * xrs + k);
                        acc[r] += wv.x * xv.x + wv.y * xv.y + wv.z * xv.z + wv.w * xv.w;
                    }
                }
            }
        } else {
            for (int k = lane; k < K; k += 32) {
                float wv = wr[k];
#pragma unroll
                for (int r = 0; r < GEMV_MAX_M; r++) if (r < M) acc[r] += wv * xb[r * xrs + k];
            }
        }
    } else {
        const u16* wr = (const u16*)w + blockIdx.y * wbs + (i64)n * wrs;
        if (vec) {
#pragma unroll 4
            for (int k = lane * 8; k < K; k += 256) {
                uint4 raw = *(const uint4*)(wr + k);
                u32 words[4] = {raw.x, raw.y, raw.z, raw.w};
                float wv[8];
#pragma unroll
                for (int q = 0; q < 4; q++) {
                    u16 lo = (u16)(words[q] & 0xffffu), hi = (u16)(words[q] >> 16);
                    wv[2 * q] = WT == DT_F16 ? f16_to_f32(lo) : bf16_to_f32(lo);
                    wv[2 * q + 1] = WT == DT_F16 ? f16_to_f32(hi) : bf16_to_f32(hi);
                }
#pragma unroll
                for (int r = 0; r < GEMV_MAX_M; r++) {
                    if (r < M) {
                        const float* xr = xb + r * xrs + k;
                        float4 x0 = *(const float4*)xr, x1 = *(const float4*)(xr + 4);
                        acc[r] += wv[0] * x0.x + wv[1] * x0.y + wv[2] * x0.z + wv[3] * x0.w
                                + wv[4] * x1.x + wv[5] * x1.y + wv[6] * x1.z + wv[7] * x1.w;
                    }
                }
            }
        } else {
            for (int k = lane; k < K; k += 32) {
                float wv = WT == DT_F16 ? f16_to_f32(wr[k]) : bf16_to_f32(wr[k]);
#pragma unroll
                for (int r = 0; r < GEMV_MAX_M; r++) if (r < M) acc[r] += wv * xb[r * xrs + k];
            }
        }
    }
    gemv_store(out, obs, M, N, n, acc);
}

extern "C" __global__ void __launch_bounds__(256) gemv_f32(float* out, const float* x, const float* w, int M, int N,
                                                           int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                           int vec) {
    gemv_float<DT_F32>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, vec);
}

extern "C" __global__ void __launch_bounds__(256) gemv_f16(float* out, const float* x, const u16* w, int M, int N,
                                                           int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                           int vec) {
    gemv_float<DT_F16>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, vec);
}

extern "C" __global__ void __launch_bounds__(256) gemv_bf16(float* out, const float* x, const u16* w, int M, int N,
                                                            int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                            int vec) {
    gemv_float<DT_BF16>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, vec);
}

// Q8_0 / Q4_0 weights (K % 32 == 0; row starts 2-byte aligned). Each iteration a warp covers 8 blocks:
// lane l takes block (l >> 2) and its quarter (l & 3): Q8_0 values 8q..8q+7; Q4_0 bytes 4q..4q+3, i.e.
// values 4q..4q+3 (low nibbles) and 4q+16..4q+19 (high nibbles).
template <int WT>
__device__ __forceinline__ void gemv_quant(float* out, const float* x, const u8* w, int M, int N, int K, i64 xrs,
                                           i64 wrsBytes, i64 xbs, i64 wbsBytes, i64 obs) {
    int lane = threadIdx.x & 31;
    int n = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    if (n >= N) return;
    const float* xb = x + blockIdx.y * xbs;
    const u8* wr = w + blockIdx.y * wbsBytes + (i64)n * wrsBytes;
    float acc[GEMV_MAX_M];
#pragma unroll
    for (int r = 0; r < GEMV_MAX_M; r++) acc[r] = 0.f;
    int blocks = K >> 5, quarter = lane & 3;
#pragma unroll 2
    for (int blk = lane >> 2; blk < blocks; blk += 8) {
        const u8* bp = wr + (i64)blk * (WT == DT_Q8_0 ? 34 : 18);
        float d = f16_to_f32(ld_u16(bp));
        float q[8];
        int k0, k1; // first element of each group of 4 values
        if (WT == DT_Q8_0) {
#pragma unroll
            for (int i = 0; i < 4; i++) {
                u16 two = ld_u16(bp + 2 + quarter * 8 + 2 * i);
                q[2 * i] = (float)(i8)(two & 0xff);
                q[2 * i + 1] = (float)(i8)(two >> 8);
            }
            k0 = blk * 32 + quarter * 8;
            k1 = k0 + 4;
        } else {
#pragma unroll
            for (int i = 0; i < 2; i++) {
                u16 two = ld_u16(bp + 2 + quarter * 4 + 2 * i);
                int b0 = two & 0xff, b1 = two >> 8;
                q[2 * i] = (float)((b0 & 15) - 8);
                q[2 * i + 1] = (float)((b1 & 15) - 8);
                q[4 + 2 * i] = (float)((b0 >> 4) - 8);
                q[4 + 2 * i + 1] = (float)((b1 >> 4) - 8);
            }
            k0 = blk * 32 + quarter * 4;
            k1 = k0 + 16;
        }
#pragma unroll
        for (int r = 0; r < GEMV_MAX_M; r++) {
            if (r < M) {
                const float* xr = xb + r * xrs;
                float s = q[0] * xr[k0] + q[1] * xr[k0 + 1] + q[2] * xr[k0 + 2] + q[3] * xr[k0 + 3]
                        + q[4] * xr[k1] + q[5] * xr[k1 + 1] + q[6] * xr[k1 + 2] + q[7] * xr[k1 + 3];
                acc[r] += d * s;
            }
        }
    }
    gemv_store(out, obs, M, N, n, acc);
}

extern "C" __global__ void __launch_bounds__(256) gemv_q8_0(float* out, const float* x, const u8* w, int M, int N,
                                                            int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                            int vec) {
    gemv_quant<DT_Q8_0>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs);
}

extern "C" __global__ void __launch_bounds__(256) gemv_q4_0(float* out, const float* x, const u8* w, int M, int N,
                                                            int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                            int vec) {
    gemv_quant<DT_Q4_0>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs);
}
