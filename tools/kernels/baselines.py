#!/usr/bin/python3
"""Baselines for docs/PERFORMANCE.md, run on the same machine as the JMH benchmarks:

  * OpenBLAS sgemm through numpy (a @ b, F32, square sizes), in GFLOP/s
  * memory read bandwidth: numpy sum over a 1 GiB float32 array (far beyond the 260 MB L3), in GB/s

Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/kernels/baselines.py [repeats]
(unset OPENBLAS_CORETYPE so that OpenBLAS picks its kernel for this CPU). Prints the best and the median.
"""
import os
import sys
import time

import numpy as np


def timeit(f, repeats):
    f()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print("OPENBLAS_NUM_THREADS=%s OPENBLAS_CORETYPE=%s numpy %s" % (
        os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OPENBLAS_CORETYPE"), np.__version__))
    rng = np.random.default_rng(42)
    for n in (512, 1024, 2048):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        best, med = timeit(lambda: a @ b, repeats)
        print("sgemm %5d: best %7.1f GFLOP/s, median %7.1f GFLOP/s" % (n, 2 * n ** 3 / best / 1e9, 2 * n ** 3 / med / 1e9))
    # the vision MLP shape: [730, 1280] x [1280, 5120]
    a = rng.standard_normal((730, 1280), dtype=np.float32)
    b = rng.standard_normal((1280, 5120), dtype=np.float32)
    best, med = timeit(lambda: a @ b, repeats)
    fl = 2 * 730 * 1280 * 5120
    print("sgemm 730x1280x5120: best %7.1f GFLOP/s, median %7.1f GFLOP/s" % (fl / best / 1e9, fl / med / 1e9))
    x = np.ones(1 << 28, dtype=np.float32)  # 1 GiB
    best, med = timeit(lambda: x.sum(), repeats)
    print("read bandwidth (numpy sum, 1 GiB, one thread): best %.1f GB/s, median %.1f GB/s" % (x.nbytes / best / 1e9, x.nbytes / med / 1e9))


if __name__ == "__main__":
    main()
