// products.cu (CudaProducts): out[b, m, n] = sum_k x[b, m, k] * w[b, n, k], matmul for every weight dtype.
// x: F32 rows xrs apart (batch: xbs); w: rows wrs elements (quantized: bytes) apart (batch: wbs); out:
// contiguous [B, M, N], batches obs apart. Every kernel takes (out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs)
// and, except gemm_f32, one int (vec or flags). The host picks by the rows of x:
//  - GEMV, M <= 8 (decode, MoE experts with few tokens): gemv_{f32,f16,bf16,q8_0,q4_0};
//  - GEMM, M > 8 (prefill, the vision encoder): gemm_mma_{bf16,f16,q8_0,q4_0} on the tensor cores,
//    gemm_f32 (FP32 SIMT) for F32 weights.
#include "common.cuh"

// ================================================================== GEMV (M <= 8)
//
// Bandwidth-bound: one warp per weight row n streams the row once and multiplies it with every x row;
// 8 warps (8 rows of w) per block; grid (ceil(N / 8), B).
// Weights are widened to F32 (16-bit) or decoded exactly (Q8_0/Q4_0: d * q); products and sums in F32.

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

// ================================================================== GEMM (M > 8)
//
// Grid (ceil(N / 128), ceil(M / 128), B) for gemm_mma_*, (ceil(N / 64), ceil(M / 64), B) for gemm_f32.
//
// Numerics:
//  - gemm_f32 (F32 weights): plain FP32 FMAs, tiled through shared memory (SIMT, no tensor cores).
//  - gemm_mma_bf16/f16/q8_0/q4_0: tensor cores, mma.sync.m16n8k16 with F32 accumulation. The weights are
//    exact in the mma input type (BF16/F16 as stored; Q8_0/Q4_0 integer codes q are exact in BF16 and
//    the F16 block scale d is applied in F32 after each 32-wide block). x is F32, so when flags has
//    GEMM_SPLIT it is fed as two terms hi + lo (hi = round(x), lo = round(x - hi)), which keeps ~16
//    significant bits of x: results within ~1e-5 relative of an F32 product. Without GEMM_SPLIT: hi only (one mma, ~3e-3).
//    For F16 weights x is rounded to F16: |x| > 65504 overflows (activations of that size are not
//    expected; use F32/BF16 weights for such models).

// ------------------------------------------------------------------ FP32 SIMT

#define F_BM 64
#define F_BN 64
#define F_BK 16

extern "C" __global__ void __launch_bounds__(256) gemm_f32(float* out, const float* x, const float* w, int M, int N,
                                                           int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs) {
    __shared__ float As[F_BK][F_BM + 4];
    __shared__ float Bs[F_BK][F_BN + 4];
    int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    int m0 = blockIdx.y * F_BM, n0 = blockIdx.x * F_BN;
    const float* xb = x + blockIdx.z * xbs;
    const float* wb = w + blockIdx.z * wbs;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.f;
    for (int k0 = 0; k0 < K; k0 += F_BK) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int e = tid + 256 * i, row = e >> 4, kk = e & 15, k = k0 + kk;
            int m = m0 + row, n = n0 + row;
            As[kk][row] = (m < M && k < K) ? xb[m * xrs + k] : 0.f;
            Bs[kk][row] = (n < N && k < K) ? wb[n * wrs + k] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < F_BK; kk++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    float* ob = out + blockIdx.z * obs;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty * 4 + i;
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int n = n0 + tx * 4 + j;
            if (n < N) ob[(i64)m * N + n] = acc[i][j];
        }
    }
}

// ------------------------------------------------------------------ tensor cores

#define T_BM 128
#define T_BN 128
#define T_BK 32
#define T_PAD 8 // halves of padding per shared row: 80-byte rows make the fragment loads conflict-free

// flags of gemm_mma_*: must match CudaProducts
#define GEMM_SPLIT 1 // feed x as hi + lo
#define GEMM_VEC_X 2 // x rows start 16-byte aligned and K % 4 == 0
#define GEMM_VEC_W 4 // w rows start 16-byte aligned and K % 8 == 0 (16-bit weights)

// d (+)= a * b for one m16n8k16 tile; BF16 when bf is true, else F16; F32 accumulators.
template <bool BF>
__device__ __forceinline__ void mma16816(float* d, const u32* a, const u32* b) {
#ifdef MM1J_HOST_EMULATION
    emu_mma16816(d, a, b, BF);
    return;
#endif
    if (BF) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                     "{%0,%1,%2,%3};"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                     "{%0,%1,%2,%3};"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
}

template <bool BF>
__device__ __forceinline__ u16 to16(float v) { return BF ? f32_to_bf16(v) : f32_to_f16(v); }

template <bool BF>
__device__ __forceinline__ float from16(u16 v) { return BF ? bf16_to_f32(v) : f16_to_f32(v); }

// 256 threads = 8 warps in a 2 (m) x 4 (n) grid; each warp owns a 64 x 32 tile = 4 x 4 mma tiles.
// Fragment layouts (PTX ISA, mma.m16n8k16, g = lane >> 2, t = lane & 3):
//   A regs: {row g, k 2t..2t+1}, {row g+8, k 2t..}, {row g, k 2t+8..}, {row g+8, k 2t+8..}
//   B regs: {k 2t..2t+1, col g}, {k 2t+8..2t+9, col g}   (w rows are B's columns: contiguous in k)
//   C:      c0,c1 = row g, cols 2t, 2t+1; c2,c3 = row g+8, same cols.
template <int WT>
__device__ __forceinline__ void gemm_mma(float* out, const float* x, const void* w, int M, int N, int K, i64 xrs,
                                         i64 wrs, i64 xbs, i64 wbs, i64 obs, int flags) {
    const bool BF = WT != DT_F16;
    const int split = flags & GEMM_SPLIT;
    const bool SCALED = WT == DT_Q8_0 || WT == DT_Q4_0;
    __shared__ __align__(16) u16 Ahi[T_BM][T_BK + T_PAD];
    __shared__ __align__(16) u16 Alo[T_BM][T_BK + T_PAD];
    __shared__ __align__(16) u16 Bs[T_BN][T_BK + T_PAD];
    __shared__ float scale[T_BN];
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
    int g = lane >> 2, t = lane & 3;
    int m0 = blockIdx.y * T_BM, n0 = blockIdx.x * T_BN;
    const float* xb = x + blockIdx.z * xbs;
    float acc[4][4][4];
    float tmp[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) acc[i][j][c] = 0.f;

    for (int k0 = 0; k0 < K; k0 += T_BK) {
        // x tile: 128 rows x 32 k, coalesced along k, split into hi + lo
        if (flags & GEMM_VEC_X) { // rows 16-byte aligned, K % 4 == 0: one float4 per thread and step
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int e = tid + 256 * i, row = e >> 3, kk = (e & 7) * 4, m = m0 + row, k = k0 + kk;
                float4 v = (m < M && k < K) ? *(const float4*)(xb + (i64)m * xrs + k) : make_float4(0.f, 0.f, 0.f, 0.f);
                float f[4] = {v.x, v.y, v.z, v.w};
                u16 hi[4], lo[4];
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    hi[c] = to16<BF>(f[c]);
                    lo[c] = split ? to16<BF>(f[c] - from16<BF>(hi[c])) : (u16)0;
                }
                *(uint2*)&Ahi[row][kk] = make_uint2(hi[0] | ((u32)hi[1] << 16), hi[2] | ((u32)hi[3] << 16));
                *(uint2*)&Alo[row][kk] = make_uint2(lo[0] | ((u32)lo[1] << 16), lo[2] | ((u32)lo[3] << 16));
            }
        } else {
#pragma unroll 4
            for (int i = 0; i < 16; i++) {
                int e = tid + 256 * i, row = e >> 5, kk = e & 31, m = m0 + row, k = k0 + kk;
                float v = (m < M && k < K) ? xb[(i64)m * xrs + k] : 0.f;
                u16 hi = to16<BF>(v);
                Ahi[row][kk] = hi;
                Alo[row][kk] = split ? to16<BF>(v - from16<BF>(hi)) : (u16)0;
            }
        }
        // w tile: 128 rows x 32 k
        if (!SCALED) {
            const u16* wb = (const u16*)w + blockIdx.z * wbs;
            if (flags & GEMM_VEC_W) { // rows 16-byte aligned, K % 8 == 0: one uint4 (8 values) per thread and step
#pragma unroll
                for (int i = 0; i < 2; i++) {
                    int e = tid + 256 * i, row = e >> 2, kk = (e & 3) * 8, n = n0 + row, k = k0 + kk;
                    *(uint4*)&Bs[row][kk] = (n < N && k < K) ? *(const uint4*)(wb + (i64)n * wrs + k) : make_uint4(0u, 0u, 0u, 0u);
                }
            } else {
#pragma unroll 4
                for (int i = 0; i < 16; i++) {
                    int e = tid + 256 * i, row = e >> 5, kk = e & 31, n = n0 + row, k = k0 + kk;
                    Bs[row][kk] = (n < N && k < K) ? wb[(i64)n * wrs + k] : (u16)0;
                }
            }
        } else {
            // K % 32 == 0: the tile is exactly quant block k0 / 32 of each row
            const u8* wb = (const u8*)w + blockIdx.z * wbs;
            int blk = k0 >> 5;
#pragma unroll 4
            for (int i = 0; i < 16; i++) {
                int e = tid + 256 * i, row = e >> 5, j = e & 31, n = n0 + row;
                float q = 0.f;
                if (n < N) {
                    const u8* bp = wb + (i64)n * wrs + (i64)blk * (WT == DT_Q8_0 ? 34 : 18);
                    if (WT == DT_Q8_0) {
                        q = (float)(i8)bp[2 + j];
                    } else {
                        int byte = bp[2 + (j & 15)];
                        q = (float)((j < 16 ? (byte & 15) : (byte >> 4)) - 8);
                    }
                    if (j == 0) scale[row] = f16_to_f32(ld_u16(bp));
                } else if (j == 0) {
                    scale[row] = 0.f;
                }
                Bs[row][j] = f32_to_bf16(q); // exact: |q| <= 128
            }
        }
        __syncthreads();

        if (SCALED) {
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
#pragma unroll
                    for (int c = 0; c < 4; c++) tmp[i][j][c] = 0.f;
        }
#pragma unroll
        for (int ks = 0; ks < T_BK; ks += 16) {
            u32 bf[4][2];
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const u16* bp = &Bs[wn + j * 8 + g][ks + 2 * t];
                bf[j][0] = *(const u32*)bp;
                bf[j][1] = *(const u32*)(bp + 8);
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int r = wm + i * 16 + g;
                u32 a[4];
                a[0] = *(const u32*)&Ahi[r][ks + 2 * t];
                a[1] = *(const u32*)&Ahi[r + 8][ks + 2 * t];
                a[2] = *(const u32*)&Ahi[r][ks + 2 * t + 8];
                a[3] = *(const u32*)&Ahi[r + 8][ks + 2 * t + 8];
#pragma unroll
                for (int j = 0; j < 4; j++) mma16816<BF>(SCALED ? tmp[i][j] : acc[i][j], a, bf[j]);
                if (split) {
                    a[0] = *(const u32*)&Alo[r][ks + 2 * t];
                    a[1] = *(const u32*)&Alo[r + 8][ks + 2 * t];
                    a[2] = *(const u32*)&Alo[r][ks + 2 * t + 8];
                    a[3] = *(const u32*)&Alo[r + 8][ks + 2 * t + 8];
#pragma unroll
                    for (int j = 0; j < 4; j++) mma16816<BF>(SCALED ? tmp[i][j] : acc[i][j], a, bf[j]);
                }
            }
        }
        if (SCALED) {
#pragma unroll
            for (int j = 0; j < 4; j++) {
                float s0 = scale[wn + j * 8 + 2 * t], s1 = scale[wn + j * 8 + 2 * t + 1];
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    acc[i][j][0] += s0 * tmp[i][j][0];
                    acc[i][j][1] += s1 * tmp[i][j][1];
                    acc[i][j][2] += s0 * tmp[i][j][2];
                    acc[i][j][3] += s1 * tmp[i][j][3];
                }
            }
        }
        __syncthreads();
    }

    float* ob = out + blockIdx.z * obs;
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int m = m0 + wm + i * 16 + g, n = n0 + wn + j * 8 + 2 * t;
            if (m < M) {
                if (n < N) ob[(i64)m * N + n] = acc[i][j][0];
                if (n + 1 < N) ob[(i64)m * N + n + 1] = acc[i][j][1];
            }
            if (m + 8 < M) {
                if (n < N) ob[(i64)(m + 8) * N + n] = acc[i][j][2];
                if (n + 1 < N) ob[(i64)(m + 8) * N + n + 1] = acc[i][j][3];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) gemm_mma_bf16(float* out, const float* x, const u16* w, int M, int N,
                                                                int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                                int flags) {
    gemm_mma<DT_BF16>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, flags);
}

extern "C" __global__ void __launch_bounds__(256) gemm_mma_f16(float* out, const float* x, const u16* w, int M, int N,
                                                               int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                               int flags) {
    gemm_mma<DT_F16>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, flags);
}

extern "C" __global__ void __launch_bounds__(256) gemm_mma_q8_0(float* out, const float* x, const u8* w, int M, int N,
                                                                int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                                int flags) {
    gemm_mma<DT_Q8_0>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, flags);
}

extern "C" __global__ void __launch_bounds__(256) gemm_mma_q4_0(float* out, const float* x, const u8* w, int M, int N,
                                                                int K, i64 xrs, i64 wrs, i64 xbs, i64 wbs, i64 obs,
                                                                int flags) {
    gemm_mma<DT_Q4_0>(out, x, w, M, N, K, xrs, wrs, xbs, wbs, obs, flags);
}
