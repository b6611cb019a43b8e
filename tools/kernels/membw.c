/*
 * Memory read bandwidth of this machine, as a C/OpenMP AVX-512 sum over 1 GiB (far beyond the L3): the
 * ceiling the GEMV figures in docs/PERFORMANCE.md are compared with (the JMH MemoryBench, a Vector API sum,
 * reads ~10 % less). Not part of the build; run by hand:
 *
 *   gcc -O2 -mavx512f -fopenmp tools/kernels/membw.c -o /tmp/membw && OMP_NUM_THREADS=2 /tmp/membw
 *
 * Prints every pass and the best, in GB/s (10^9 bytes per second).
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  size_t n=(size_t)1<<30; // bytes
  float*a=aligned_alloc(64,n); memset(a,1,n);
  size_t m=n/4; double best=0;
  for(int it=0;it<10;it++){
    double t0=now(); float tot=0;
    #pragma omp parallel reduction(+:tot)
    {
      __m512 s0=_mm512_setzero_ps(),s1=s0,s2=s0,s3=s0;
      #pragma omp for schedule(static)
      for(size_t i=0;i<m;i+=64){
        s0=_mm512_add_ps(s0,_mm512_load_ps(a+i)); s1=_mm512_add_ps(s1,_mm512_load_ps(a+i+16));
        s2=_mm512_add_ps(s2,_mm512_load_ps(a+i+32)); s3=_mm512_add_ps(s3,_mm512_load_ps(a+i+48));
      }
      tot+=_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0,s1),_mm512_add_ps(s2,s3)));
    }
    double t=now()-t0; double gbs=n/t/1e9; if(gbs>best)best=gbs;
    printf("%.1f GB/s (%g)\n",gbs,tot);
  }
  printf("best %.1f GB/s threads %d\n",best,omp_get_max_threads());
}
