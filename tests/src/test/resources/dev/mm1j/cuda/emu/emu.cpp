// emu.cpp: the launcher and the warp/block machinery of emu.h.
#include "emu.h"
#include <barrier>
#include <thread>
#include <vector>

thread_local uint3 threadIdx, blockIdx;
uint3 blockDim, gridDim;

namespace {
struct Warp {
    std::barrier<> bar{32};
    alignas(16) unsigned char slots[32][64];
};
std::barrier<>* block_bar;
Warp* warps;
std::vector<unsigned char> dyn_smem;
thread_local bool exited;
}

void emu_syncthreads() { block_bar->arrive_and_wait(); }

void emu_warp_exchange(int lane, const void* in, void* all, int bytes) {
    Warp& w = warps[threadIdx.x >> 5];
    std::memcpy(w.slots[lane], in, bytes);
    w.bar.arrive_and_wait();
    for (int l = 0; l < 32; l++) std::memcpy((unsigned char*)all + l * bytes, w.slots[l], bytes);
    w.bar.arrive_and_wait();
}

void* emu_dynamic_smem() { return dyn_smem.data(); }

static float bf16f(unsigned short v) { return __uint_as_float((unsigned)v << 16); }

// D = A * B + C for one m16n8k16 tile, fragments as in the PTX ISA (g = lane >> 2, t = lane & 3):
// A regs {row g, k 2t..+1}, {row g+8, k 2t..}, {row g, k 2t+8..}, {row g+8, k 2t+8..}; B regs {k 2t..+1, col g},
// {k 2t+8..+9, col g}; C/D c0,c1 = row g, cols 2t, 2t+1; c2,c3 = row g+8.
void emu_mma16816(float* d, const unsigned* a, const unsigned* b, bool bf) {
    struct Frag { unsigned a[4], b[2]; float c[4]; } mine, all[32];
    std::memcpy(mine.a, a, 16);
    std::memcpy(mine.b, b, 8);
    std::memcpy(mine.c, d, 16);
    emu_warp_exchange(threadIdx.x & 31, &mine, all, sizeof(Frag));
    float A[16][16], B[16][8], C[16][8];
    auto half = [&](unsigned reg, int hi) {
        unsigned short h = (unsigned short)(hi ? reg >> 16 : reg & 0xffff);
        return bf ? bf16f(h) : emu_f16_to_f32(h);
    };
    for (int l = 0; l < 32; l++) {
        int g = l >> 2, t = l & 3;
        for (int e = 0; e < 2; e++) {
            A[g][2 * t + e] = half(all[l].a[0], e);
            A[g + 8][2 * t + e] = half(all[l].a[1], e);
            A[g][2 * t + 8 + e] = half(all[l].a[2], e);
            A[g + 8][2 * t + 8 + e] = half(all[l].a[3], e);
            B[2 * t + e][g] = half(all[l].b[0], e);
            B[2 * t + 8 + e][g] = half(all[l].b[1], e);
            C[g][2 * t + e] = all[l].c[e];
            C[g + 8][2 * t + e] = all[l].c[2 + e];
        }
    }
    int l = threadIdx.x & 31, g = l >> 2, t = l & 3;
    for (int i = 0; i < 4; i++) {
        int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i & 1);
        float s = C[row][col];
        for (int k = 0; k < 16; k++) s += A[row][k] * B[k][col];
        d[i] = s;
    }
}

extern "C" void emu_run(int kernel, void** params); // glue.cpp, generated from Kernels

// Runs kernel number `kernel` (its index in Kernels.ALL) on a gx*gy*gz grid of blocks of bx threads.
extern "C" int emu_launch(int kernel, int gx, int gy, int gz, int bx, int shared, void** params) {
    blockDim = {(unsigned)bx, 1, 1};
    gridDim = {(unsigned)gx, (unsigned)gy, (unsigned)gz};
    dyn_smem.assign(shared > 0 ? shared : 16, 0xA5);
    for (int z = 0; z < gz; z++)
        for (int y = 0; y < gy; y++)
            for (int x = 0; x < gx; x++) {
                std::barrier<> bar(bx);
                std::vector<Warp> ws(bx / 32);
                block_bar = &bar;
                warps = ws.data();
                std::vector<std::thread> threads;
                threads.reserve(bx);
                for (int t = 0; t < bx; t++) {
                    threads.emplace_back([=, &bar, &ws] {
                        threadIdx = {(unsigned)t, 0, 0};
                        blockIdx = {(unsigned)x, (unsigned)y, (unsigned)z};
                        emu_run(kernel, params);
                        ws[t >> 5].bar.arrive_and_drop();
                        bar.arrive_and_drop();
                    });
                }
                for (auto& th : threads) th.join();
            }
    return 0;
}
