// matmul.cu: out[b, m, n] = sum_k x[b, m, k] * w[b, n, k] for M > 8 (prefill, the vision encoder).
// x: F32 rows xrs apart (batch xbs); w: rows wrs elements apart (quantized: bytes; batch wbs); out:
// contiguous [B, M, N]. Grid (ceil(N / 128), ceil(M / 128), B) for gemm_mma_*, (ceil(N/64), ceil(M/64), B)
// for gemm_f32.
//
// Numerics:
//  - gemm_f32 (F32 weights): plain FP32 FMAs, tiled through shared memory (SIMT, no tensor cores).
//  - gemm_mma_bf16/f16/q8_0/q4_0: tensor cores, mma.sync.m16n8k16 with F32 accumulation. The weights are
//    exact in the mma input type (BF16/F16 as stored; Q8_0/Q4_0 integer codes q are exact in BF16 and
//    the F16 block scale d is applied in F32 after each 32-wide block). x is F32, so with split != 0 it
//    is fed as two terms hi + lo (hi = round(x), lo = round(x - hi)) when flags has GEMM_SPLIT, which keeps ~16
//    significant bits of x: results within ~1e-5 relative of an F32 product. Without GEMM_SPLIT: hi only (one mma, ~3e-3).
//    For F16 weights x is rounded to F16: |x| > 65504 overflows (activations of that size are not
//    expected; use F32/BF16 weights for such models).
#include "common.cuh"

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
