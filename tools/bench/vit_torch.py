#!/usr/bin/python3
"""PyTorch baseline for `mm1j bench vision`: the ViT-H/14-378 forward (and the MM1 C-Abstractor) of
tools/mm1ref on random weights, batch 1, no grad, a fixed thread count.

    /usr/bin/python3 tools/bench/vit_torch.py [--threads 2] [--iters 3] [--warmup 1] [--image-size 378]
                                              [--layers 32] [--connector]

Prints ms per image (min / median of the timed runs) and GFLOP/s. Check `uptime` first: other processes on
the machine distort the figures. F32 only (mm1ref runs in F32). Debian's OpenBLAS 0.3.21 does not recognise
the development machine's CPU under KVM and falls back to its Prescott (SSE3) kernels; run with
OPENBLAS_CORETYPE=SkylakeX for its AVX-512 kernels (docs/PERFORMANCE.md reports both).
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mm1ref.mm1_torch import CAbstractor, ConnectorConfig, VisionConfig, VisionTower  # noqa: E402


def encoder_flops(c, g):
    """Same count as VisionBench.encoderFlops: patchify + per layer 2·L·W·(4W + 2I) + 4·L²·W."""
    length, w, i, p = g * g + 1, c.hidden_size, c.intermediate_size, c.patch_size
    return 2 * g * g * w * 3 * p * p + c.num_hidden_layers * (2 * length * w * (4 * w + 2 * i) + 4 * length * length * w)


def timed(fn, warmup, iters):
    """(min wall ms, median wall ms, all wall ms, min process CPU ms over all threads)."""
    for _ in range(warmup):
        fn()
    out, cpu = [], []
    for _ in range(iters):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return min(out), statistics.median(out), out, min(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--image-size", type=int, default=378)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--connector", action="store_true", help="also time the C-Abstractor (d = 3072)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = VisionConfig(hidden_size=1280, intermediate_size=5120, num_hidden_layers=a.layers, num_attention_heads=16,
                     image_size=378, patch_size=14, hidden_act="quick_gelu", layer_norm_eps=1e-5)
    vit = VisionTower(c).eval()
    with torch.no_grad():
        for p in vit.parameters():
            if p.dim() > 1:
                p.uniform_(-0.02 * 3 ** 0.5, 0.02 * 3 ** 0.5)
    px = torch.randn(1, 3, a.image_size, a.image_size)
    g = a.image_size // 14
    gflop = encoder_flops(c, g) / 1e9
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, f32, ViT-H/14 {a.layers} layers at "
          f"{a.image_size}x{a.image_size} ({g * g + 1} tokens), {gflop:.1f} GFLOP")
    with torch.no_grad():
        mn, med, all_ms, cpu = timed(lambda: vit.vision_model(px, -1), a.warmup, a.iters)
        print(f"encoder   ms/image min {mn:.1f} median {med:.1f}  ({gflop / (mn / 1e3):.1f} GFLOP/s)  CPU ms {cpu:.0f}  runs: "
              + " ".join(f"{t:.0f}" for t in all_ms))
        if a.connector:
            conn = CAbstractor(ConnectorConfig(), c, 3072).eval()
            f = vit.vision_model(px, -1)
            mn, med, all_ms, _ = timed(lambda: conn(f), a.warmup, a.iters)
            print(f"connector ms/image min {mn:.1f} median {med:.1f}  runs: " + " ".join(f"{t:.0f}" for t in all_ms))


if __name__ == "__main__":
    main()
