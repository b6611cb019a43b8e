"""GGUF files for the decoder, written with tools/text/gguf_writer.py (numpy only).

  Convert a small Hugging Face checkpoint (llama or qwen2 family, e.g. the golden ones) to GGUF, the way
  llama.cpp's converter lays it out (q/k rows permuted for llama, llama3 rope scaling as rope_freqs.weight):
      /usr/bin/python3 tools/text/make_gguf.py convert FOLDER OUT.gguf [--type f32|f16|q8_0|q4_0]

  Random-weight Llama-3.2-1B-shaped files for `mm1j bench` (hidden 2048, 16 layers, 32/8 heads, FFN 8192,
  vocab 128256, tied embeddings; every matrix, token_embd included, in the given type, norms F32):
      /usr/bin/python3 tools/text/make_gguf.py random-1b [OUT_DIR] [--types f16,q8_0,q4_0] [--tokenizer tokenizer.json.gz]
  writes OUT_DIR/llama-3.2-1b-random-{F16,Q8_0,Q4_0}.gguf (default OUT_DIR models/bench, git-ignored; about
  2.3, 1.2 and 0.7 GiB).
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from text.gguf_writer import GGUFWriter  # noqa: E402
from mm1ref.safetensors_io import load_file  # noqa: E402

FILE_TYPE = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 7}


def permute(w, heads):
    """llama.cpp's converter: each head's rows [2, hd/2] -> [hd/2, 2] (interleaved rope pairs)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_factors(c, hd):
    rs = c["rope_scaling"]
    factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
    out = []
    for i in range(0, hd, 2):
        freq = 1.0 / c.get("rope_theta", 10000.0) ** (i / hd)
        wavelen = 2 * math.pi / freq
        if wavelen < old / hi:
            out.append(1.0)
        elif wavelen > old / lo:
            out.append(factor)
        else:
            smooth = (old / wavelen - lo) / (hi - lo)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.asarray(out, dtype=np.float32)


def header(w, arch, c, vocab, hd, kind, n_layers):
    p = arch + "."
    w.add("general.architecture", arch)
    w.add("general.name", c.get("_name", "mm1j test model"))
    w.add("general.file_type", FILE_TYPE[kind])
    w.add(p + "block_count", n_layers)
    w.add(p + "context_length", int(c.get("max_position_embeddings", 4096)))
    w.add(p + "embedding_length", int(c["hidden_size"]))
    w.add(p + "feed_forward_length", int(c["intermediate_size"]))
    w.add(p + "attention.head_count", int(c["num_attention_heads"]))
    w.add(p + "attention.head_count_kv", int(c.get("num_key_value_heads", c["num_attention_heads"])))
    w.add(p + "attention.key_length", hd)
    w.add(p + "attention.value_length", hd)
    w.add(p + "rope.dimension_count", hd)
    w.add(p + "rope.freq_base", float(c.get("rope_theta", 10000.0)))
    w.add(p + "attention.layer_norm_rms_epsilon", float(c.get("rms_norm_eps", 1e-5)))
    w.add(p + "vocab_size", vocab)
    tok = c.get("_tokenizer")
    if tok is not None:
        # a Hugging Face byte-level BPE tokenizer.json (e.g. Llama 3's), as llama.cpp's converter writes it
        ids = dict(tok["model"]["vocab"])
        special = set()
        for t in tok.get("added_tokens", []):
            ids[t["content"]] = t["id"]
            if t.get("special"):
                special.add(t["id"])
        tokens = [f"<unused{i}>" for i in range(vocab)]
        for text, i in ids.items():
            if i < vocab:
                tokens[i] = text
        merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
        w.add("tokenizer.ggml.model", "gpt2")
        w.add("tokenizer.ggml.pre", "llama-bpe")
        w.add("tokenizer.ggml.tokens", tokens)
        w.add("tokenizer.ggml.token_type", [3 if i in special else 1 for i in range(vocab)])
        w.add("tokenizer.ggml.merges", merges)
    else:
        # a placeholder vocabulary (bench files need none; the decoder reads ids)
        w.add("tokenizer.ggml.model", "gpt2")
        w.add("tokenizer.ggml.pre", "default")
        w.add("tokenizer.ggml.tokens", [f"<t{i}>" for i in range(vocab)])
        w.add("tokenizer.ggml.token_type", [1] * vocab)
        w.add("tokenizer.ggml.merges", ["<t0> <t1>"])
    if c.get("bos_token_id") is not None:
        w.add("tokenizer.ggml.bos_token_id", int(c["bos_token_id"]))
    eos = c.get("eos_token_id")
    if isinstance(eos, int):
        w.add("tokenizer.ggml.eos_token_id", eos)


def convert(folder, out, kind):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    arch = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2"}.get(c["model_type"])
    if arch is None:
        raise SystemExit(f"{folder}: model_type {c['model_type']} is not converted by this tool")
    t = {k: v.float().numpy() for k, v in load_file(os.path.join(folder, "model.safetensors")).items()}
    heads, kv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    hd = c.get("head_dim") or c["hidden_size"] // heads
    vocab, n_layers = c["vocab_size"], c["num_hidden_layers"]
    w = GGUFWriter(out)
    header(w, arch, c, vocab, hd, kind, n_layers)
    mat = lambda name, a: w.tensor(name, a, kind if a.shape[-1] % 32 == 0 or kind in ("f32", "f16") else "f32")
    mat("token_embd.weight", t["model.embed_tokens.weight"])
    w.tensor("output_norm.weight", t["model.norm.weight"], "f32")
    if not c.get("tie_word_embeddings", False) and "lm_head.weight" in t:
        mat("output.weight", t["lm_head.weight"])
    if (c.get("rope_scaling") or {}).get("rope_type") == "llama3":
        w.tensor("rope_freqs.weight", llama3_factors(c, hd), "f32")
    for i in range(n_layers):
        p, g = f"model.layers.{i}.", f"blk.{i}."
        q, k = t[p + "self_attn.q_proj.weight"], t[p + "self_attn.k_proj.weight"]
        if arch == "llama":
            q, k = permute(q, heads), permute(k, kv)
        w.tensor(g + "attn_norm.weight", t[p + "input_layernorm.weight"], "f32")
        mat(g + "attn_q.weight", q)
        mat(g + "attn_k.weight", k)
        mat(g + "attn_v.weight", t[p + "self_attn.v_proj.weight"])
        mat(g + "attn_output.weight", t[p + "self_attn.o_proj.weight"])
        for b in ("q", "k", "v"):
            if p + f"self_attn.{b}_proj.bias" in t:
                w.tensor(g + f"attn_{b}.bias", t[p + f"self_attn.{b}_proj.bias"], "f32")
        w.tensor(g + "ffn_norm.weight", t[p + "post_attention_layernorm.weight"], "f32")
        mat(g + "ffn_gate.weight", t[p + "mlp.gate_proj.weight"])
        mat(g + "ffn_up.weight", t[p + "mlp.up_proj.weight"])
        mat(g + "ffn_down.weight", t[p + "mlp.down_proj.weight"])
    w.write()
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:.2f} MB, {kind})")


LLAMA_1B = {"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
            "num_key_value_heads": 8, "vocab_size": 128256, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
            "max_position_embeddings": 131072, "bos_token_id": 128000, "eos_token_id": 128001,
            "_name": "random Llama-3.2-1B-shaped (mm1j bench)"}


def random_1b(out_dir, kinds, seed=0, tokenizer=None):
    os.makedirs(out_dir, exist_ok=True)
    c = dict(LLAMA_1B)
    if tokenizer:
        opener = __import__("gzip").open if tokenizer.endswith(".gz") else open
        with opener(tokenizer, "rt", encoding="utf-8") as f:
            c["_tokenizer"] = json.load(f)
    d, f, v, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
    hd = d // c["num_attention_heads"]
    kvd = c["num_key_value_heads"] * hd
    for kind in kinds:
        rng = np.random.default_rng(seed)
        rand = lambda rows, cols: ((rng.random((rows, cols), dtype=np.float32) * 2 - 1) * (1 / math.sqrt(cols))).astype(np.float32)
        out = os.path.join(out_dir, f"llama-3.2-1b-random-{kind.upper()}.gguf")
        w = GGUFWriter(out)
        header(w, "llama", c, v, hd, kind, L)
        w.tensor("token_embd.weight", rand(v, d), kind)
        w.tensor("output_norm.weight", np.ones(d, np.float32), "f32")
        for i in range(L):
            g = f"blk.{i}."
            w.tensor(g + "attn_norm.weight", np.ones(d, np.float32), "f32")
            w.tensor(g + "attn_q.weight", rand(d, d), kind)
            w.tensor(g + "attn_k.weight", rand(kvd, d), kind)
            w.tensor(g + "attn_v.weight", rand(kvd, d), kind)
            w.tensor(g + "attn_output.weight", rand(d, d), kind)
            w.tensor(g + "ffn_norm.weight", np.ones(d, np.float32), "f32")
            w.tensor(g + "ffn_gate.weight", rand(f, d), kind)
            w.tensor(g + "ffn_up.weight", rand(f, d), kind)
            w.tensor(g + "ffn_down.weight", rand(d, f), kind)
        w.write()
        print(f"wrote {out} ({os.path.getsize(out) / 2**30:.2f} GiB)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    cv = sub.add_parser("convert")
    cv.add_argument("folder")
    cv.add_argument("out")
    cv.add_argument("--type", default="f32", choices=sorted(FILE_TYPE))
    rb = sub.add_parser("random-1b")
    rb.add_argument("out_dir", nargs="?", default=os.path.join("models", "bench"))
    rb.add_argument("--types", default="f16,q8_0,q4_0")
    rb.add_argument("--tokenizer", help="a tokenizer.json (.gz) to embed instead of the placeholder vocabulary, e.g. "
                    "model/src/test/resources/dev/mm1j/model/tokenizer/llama3/tokenizer.json.gz (then llama3.java can run the files)")
    a = ap.parse_args()
    if a.cmd == "convert":
        convert(a.folder, a.out, a.type)
    else:
        random_1b(a.out_dir, [k.strip().lower() for k in a.types.split(",")], tokenizer=a.tokenizer)


if __name__ == "__main__":
    main()
