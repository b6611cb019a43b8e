// emu.h: just enough of CUDA C++ to compile mm1j's kernels with g++ and run them on the host (tests only).
// Each block runs as blockDim.x cooperative fibers on one OS thread (emu.cpp): __syncthreads is a barrier of the
// block, warp shuffles a barrier of the warp around a slot array; mma.m16n8k16 is computed from the PTX ISA
// fragment layouts. Threads that return leave every barrier (as exited threads do on the GPU). Blocks run one
// after another, so function-level static arrays serve as __shared__ memory.
#pragma once
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#define MM1J_HOST_EMULATION 1
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static

struct uint3 { unsigned x, y, z; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(8) uint2 { unsigned x, y; };
inline float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }
inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
inline uint2 make_uint2(unsigned a, unsigned b) { return {a, b}; }

extern uint3 threadIdx, blockIdx; // the running fiber's
extern uint3 blockDim, gridDim;

void emu_syncthreads();
void emu_warp_exchange(int lane, const void* in, void* all, int bytes); // all lanes' values, every lane
void* emu_dynamic_smem();
inline void __syncthreads() { emu_syncthreads(); }

template <class T>
inline T emu_shfl(T v, int src) {
    T all[32];
    emu_warp_exchange(threadIdx.x & 31, &v, all, sizeof(T));
    return all[src & 31];
}
template <class T>
inline T __shfl_xor_sync(unsigned, T v, int mask) { return emu_shfl(v, (int)(threadIdx.x & 31) ^ mask); }
template <class T>
inline T __shfl_sync(unsigned, T v, int src) { return emu_shfl(v, src); }

inline int atomicCAS(int* p, int cmp, int val) {
    std::atomic_ref<int> a(*p);
    a.compare_exchange_strong(cmp, val);
    return cmp;
}

inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
// sincos(double, double*, double*) comes from glibc's math.h (g++ defines _GNU_SOURCE)
using std::max;
using std::min;

inline float emu_f16_to_f32(unsigned short h) { return (float)(_Float16)std::bit_cast<_Float16>(h); }
inline unsigned short emu_f32_to_f16(float f) { return std::bit_cast<unsigned short>((_Float16)f); }

void emu_mma16816(float* d, const unsigned* a, const unsigned* b, bool bf16);
