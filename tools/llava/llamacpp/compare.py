#!/usr/bin/python3
"""The PyTorch side of tools/llava/llamacpp/check.sh: reads an mmproj GGUF (its own small reader, numpy dequantizers
from tools/formats/ggufgen.py), rebuilds the CLIP tower + projector in PyTorch and runs it on the given pixels twice:

  1. as this llama.cpp snapshot's tools/mtmd/models/llava.cpp computes it: one block fewer than stored (or exactly
     clip.vision.feature_layer, concatenated in ascending order), the class token appended AFTER the patches while
     the position embeddings are added in order (patch i gets position i, the class token the last one) and the
     outputs taken from row 1 on (patch 0 dropped, the class token kept last), the projector's GELU in tanh form;
     compared with llama.cpp's embeddings (LLAMACPP.f32) and the difference printed and checked;
  2. as transformers / spec §9.1 define it (class token first at position 0, erf GELU), with llama.cpp's block
     count, written to OUT.f32 for LlamaCppClipCheckTest to compare with mm1j.

    compare.py MMPROJ PIXELS.f32 LLAMACPP.f32 OUT.f32
"""
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from formats import ggufgen as g  # noqa: E402

_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_TYPE_NAMES = {v[0]: k for k, v in g.TYPES.items()}


def read_gguf(path):
    """(metadata dict, {name: float32 array in row-major HF shape})."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(_SCALAR[t])

    assert data[:4] == b"GGUF", path
    pos = 4
    version, n_tensors, n_kv = take("<I"), take("<Q"), take("<Q")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        nd = take("<I")
        ne = [take("<Q") for _ in range(nd)]
        infos.append((name, ne, take("<I"), take("<Q")))
    align = meta.get("general.alignment", 32)
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, tid, off in infos:
        tname = _TYPE_NAMES[tid]
        n = int(np.prod(ne))
        _, bs, bb = g.TYPES[tname]
        raw = data[base + off: base + off + n // bs * bb]
        if tname == "F32":
            v = np.frombuffer(raw, "<f4").astype(np.float32)
        elif tname == "F16":
            v = np.frombuffer(raw, "<f2").astype(np.float32)
        else:
            v = g.dequantize(tname, raw, n)
        tensors[name] = v.reshape(list(reversed(ne)))
    return meta, tensors


def forward(meta, t, px, states, llamacpp):
    """[tokens, d] embeddings of pixels [1, 3, S, S]."""
    T = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in t.items()}
    w, heads, eps = meta["clip.vision.embedding_length"], meta["clip.vision.attention.head_count"], meta["clip.vision.attention.layer_norm_epsilon"]
    p = meta["clip.vision.patch_size"]
    act = F.gelu if meta.get("clip.use_gelu", False) else (lambda x: x * torch.sigmoid(1.702 * x))
    patches = F.conv2d(px, T["v.patch_embd.weight"], stride=p).flatten(2).transpose(1, 2)
    cls = T["v.class_embd"].reshape(1, 1, w)
    x = torch.cat([patches, cls], 1) if llamacpp else torch.cat([cls, patches], 1)
    x = x + T["v.position_embd.weight"][None]
    ln = lambda x, n: F.layer_norm(x, (w,), T[n + ".weight"], T[n + ".bias"], eps)
    h = ln(x, "v.pre_ln")
    out = {0: h}
    for i in range(max(states)):
        b = f"v.blk.{i}."
        lin = lambda x, n: x @ T[b + n + ".weight"].T + T[b + n + ".bias"]
        a = ln(h, b + "ln1")
        q, k, v = (lin(a, n).view(1, -1, heads, w // heads).transpose(1, 2) for n in ("attn_q", "attn_k", "attn_v"))
        att = torch.softmax(q @ k.transpose(-1, -2) / (w // heads) ** 0.5, -1) @ v
        h = h + lin(att.transpose(1, 2).reshape(1, -1, w), "attn_out")
        a = ln(h, b + "ln2")
        # fc1 is the [ff, w] one, whatever its name (the legacy converter called it ffn_down)
        fc1, fc2 = ("ffn_down", "ffn_up") if T[b + "ffn_down.weight"].shape[1] == w else ("ffn_up", "ffn_down")
        h = h + lin(act(lin(a, fc1)), fc2)
        out[i + 1] = h
    f = torch.cat([out[s] for s in states], -1)[0, 1:]
    m = f @ T["mm.0.weight"].T + T["mm.0.bias"]
    m = F.gelu(m, approximate="tanh") if llamacpp else F.gelu(m)
    return m @ T["mm.2.weight"].T + T["mm.2.bias"]


def main():
    mmproj, pixels, theirs_path, out_path = sys.argv[1:5]
    meta, t = read_gguf(mmproj)
    s = meta["clip.vision.image_size"]
    px = torch.from_numpy(np.fromfile(pixels, "<f4").reshape(1, 3, s, s))
    blocks = meta["clip.vision.block_count"]
    fl = meta.get("clip.vision.feature_layer")
    states = sorted(fl) if fl else [blocks - 1]
    theirs = torch.from_numpy(np.fromfile(theirs_path, "<f4"))
    with torch.no_grad():
        emulated = forward(meta, t, px, states, llamacpp=True).reshape(-1)
        ours = forward(meta, t, px, states, llamacpp=False)
    err = float((emulated - theirs).abs().max() / emulated.abs().max())
    print(f"[llama.cpp clip] {mmproj}: PyTorch with llama.cpp's semantics vs llama.cpp: max rel diff {err:.2e} "
          f"(hidden states {states}, {ours.shape[0]} tokens x {ours.shape[1]})")
    ours.numpy().astype("<f4").tofile(out_path)
    if err > 2e-2:
        raise SystemExit(f"{mmproj}: llama.cpp's embeddings differ from its emulation by {err:.2e}: the weights are not read alike")


if __name__ == "__main__":
    main()
