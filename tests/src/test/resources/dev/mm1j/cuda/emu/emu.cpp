// emu.cpp: the launcher and the block/warp machinery of emu.h. A block's threads are ucontext fibers run
// round-robin on the calling thread; a fiber gives up the CPU only at a barrier (so a kernel that relied on
// implicit warp synchrony instead of shuffles would still be caught: the other lanes have not run yet).
#include "emu.h"
#include <ucontext.h>
#include <vector>

uint3 threadIdx, blockIdx;
uint3 blockDim, gridDim;

namespace {
constexpr size_t STACK = 128 * 1024;

struct Barrier {
    int participants = 0, arrived = 0;
    unsigned generation = 0;
};

struct Fiber {
    ucontext_t ctx;
    std::vector<unsigned char> stack;
    bool done = false;
};

ucontext_t scheduler;
std::vector<Fiber> fibers;
int current;
Barrier block_bar;
std::vector<Barrier> warp_bars;
std::vector<std::vector<unsigned char>> warp_slots; // per warp: 32 slots of 64 bytes
std::vector<unsigned char> dyn_smem;
int kernel_index;
void** kernel_params;

void yield() { swapcontext(&fibers[current].ctx, &scheduler); }

void arrive(Barrier& b) {
    unsigned gen = b.generation;
    if (++b.arrived == b.participants) {
        b.arrived = 0;
        b.generation++;
        return;
    }
    while (b.generation == gen) yield();
}

void leave(Barrier& b) { // an exited thread no longer takes part; it may complete the others' barrier
    b.participants--;
    if (b.arrived > 0 && b.arrived == b.participants) {
        b.arrived = 0;
        b.generation++;
    }
}
}

extern "C" void emu_run(int kernel, void** params); // glue.cpp, generated from Kernels

static void fiber_main() {
    emu_run(kernel_index, kernel_params);
    leave(warp_bars[threadIdx.x >> 5]);
    leave(block_bar);
    fibers[current].done = true;
    // returning resumes uc_link (the scheduler)
}

void emu_syncthreads() { arrive(block_bar); }

void emu_warp_exchange(int lane, const void* in, void* all, int bytes) {
    int w = threadIdx.x >> 5;
    unsigned char* slots = warp_slots[w].data();
    std::memcpy(slots + lane * 64, in, bytes);
    arrive(warp_bars[w]);
    for (int l = 0; l < 32; l++) std::memcpy((unsigned char*)all + l * bytes, slots + l * 64, bytes);
    arrive(warp_bars[w]);
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

// Runs kernel number `kernel` (its index in Kernels.ALL) on a gx*gy*gz grid of blocks of bx threads.
extern "C" int emu_launch(int kernel, int gx, int gy, int gz, int bx, int shared, void** params) {
    if (bx % 32 != 0 || bx > 1024) return 1;
    kernel_index = kernel;
    kernel_params = params;
    blockDim = {(unsigned)bx, 1, 1};
    gridDim = {(unsigned)gx, (unsigned)gy, (unsigned)gz};
    dyn_smem.assign(shared > 0 ? shared : 16, 0xA5);
    fibers.resize(bx);
    for (auto& f : fibers) if (f.stack.size() != STACK) f.stack.resize(STACK);
    warp_slots.assign(bx / 32, std::vector<unsigned char>(32 * 64));
    for (int z = 0; z < gz; z++)
        for (int y = 0; y < gy; y++)
            for (int x = 0; x < gx; x++) {
                block_bar = Barrier{bx, 0, 0};
                warp_bars.assign(bx / 32, Barrier{32, 0, 0});
                blockIdx = {(unsigned)x, (unsigned)y, (unsigned)z};
                for (int t = 0; t < bx; t++) {
                    Fiber& f = fibers[t];
                    f.done = false;
                    getcontext(&f.ctx);
                    f.ctx.uc_stack.ss_sp = f.stack.data();
                    f.ctx.uc_stack.ss_size = STACK;
                    f.ctx.uc_link = &scheduler;
                    makecontext(&f.ctx, fiber_main, 0);
                }
                int live = bx;
                while (live > 0) {
                    live = 0;
                    for (int t = 0; t < bx; t++) {
                        if (fibers[t].done) continue;
                        current = t;
                        threadIdx = {(unsigned)t, 0, 0};
                        swapcontext(&scheduler, &fibers[t].ctx);
                        if (!fibers[t].done) live++;
                    }
                }
            }
    return 0;
}
