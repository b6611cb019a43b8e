#!/usr/bin/python3
"""A random LLaVA-1.5-7B-shaped GGUF pair for speed measurements (mm1j bench, and llama.cpp's llama-mtmd-cli on the
same files: tools/llava/side_by_side.py). Never needed by the build or CI.

    /usr/bin/python3 tools/llava/make_bench_pair.py [OUT_DIR] [--types q4_0,q8_0]

writes into OUT_DIR (default models/bench, git-ignored):
  llava-1.5-7b-random-Q4_0.gguf, llava-1.5-7b-random-Q8_0.gguf   the text model: Llama (Vicuna-7B) shape, hidden
        4096, 32 layers, 32 heads (no GQA), FFN 11008, vocab 32000, context 4096; every matrix (token_embd and output
        included) in the file's type, norms F32 (real llama.cpp Q4_0 files keep output.weight in Q6_K); random blocks
        with the scale of N(0, 0.02) weights; a SentencePiece-style vocabulary (<unk>, <s>, </s>, 256 byte tokens,
        made-up pieces; no chat template, as llava-v1.5 GGUFs have none); about 3.6 and 6.7 GiB.
  mmproj-llava-1.5-7b-random-F16.gguf   CLIP ViT-L/14-336 + the mlp projector (1024 -> 4096 -> 4096) as llama.cpp's
        legacy convert_image_encoder_to_gguf.py writes LLaVA-1.5's (tools/llava/gguf_pair.py): 23 blocks stored
        (the feature layer -2), matrices F16, norms and biases F32; about 0.6 GiB.
The text files are streamed (a block row at a time), so writing needs little memory; the mmproj is built in memory
(~4 GiB peak).
"""
import argparse
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

TEXT = dict(hidden=4096, layers=32, heads=32, kv_heads=32, ffn=11008, vocab=32000, ctx=4096, rope_theta=10000.0, eps=1e-5)
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q8_0": (8, 32, 34)}  # type id, block, bytes
FILE_TYPE = {"Q4_0": 2, "Q8_0": 7}
STRING, UINT32, INT32, FLOAT32, BOOL, ARRAY = 8, 4, 5, 6, 7, 9


def _s(x):
    b = x.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _kv(key, vtype, value):
    out = _s(key) + struct.pack("<I", vtype)
    if vtype == ARRAY:
        etype, items = value
        out += struct.pack("<IQ", etype, len(items))
        for it in items:
            out += _s(it) if etype == STRING else struct.pack({INT32: "<i", FLOAT32: "<f", UINT32: "<I"}[etype], it)
        return out
    if vtype == STRING:
        return out + _s(value)
    return out + struct.pack({UINT32: "<I", FLOAT32: "<f", BOOL: "<?", INT32: "<i"}[vtype], value)


def vocabulary(n):
    """A SentencePiece-style vocabulary of n tokens: <unk>, <s>, </s>, <0x00>..<0xFF>, then pieces with scores."""
    tokens, types, scores = ["<unk>", "<s>", "</s>"], [2, 3, 3], [0.0, 0.0, 0.0]
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        types.append(6)
        scores.append(0.0)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    pieces = ["\u2581"] + list(letters) + list(letters.upper()) + list("0123456789.,!?:;'\"()-")
    pieces += ["\u2581" + c for c in letters + letters.upper()]
    seen = set(tokens)
    k = 0
    while len(tokens) < n:
        if k < len(pieces):
            p = pieces[k]
        else:  # deterministic made-up words: ▁ + 2..6 letters
            i, w = k, ""
            for _ in range(2 + k % 5):
                w += letters[i % 26]
                i //= 26
            p = ("\u2581" if k % 3 else "") + w
        k += 1
        if p in seen:
            continue
        seen.add(p)
        tokens.append(p)
        types.append(1)
        scores.append(-float(len(tokens)))
    return tokens, types, scores


def text_header(kind, tensors):
    t = TEXT
    a = "llama."
    tokens, types, scores = vocabulary(t["vocab"])
    kvs = [("general.architecture", STRING, "llama"), ("general.name", STRING, "random LLaVA-1.5-7B-shaped text model (mm1j bench)"),
           ("general.file_type", UINT32, FILE_TYPE[kind]), ("general.alignment", UINT32, 32),
           (a + "context_length", UINT32, t["ctx"]), (a + "embedding_length", UINT32, t["hidden"]),
           (a + "block_count", UINT32, t["layers"]), (a + "feed_forward_length", UINT32, t["ffn"]),
           (a + "rope.dimension_count", UINT32, t["hidden"] // t["heads"]), (a + "attention.head_count", UINT32, t["heads"]),
           (a + "attention.head_count_kv", UINT32, t["kv_heads"]), (a + "attention.layer_norm_rms_epsilon", FLOAT32, t["eps"]),
           (a + "rope.freq_base", FLOAT32, t["rope_theta"]), (a + "vocab_size", UINT32, t["vocab"]),
           ("tokenizer.ggml.model", STRING, "llama"), ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
           ("tokenizer.ggml.scores", ARRAY, (FLOAT32, scores)), ("tokenizer.ggml.token_type", ARRAY, (INT32, types)),
           ("tokenizer.ggml.bos_token_id", UINT32, 1), ("tokenizer.ggml.eos_token_id", UINT32, 2),
           ("tokenizer.ggml.unknown_token_id", UINT32, 0), ("tokenizer.ggml.add_bos_token", BOOL, True),
           ("tokenizer.ggml.add_eos_token", BOOL, False)]
    head = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
    for kv in kvs:
        head += _kv(*kv)
    offset = 0
    for name, ttype, ne in tensors:
        tid, bs, bb = GGML[ttype]
        head += _s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", tid, offset)
        offset += (int(np.prod(ne)) // bs * bb + 31) // 32 * 32
    head += b"\0" * ((-len(head)) % 32)
    return bytes(head)


def text_tensors(kind):
    t = TEXT
    d, f, v, hd = t["hidden"], t["ffn"], t["vocab"], t["hidden"] // t["heads"]
    kvd = t["kv_heads"] * hd
    out = [("token_embd.weight", kind, [d, v]), ("output_norm.weight", "F32", [d]), ("output.weight", kind, [d, v])]
    for i in range(t["layers"]):
        b = f"blk.{i}."
        out += [(b + "attn_norm.weight", "F32", [d]), (b + "attn_q.weight", kind, [d, d]), (b + "attn_k.weight", kind, [d, kvd]),
                (b + "attn_v.weight", kind, [d, kvd]), (b + "attn_output.weight", kind, [d, d]), (b + "ffn_norm.weight", "F32", [d]),
                (b + "ffn_gate.weight", kind, [d, f]), (b + "ffn_up.weight", kind, [d, f]), (b + "ffn_down.weight", kind, [f, d])]
    return out


def random_blocks(rng, ttype, n_blocks):
    """Raw ggml blocks: a fixed-ish F16 scale (weights ~ N(0, 0.02)) and random quants."""
    if ttype == "Q8_0":
        blk = np.empty(n_blocks, dtype=[("d", "<f2"), ("q", "i1", 32)])
        blk["d"] = (0.02 / 64) * (0.5 + rng.random(n_blocks, dtype=np.float32))
        blk["q"] = rng.integers(-127, 128, (n_blocks, 32), dtype=np.int8)
    else:
        blk = np.empty(n_blocks, dtype=[("d", "<f2"), ("q", "u1", 16)])
        blk["d"] = (0.02 / 4) * (0.5 + rng.random(n_blocks, dtype=np.float32))
        blk["q"] = rng.integers(0, 256, (n_blocks, 16), dtype=np.uint8)
    return blk.tobytes()


def write_text(path, kind, seed=0):
    rng = np.random.default_rng(seed)
    tensors = text_tensors(kind)
    with open(path + ".part", "wb") as f:
        f.write(text_header(kind, tensors))
        for name, ttype, ne in tensors:
            n = int(np.prod(ne))
            if ttype == "F32":
                raw = np.ones(n, np.float32).tobytes()
            else:
                rows, per_row = ne[1], ne[0] // 32
                step = max(1, (1 << 22) // per_row)  # about 4 M blocks at a time
                raw = b""
                for r0 in range(0, rows, step):
                    f.write(random_blocks(rng, ttype, per_row * min(step, rows - r0)))
            f.write(raw)
            size = n // GGML[ttype][1] * GGML[ttype][2]
            f.write(b"\0" * ((-size) % 32))
    os.replace(path + ".part", path)
    print(f"wrote {path} ({os.path.getsize(path) / 2**30:.2f} GiB)")


def write_mmproj(path, seed=0):
    from gguf_pair import write_mmproj as write
    from llava_ref import LlavaCfg
    cfg = LlavaCfg({"model_type": "llava"})  # LLaVA-1.5: ViT-L/14-336, feature layer -2, Llama-7B text width
    v, d = cfg.vision, cfg.text["hidden_size"]
    assert v["hidden_size"] == 1024 and v["num_hidden_layers"] == 24 and d == 4096, (v, d)
    rng = np.random.default_rng(seed + 1)
    w, inter, p, s = v["hidden_size"], v["intermediate_size"], v["patch_size"], v["image_size"]
    rand = lambda *shape: (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)
    vt = "vision_tower.vision_model."
    sd = {vt + "embeddings.class_embedding": rand(w), vt + "embeddings.patch_embedding.weight": rand(w, 3, p, p),
          vt + "embeddings.position_embedding.weight": rand((s // p) ** 2 + 1, w),
          vt + "pre_layrnorm.weight": np.ones(w, np.float32), vt + "pre_layrnorm.bias": np.zeros(w, np.float32),
          "multi_modal_projector.linear_1.weight": rand(d, w), "multi_modal_projector.linear_1.bias": np.zeros(d, np.float32),
          "multi_modal_projector.linear_2.weight": rand(d, d), "multi_modal_projector.linear_2.bias": np.zeros(d, np.float32)}
    for i in range(v["num_hidden_layers"] - 1):
        l = f"{vt}encoder.layers.{i}."
        for m in ("q_proj", "k_proj", "v_proj", "out_proj"):
            sd[l + f"self_attn.{m}.weight"], sd[l + f"self_attn.{m}.bias"] = rand(w, w), np.zeros(w, np.float32)
        for ln in ("layer_norm1", "layer_norm2"):
            sd[l + ln + ".weight"], sd[l + ln + ".bias"] = np.ones(w, np.float32), np.zeros(w, np.float32)
        sd[l + "mlp.fc1.weight"], sd[l + "mlp.fc1.bias"] = rand(inter, w), np.zeros(inter, np.float32)
        sd[l + "mlp.fc2.weight"], sd[l + "mlp.fc2.bias"] = rand(w, inter), np.zeros(w, np.float32)
    _, blocks = write(path, sd, cfg, lambda name, shape: "F16", rng)
    print(f"wrote {path} ({os.path.getsize(path) / 2**30:.2f} GiB, {blocks} blocks)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?", default=os.path.join("models", "bench"))
    ap.add_argument("--types", default="q4_0,q8_0")
    ap.add_argument("--no-mmproj", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    if not a.no_mmproj:
        write_mmproj(os.path.join(a.out_dir, "mmproj-llava-1.5-7b-random-F16.gguf"))
    for kind in [k.strip().upper() for k in a.types.split(",") if k.strip()]:
        if kind not in FILE_TYPE:
            raise SystemExit(f"--types: {kind} is not one of q4_0, q8_0")
        write_text(os.path.join(a.out_dir, f"llava-1.5-7b-random-{kind}.gguf"), kind)


if __name__ == "__main__":
    main()
