// common.cuh: shared by every kernel family (dtype codes and conversions, strided index math, reductions).
//
// It includes nothing, and neither do the kernels: NVRTC compiles them with no header search path and
// nvcc with no CUDA headers beyond its own built-ins. 16-bit float conversions are inline PTX, so the
// run-time machine needs libnvrtc (+ libnvrtc-builtins) and the driver, no toolkit include directory.
#pragma once

typedef unsigned short u16;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;
typedef signed char i8;
typedef unsigned char u8;

// dtype codes: must match CudaBackend.code(DType)
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_I32 3
#define DT_Q8_0 4
#define DT_Q4_0 5

// error codes written to the backend's device error word (first error wins): must match CudaBackend
#define ERR_GET_ROWS 1
#define ERR_INDEX_ADD 2
#define ERR_SET_ROWS 3

// Up to 6 dims after the host merged every dim it could (CudaElementwise collapses shapes jointly over all
// operands, so contiguous tensors arrive as rank 1). Passed by value as kernel parameters.
#define MAX_RANK 6
struct Dims { i64 n[MAX_RANK]; };

// MM1J_HOST_EMULATION: the kernels compiled as C++ by the tests' host emulator (no inline PTX there)
__device__ __forceinline__ float f16_to_f32(u16 h) {
#ifdef MM1J_HOST_EMULATION
    return emu_f16_to_f32(h);
#else
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
#endif
}

// round to nearest even, like Float.floatToFloat16
__device__ __forceinline__ u16 f32_to_f16(float f) {
#ifdef MM1J_HOST_EMULATION
    return emu_f32_to_f16(f);
#else
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
#endif
}

__device__ __forceinline__ float bf16_to_f32(u16 b) {
    return __uint_as_float(((u32)b) << 16);
}

// round to nearest even; NaN stays a quiet NaN (bit-identical to Quant.f32ToBf16)
__device__ __forceinline__ u16 f32_to_bf16(float f) {
    u32 bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (u16)((bits >> 16) | 0x40u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (u16)(bits >> 16);
}

__device__ __forceinline__ u16 ld_u16(const u8* p) {
    return *(const u16*)p; // callers guarantee 2-byte alignment
}

// element e (counted from the tensor's first element, block-aligned) of any computable dtype, as float
__device__ __forceinline__ float load_elem(const void* base, int dt, i64 e) {
    switch (dt) {
        case DT_F32: return ((const float*)base)[e];
        case DT_F16: return f16_to_f32(((const u16*)base)[e]);
        case DT_BF16: return bf16_to_f32(((const u16*)base)[e]);
        case DT_I32: return (float)((const int*)base)[e];
        case DT_Q8_0: {
            const u8* b = (const u8*)base + (e >> 5) * 34;
            return f16_to_f32(ld_u16(b)) * (float)(i8)b[2 + (e & 31)];
        }
        default: { // DT_Q4_0
            const u8* b = (const u8*)base + (e >> 5) * 18;
            int j = (int)(e & 31);
            int q = b[2 + (j & 15)];
            q = j < 16 ? (q & 15) : (q >> 4);
            return f16_to_f32(ld_u16(b)) * (float)(q - 8);
        }
    }
}

// stores v as F32, F16, BF16 or I32 (truncation toward zero, saturating, NaN -> 0, like Java's (int))
__device__ __forceinline__ void store_elem(void* base, int dt, i64 e, float v) {
    switch (dt) {
        case DT_F32: ((float*)base)[e] = v; break;
        case DT_F16: ((u16*)base)[e] = f32_to_f16(v); break;
        case DT_BF16: ((u16*)base)[e] = f32_to_bf16(v); break;
        default: ((int*)base)[e] = (int)v; break;
    }
}

// offsets of linear index i (row-major over shape) in up to three strided operands
__device__ __forceinline__ void offsets3(i64 i, int rank, const Dims& shape, const Dims& s0, const Dims& s1,
                                         const Dims& s2, i64& o0, i64& o1, i64& o2) {
    if (rank == 1) {
        o0 = i * s0.n[0];
        o1 = i * s1.n[0];
        o2 = i * s2.n[0];
        return;
    }
    o0 = o1 = o2 = 0;
    for (int d = rank - 1; d >= 0; d--) {
        i64 sz = shape.n[d];
        i64 q = i / sz;
        i64 r = i - q * sz;
        o0 += r * s0.n[d];
        o1 += r * s1.n[d];
        o2 += r * s2.n[d];
        i = q;
    }
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum / max for blocks of up to 1024 threads (multiple of 32). Every thread gets the result.
// scratch: 32 floats of shared memory; the call ends with a barrier so scratch can be reused.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : 0.f;
    t = warp_sum(t);
    __syncthreads();
    return t;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : -__int_as_float(0x7f800000);
    t = warp_max(t);
    __syncthreads();
    return t;
}

#define NEG_INF (-__int_as_float(0x7f800000))
