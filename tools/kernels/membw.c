/*
 * Memory read bandwidth of this machine, and how it drops when each cache line costs some vector work (as in
 * a dequantizing GEMV), with and without software prefetch and transparent huge pages. C/OpenMP, AVX-512, a
 * sum over 1 GiB (far beyond the L3). Not part of the build; run by hand:
 *
 *   gcc -O2 -mavx512f -fopenmp tools/kernels/membw.c -o /tmp/membw
 *   OMP_NUM_THREADS=2 /tmp/membw                 # plain read bandwidth (the GEMV ceiling in docs/PERFORMANCE.md)
 *   OMP_NUM_THREADS=2 /tmp/membw 8 4096 0        # 8 FMAs per 64 bytes, prefetch 4 KiB ahead, no huge pages
 *
 * Arguments: WORK (FMAs per 64-byte line, default 0), PREFETCH (bytes ahead, 0 = none), HUGE (1 = madvise
 * MADV_HUGEPAGE). With WORK > 0 each line's first 16 bytes are also widened int8 -> float as a Q8_0 GEMV does;
 * WORK 0 is a plain sum of the lines (the read bandwidth). Prints the best of 8
 * passes in GB/s (10^9 bytes per second).
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int work = argc > 1 ? atoi(argv[1]) : 0;
    size_t pf = argc > 2 ? (size_t) atol(argv[2]) : 0;
    int huge = argc > 3 ? atoi(argv[3]) : 0;
    size_t n = (size_t) 1 << 30;
    char *a = mmap(NULL, n + pf + 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); return 1; }
    if (huge) madvise(a, n + pf + 64, MADV_HUGEPAGE);
    memset(a, 1, n + pf + 64);
    double best = 0;
    float total = 0;
    for (int it = 0; it < 8; it++) {
        double t0 = now();
        float tot = 0;
#pragma omp parallel reduction(+ : tot)
        {
            __m512 s = _mm512_setzero_ps(), m = _mm512_set1_ps(1.0001f);
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i += 64) {
                if (pf) _mm_prefetch(a + i + pf, _MM_HINT_T0);
                __m512 v = _mm512_castsi512_ps(_mm512_loadu_si512(a + i));
                if (work) v = _mm512_add_ps(v, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((__m128i *) (a + i)))));
                for (int w = 0; w < work; w++) v = _mm512_fmadd_ps(v, m, v);
                s = _mm512_add_ps(s, v);
            }
            tot += _mm512_reduce_add_ps(s);
        }
        double gbs = n / (now() - t0) / 1e9;
        if (gbs > best) best = gbs;
        total += tot;
    }
    printf("work %d, prefetch %zu, huge pages %d, %d threads: best %.1f GB/s (%g)\n", work, pf, huge, omp_get_max_threads(), best, total);
    return 0;
}
