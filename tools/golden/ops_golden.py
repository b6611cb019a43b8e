#!/usr/bin/python3
"""Golden outputs that prove mm1j's reference backend against PyTorch (and numpy for the GGUF blocks).

Writes tests/src/test/resources/golden/ops_golden.json, read by dev.mm1j.tests.golden.ReferenceGoldenTest.
Run with the system Python that has torch 1.13 and numpy:

    /usr/bin/python3 tools/golden/ops_golden.py

Every case holds small float32 seeded inputs and the PyTorch (CPU) output of:
  F.gelu (exact), quick_gelu x*sigmoid(1.702x), F.silu, torch.sigmoid, F.layer_norm (with and without
  affine), the HF Llama RMSNorm, softmax (plain, causal with an offset, logits of 1e4), F.conv2d (patchify,
  1x1, depthwise 3x3 pad 1, strided depthwise, general 3x3; tensors permuted to channels-last for mm1j),
  F.adaptive_avg_pool2d (overlapping bins 7->3, 5->3), F.interpolate bicubic align_corners=False (up, down,
  5->7, 27->37), the HF Llama rotate_half rope with llama3-scaled inverse frequencies at large positions,
  torch.topk, x @ w.T for F16/BF16 weights, causal GQA attention; the F16 and BF16 rounding of tricky float32
  values (torch's .half() / .bfloat16()); and Q8_0 / Q4_0 blocks from ggml's reference quantizers
  (quantize_row_q8_0_ref / quantize_row_q4_0_ref), written here in numpy from the format description only.

Ops that mm1j's reference defines in double (activations, norms, softmax, conv2d, pooling, matmul, attention)
are computed by PyTorch in float64 and rounded once to float32, so the reference must agree to about one float32
ulp of the output scale; ops the reference defines in float32 as PyTorch and Hugging Face do (bicubic resize,
rope's angle pos*inv_freq) are compared with PyTorch's float32 output.

Tensors are {"shape": [...], "f32": hex of little-endian float32 bytes} (exact, and compact), or
{"shape": [...], "i32": [...]}; F16/BF16 bit patterns and quantized blocks are ints and hex strings.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "src", "test", "resources", "golden",
                   "ops_golden.json")

torch.manual_seed(1234)
rng = np.random.default_rng(1234)
torch.set_num_threads(1)


def t32(a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    return {"shape": list(a.shape), "f32": a.astype("<f4").tobytes().hex()}


def ti32(a):
    a = np.asarray(a, dtype=np.int64)
    return {"shape": list(a.shape), "i32": [int(v) for v in a.reshape(-1)]}


def f64(fn, *args, **kw):
    """fn evaluated in float64 on (exactly widened) float32 tensors, rounded once to float32."""
    return fn(*[a.double() if isinstance(a, torch.Tensor) else a for a in args], **kw).float()


def randn(*shape, scale=1.0, mean=0.0):
    return (torch.randn(*shape, dtype=torch.float32) * scale + mean).float()


cases = []


def case(name, op, **fields):
    c = {"name": name, "op": op}
    for k, v in fields.items():
        c[k] = v.detach().numpy() if isinstance(v, torch.Tensor) else v
        if isinstance(c[k], np.ndarray):
            c[k] = ti32(c[k]) if c[k].dtype.kind in "iu" else t32(c[k])
    cases.append(c)


# ------------------------------------------------------------------ activations
x = randn(101, scale=3.0)
x[:10] = torch.tensor([-100.0, 100.0, -20.0, 20.0, 0.0, -0.0, 1e-20, -8.5, 8.5, 0.5])
case("gelu exact [101]", "gelu", x=x, out=f64(F.gelu, x))
case("quick_gelu [101]", "quick_gelu", x=x, out=f64(lambda v: v * torch.sigmoid(1.702 * v), x))
case("silu [101]", "silu", x=x, out=f64(F.silu, x))
case("sigmoid [101]", "sigmoid", x=x, out=f64(torch.sigmoid, x))

# ------------------------------------------------------------------ norms
x = randn(5, 37)
w, b = randn(37, scale=0.2, mean=1.0), randn(37)
case("layer_norm [5,37] weight bias eps 1e-5", "layer_norm", x=x, weight=w, bias=b, eps=1e-5,
     out=f64(F.layer_norm, x, (37,), w, b, 1e-5))
case("layer_norm [5,37] no affine eps 1e-6", "layer_norm", x=x, eps=1e-6, out=f64(F.layer_norm, x, (37,), None, None, 1e-6))
x = randn(3, 64, mean=100.0)
case("layer_norm [3,64] mean 100 weight bias", "layer_norm", x=x, weight=w[:1].repeat(64), bias=b[:1].repeat(64),
     eps=1e-5, out=f64(F.layer_norm, x, (64,), w[:1].repeat(64), b[:1].repeat(64), 1e-5))
x, w = randn(4, 65, scale=2.0), randn(65, scale=0.2, mean=1.0)
case("rms_norm [4,65] (HF LlamaRMSNorm)", "rms_norm", x=x, weight=w, eps=1e-6,
     out=f64(lambda v, g: v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + 1e-6) * g, x, w))

# ------------------------------------------------------------------ softmax
x = randn(4, 33, scale=3.0)
case("softmax [4,33]", "softmax", x=x, causal=False, offset=0, out=f64(torch.softmax, x, -1))
x = randn(3, 50, scale=1e4)
case("softmax [3,50] logits 1e4", "softmax", x=x, causal=False, offset=0, out=f64(torch.softmax, x, -1))
x = randn(5, 31, scale=3.0)
mask = torch.arange(31)[None, :] > (torch.arange(5)[:, None] + 26)
case("softmax [5,31] causal offset 26", "softmax", x=x, causal=True, offset=26,
     out=f64(lambda v: torch.softmax(v.masked_fill(mask, float("-inf")), -1), x))


# ------------------------------------------------------------------ conv2d (mm1j is channels-last: x [H, W, C])
def conv(name, h, wd, cin, cout, k, stride, pad, groups):
    x = randn(1, cin, h, wd)
    w = randn(cout, cin // groups, k, k, scale=0.3)
    y = f64(F.conv2d, x, w, None, stride, pad, 1, groups)
    case(name, "conv2d", x=x[0].permute(1, 2, 0), w=w, stride=stride, padding=pad, groups=groups,
         out=y[0].permute(1, 2, 0))


conv("conv2d patchify [14,14,3] w [8,3,7,7] stride 7", 14, 14, 3, 8, 7, 7, 0, 1)
conv("conv2d 1x1 [4,5,6] w [5,6,1,1]", 4, 5, 6, 5, 1, 1, 0, 1)
conv("conv2d depthwise 3x3 pad 1 [6,5,8]", 6, 5, 8, 8, 3, 1, 1, 8)
conv("conv2d depthwise 3x3 pad 1 stride 2 [7,8,4]", 7, 8, 4, 4, 3, 2, 1, 4)
conv("conv2d 3x3 pad 1 [5,4,3] w [4,3,3,3]", 5, 4, 3, 4, 3, 1, 1, 1)


# ------------------------------------------------------------------ pooling and resize (channels-last)
def spatial(name, op, h, wd, c, oh, ow):
    x = randn(1, c, h, wd)
    if op == "adaptive_avg_pool2d":
        y = f64(F.adaptive_avg_pool2d, x, (oh, ow))
    else:
        y = F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False)
    case(name, op, x=x[0].permute(1, 2, 0), out=y[0].permute(1, 2, 0))


spatial("adaptive_avg_pool2d 7x7 -> 3x3", "adaptive_avg_pool2d", 7, 7, 4, 3, 3)
spatial("adaptive_avg_pool2d 5x5 -> 3x3", "adaptive_avg_pool2d", 5, 5, 2, 3, 3)
spatial("adaptive_avg_pool2d 6x9 -> 4x4", "adaptive_avg_pool2d", 6, 9, 3, 4, 4)
spatial("resize_bicubic 5x5 -> 7x7", "resize_bicubic", 5, 5, 3, 7, 7)
spatial("resize_bicubic 27x27 -> 37x37", "resize_bicubic", 27, 27, 2, 37, 37)
spatial("resize_bicubic 37x37 -> 27x27", "resize_bicubic", 37, 37, 2, 27, 27)
spatial("resize_bicubic 7x4 -> 2x9", "resize_bicubic", 7, 4, 3, 2, 9)


# ------------------------------------------------------------------ rope: HF Llama rotate_half, llama3 inv_freq
def llama3_inv_freq(dim, base=500000.0, factor=8.0, low=1.0, high=4.0, old=8192):
    # as transformers' _compute_default_rope_parameters + _compute_llama3_parameters
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    inv_llama = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, inv_llama)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def hf_rope(x, positions, inv_freq):  # x [T, H, D]
    inv_exp = inv_freq[None, :, None].float()
    pos_exp = positions[None, None, :].float()
    freqs = (inv_exp @ pos_exp).transpose(1, 2)[0]  # [T, D/2], as LlamaRotaryEmbedding
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None, :], emb.sin()[:, None, :]
    return x * cos + rotate_half(x) * sin


for d, pos in ((64, [0, 1, 2, 7, 100]), (128, [8191, 8192, 65535, 100000, 131071])):
    inv = llama3_inv_freq(d)
    x = randn(len(pos), 3, d)
    p = torch.tensor(pos, dtype=torch.int64)
    case(f"rope llama3 D={d} positions {pos}", "rope", x=x, positions=p.numpy().astype(np.int32), inv_freq=inv,
         out=hf_rope(x, p, inv))

# ------------------------------------------------------------------ top-k
x = torch.tensor(rng.permutation(33 * 4).reshape(4, 33).astype(np.float32) - 60)
v, i = torch.topk(x, 5)
case("top_k [4,33] k=5 distinct", "top_k", x=x, k=5, values=v, indices=i.numpy().astype(np.int32))
x = torch.tensor(rng.integers(-3, 4, size=(3, 40)).astype(np.float32))
v, i = torch.topk(x, 7)
case("top_k [3,40] k=7 ties (values only: torch does not order ties)", "top_k", x=x, k=7, values=v, ties=True)

# ------------------------------------------------------------------ matmul with 16-bit weights, attention
x = randn(3, 40)
for name, dt in (("F16", torch.float16), ("BF16", torch.bfloat16)):
    w16 = randn(7, 40).to(dt)
    case(f"matmul x [3,40] w {name} [7,40]", "matmul", x=x, w=w16.float(), w_dtype=name,
         out=f64(lambda a, b: a @ b.t(), x, w16.float()))

q, k, v = randn(6, 4, 16), randn(6, 2, 16), randn(6, 2, 16)  # [T, H, D], GQA 4/2


def gqa_causal(q, k, v):  # [T, H, D], kv head h // (H / KV)
    qh, kh, vh = q.transpose(0, 1), k.transpose(0, 1).repeat_interleave(2, 0), v.transpose(0, 1).repeat_interleave(2, 0)
    s = (qh @ kh.transpose(1, 2)) * 0.25
    s = s.masked_fill(torch.triu(torch.ones(6, 6, dtype=torch.bool), 1), float("-inf"))
    return (torch.softmax(s, -1) @ vh).transpose(0, 1)


case("attention causal GQA T=6 H=4 KV=2 D=16", "attention", q=q, k=k, v=v, scale=0.25, causal=True, offset=0,
     out=f64(gqa_causal, q, k, v))

# ------------------------------------------------------------------ F16 / BF16 rounding (torch)
tricky = [1.0, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11), 1 + 2 ** -8, 1 + 3 * 2 ** -8, 65504.0, 65519.0, 65520.0,
          70000.0, -65536.0, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -14 - 2 ** -25, 2 ** -26, 1e-8, 0.0, -0.0, 0.1, 1 / 3,
          3.4028234663852886e38, 1e-40, 2 ** -133, float("inf"), float("-inf"), float("nan"), 2049.0, 2051.0, 4097.0,
          256.5, 257.5, 33554431.0]
tricky += [float(v) for v in rng.normal(size=40).astype(np.float32) * 100]
tf = torch.tensor(tricky, dtype=torch.float32)
case("f16/bf16 rounding of tricky float32 values", "round16", bits=tf.view(torch.int32).numpy(),
     f16=tf.half().view(torch.int16).numpy().astype(np.int32) & 0xFFFF,
     bf16=tf.bfloat16().view(torch.int16).numpy().astype(np.int32) & 0xFFFF)


# ------------------------------------------------------------------ Q8_0 / Q4_0 (ggml's reference quantizers, in numpy)
def roundf(v):  # C roundf: halves away from zero, exact in float32
    r = np.trunc(v)
    frac = np.abs(v - r)
    return np.where(frac >= np.float32(0.5), r + np.sign(v), r).astype(np.float32)


def q8_0(x):
    out = bytearray()
    for blk in x.reshape(-1, 32):
        amax = np.max(np.abs(blk)).astype(np.float32)
        d = np.float32(amax / np.float32(127))
        idv = np.float32(1) / d if d != 0 else np.float32(0)
        q = roundf((blk * idv).astype(np.float32)).astype(np.int8)
        out += np.float16(d).tobytes() + q.tobytes()
    return bytes(out)


def q4_0(x):
    out = bytearray()
    for blk in x.reshape(-1, 32):
        amax, mx = np.float32(0), np.float32(0)
        for v in blk:  # the signed value with the largest magnitude, first on ties
            if amax < abs(v):
                amax, mx = np.float32(abs(v)), v
        d = np.float32(mx / np.float32(-8))
        idv = np.float32(1) / d if d != 0 else np.float32(0)
        xi0 = np.trunc((blk[:16] * idv).astype(np.float32) + np.float32(8.5)).astype(np.int64)
        xi1 = np.trunc((blk[16:] * idv).astype(np.float32) + np.float32(8.5)).astype(np.int64)
        qs = (np.minimum(15, xi0) | (np.minimum(15, xi1) << 4)).astype(np.uint8)
        out += np.float16(d).tobytes() + qs.tobytes()
    return bytes(out)


blocks = [rng.normal(size=32 * 4).astype(np.float32),
          (rng.normal(size=32) * 1e-3).astype(np.float32),
          np.zeros(32, dtype=np.float32)]
halves = np.zeros(32, dtype=np.float32)
halves[:6] = [127, 2.5, -3.5, 0.5, -0.5, 126.5]  # d = 1 in Q8_0: exact halves round away from zero
blocks.append(halves)
ties = rng.normal(size=32).astype(np.float32)
ties[3], ties[9] = -5.0, 5.0  # Q4_0: |max| tie, the first (negative) one sets d
blocks.append(ties)
big = (rng.normal(size=32) * 3e4).astype(np.float32)
blocks.append(big)
for i, blk in enumerate(blocks):
    case(f"quantize block set {i} ({blk.size} values)", "quantize", x=blk, q8_0=q8_0(blk).hex(), q4_0=q4_0(blk).hex())

doc = {
    "about": "PyTorch/numpy outputs for dev.mm1j.tests.golden.ReferenceGoldenTest; written by tools/golden/ops_golden.py",
    "torch": torch.__version__, "numpy": np.__version__, "cases": cases,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:  # one case per line, so that a regenerated file diffs by case
    head = json.dumps({k: v for k, v in doc.items() if k != "cases"}, allow_nan=False)
    f.write(head[:-1] + ', "cases": [\n')
    f.write(",\n".join(json.dumps(c, allow_nan=False) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)
