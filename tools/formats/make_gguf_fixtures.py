"""Writes the small GGUF test files of core/src/test/resources/formats/gguf/ and, next to each, the values a
reader must produce (computed here with the numpy reference in ggufgen.py, written as safetensors):

  types_v3.gguf / types_v2.gguf   one tensor of every supported type (F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1
                                  Q4_K Q5_K Q6_K Q8_K I8 I16 I32 I64 F64) with random blocks, unreadable
                                  ones (Q2_K, IQ2_XXS), metadata of every value type; v3 uses alignment 64
  types.expected.safetensors      each readable tensor dequantized to F32
  tiny_llama.gguf                 llama architecture, GQA, q/k permuted like convert_hf_to_gguf.py, K-quant
                                  mix, head_dim from key_length, Llama 3 rope_freqs, SentencePiece vocab
  tiny_qwen2.gguf                 qwen2: q/k/v biases, tied embeddings (no output.weight), BPE vocab + merges
  tiny_mixtral.gguf               llama + experts: stacked ffn_*_exps (layer 0) and per-expert names (layer 1)
  tiny_*.expected.safetensors     every tensor under its Hugging Face name, in F32, q/k un-permuted

Run from the repository root: /usr/bin/python3 tools/formats/make_gguf_fixtures.py
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import ggufgen as g  # noqa: E402
from mm1ref.safetensors_io import save_file  # noqa: E402

OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "core", "src", "test", "resources", "formats", "gguf"))


def save_expected(path, arrays):
    save_file({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in arrays.items()}, path)


def tensor(rng, name, tname, shape):
    """A tensor of the given row-major shape: (gguf entry, its float32 values in row-major order)."""
    ne = list(reversed(shape))
    n = int(np.prod(shape))
    if tname in ("F32", "F16", "F64"):
        v = rng.normal(0, 1, n)
        np_t = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[tname]
        raw = v.astype(np_t).tobytes()
        vals = v.astype(np_t).astype(np.float32)
    elif tname == "BF16":
        f = rng.normal(0, 1, n).astype(np.float32)
        bits = (f.view(np.uint32) >> 16).astype("<u2")  # truncation is a valid BF16 value
        raw = bits.tobytes()
        vals = (bits.astype(np.uint32) << 16).view(np.float32)
    elif tname in ("I8", "I16", "I32", "I64"):
        np_t = {"I8": "<i1", "I16": "<i2", "I32": "<i4", "I64": "<i8"}[tname]
        v = rng.integers(-100, 100, n).astype(np_t)
        raw, vals = v.tobytes(), v.astype(np.float32)
    else:
        raw = g.random_blocks(rng, tname, n // g.TYPES[tname][1])
        vals = g.dequantize(tname, raw, n) if tname not in ("IQ2_XXS", "Q2_K") else None
    return (name, tname, ne, raw), (None if vals is None else vals.reshape(shape))


def metadata_of_every_type():
    return [
        ("test.u8", g.UINT8, 200), ("test.i8", g.INT8, -100), ("test.u16", g.UINT16, 60000), ("test.i16", g.INT16, -30000),
        ("test.u32", g.UINT32, 4000000000), ("test.i32", g.INT32, -2000000000), ("test.f32", g.FLOAT32, 0.5),
        ("test.bool", g.BOOL, True), ("test.string", g.STRING, "héllo ✓"), ("test.u64", g.UINT64, 2 ** 40),
        ("test.i64", g.INT64, -(2 ** 40)), ("test.f64", g.FLOAT64, -2.25),
        ("test.arr.u8", g.ARRAY, (g.UINT8, [1, 2, 255])), ("test.arr.i16", g.ARRAY, (g.INT16, [-1, 2])),
        ("test.arr.u32", g.ARRAY, (g.UINT32, [7, 4000000000])), ("test.arr.f32", g.ARRAY, (g.FLOAT32, [0.25, -1.5])),
        ("test.arr.bool", g.ARRAY, (g.BOOL, [True, False])), ("test.arr.i64", g.ARRAY, (g.INT64, [-5, 2 ** 50])),
        ("test.arr.f64", g.ARRAY, (g.FLOAT64, [1e100])), ("test.arr.string", g.ARRAY, (g.STRING, ["a", "", "ü"])),
        ("test.arr.nested", g.ARRAY, (g.ARRAY, [(g.INT32, [1, 2]), (g.INT32, []), (g.STRING, ["x"])])),
        ("test.arr.empty", g.ARRAY, (g.FLOAT32, [])),
    ]


def types_files(rng):
    entries, expected = [], {}
    for tname, shape in [("F32", [2, 3, 4]), ("F16", [3, 8]), ("BF16", [2, 16]), ("Q8_0", [3, 64]), ("Q4_0", [2, 96]),
                         ("Q4_1", [2, 64]), ("Q5_0", [3, 32]), ("Q5_1", [2, 64]), ("Q4_K", [3, 512]), ("Q5_K", [2, 256]),
                         ("Q6_K", [3, 512]), ("Q8_K", [2, 256]), ("I8", [5]), ("I16", [2, 3]), ("I32", [4]), ("I64", [3]),
                         ("F64", [2, 2]), ("Q2_K", [1, 256]), ("IQ2_XXS", [1, 256])]:
        name = "t." + tname.lower()
        entry, vals = tensor(rng, name, tname, shape)
        entries.append(entry)
        if vals is not None:
            expected[name] = vals
    meta = [("general.architecture", g.STRING, "test")] + metadata_of_every_type()
    g.write_gguf(os.path.join(OUT, "types_v3.gguf"), meta + [("general.alignment", g.UINT32, 64)], entries, version=3, alignment=64)
    g.write_gguf(os.path.join(OUT, "types_v2.gguf"), meta, entries, version=2)
    save_expected(os.path.join(OUT, "types.expected.safetensors"), expected)


def llama3_divisors(theta, head_dim, factor=8.0, low=1.0, high=4.0, orig=8192):
    """Llama 3.1 rope scaling as llama.cpp stores it (rope_freqs.weight): the divisor of each inverse frequency."""
    out = []
    for i in range(head_dim // 2):
        wavelen = 2 * math.pi / theta ** (-2.0 * i / head_dim)
        if wavelen < orig / high:
            out.append(1.0)
        elif wavelen > orig / low:
            out.append(factor)
        else:
            smooth = (orig / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, np.float32)


def vocab_spm(n):
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % i for i in range(8)] + ["▁t%d" % i for i in range(n - 11)]
    scores = [0.0, 0.0, 0.0] + [0.0] * 8 + [-float(i) for i in range(n - 11)]
    types = [2, 3, 3] + [6] * 8 + [1] * (n - 11)
    return [("tokenizer.ggml.model", g.STRING, "llama"), ("tokenizer.ggml.tokens", g.ARRAY, (g.STRING, tokens)),
            ("tokenizer.ggml.scores", g.ARRAY, (g.FLOAT32, scores)), ("tokenizer.ggml.token_type", g.ARRAY, (g.INT32, types)),
            ("tokenizer.ggml.bos_token_id", g.UINT32, 1), ("tokenizer.ggml.eos_token_id", g.UINT32, 2),
            ("tokenizer.ggml.unknown_token_id", g.UINT32, 0), ("tokenizer.ggml.add_bos_token", g.BOOL, True),
            ("tokenizer.chat_template", g.STRING, "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}")]


def vocab_bpe(n):
    base = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["Ġ"]
    merges = ["a b", "Ġ t", "ab c"]
    tokens = base + ["ab", "Ġt", "abc"] + ["<|tok%d|>" % i for i in range(n - len(base) - 4)] + ["<|endoftext|>"]
    types = [1] * (n - 1) + [3]
    return [("tokenizer.ggml.model", g.STRING, "gpt2"), ("tokenizer.ggml.pre", g.STRING, "qwen2"),
            ("tokenizer.ggml.tokens", g.ARRAY, (g.STRING, tokens)), ("tokenizer.ggml.token_type", g.ARRAY, (g.INT32, types)),
            ("tokenizer.ggml.merges", g.ARRAY, (g.STRING, merges)), ("tokenizer.ggml.eos_token_id", g.UINT32, n - 1),
            ("tokenizer.ggml.bos_token_id", g.UINT32, n - 1), ("tokenizer.ggml.padding_token_id", g.UINT32, n - 1)]


class Model:
    """Collects GGUF tensors and the Hugging Face tensors a reader must present for them."""

    def __init__(self, rng):
        self.rng, self.entries, self.expected = rng, [], {}

    def add(self, gguf_name, hf_name, tname, shape, n_head=0):
        """A tensor stored as tname; with n_head, stored permuted like llama.cpp's converter does for q/k."""
        entry, vals = tensor(self.rng, gguf_name, tname, shape)
        self.entries.append(entry)
        if n_head:
            # the stored (GGUF-order) values are the permutation of the Hugging Face tensor
            hf = g.unpermute(vals, n_head)
            assert np.array_equal(g.permute(hf, n_head), vals)
            vals = hf
        if hf_name is not None:
            self.expected[hf_name] = vals
        return vals

    def raw(self, gguf_name, tname, shape, values):
        self.entries.append((gguf_name, tname, list(reversed(shape)), np.asarray(values, "<f4").tobytes()))


def tiny_llama(rng):
    # head_dim 16 from key_length (hidden 256 / 2 heads would be 128): K-quants need rows of 256
    d, heads, kv, hd, ffn, vocab, layers, theta = 256, 2, 1, 16, 32, 64, 2, 500000.0
    m = Model(rng)
    m.add("token_embd.weight", "model.embed_tokens.weight", "Q6_K", [vocab, d])
    for i in range(layers):
        p, h = "blk.%d." % i, "model.layers.%d." % i
        m.add(p + "attn_norm.weight", h + "input_layernorm.weight", "F32", [d])
        m.add(p + "attn_q.weight", h + "self_attn.q_proj.weight", ["Q4_K", "F16"][i], [heads * hd, d], n_head=heads)
        m.add(p + "attn_k.weight", h + "self_attn.k_proj.weight", ["Q8_0", "Q5_K"][i], [kv * hd, d], n_head=kv)
        m.add(p + "attn_v.weight", h + "self_attn.v_proj.weight", ["Q6_K", "Q8_0"][i], [kv * hd, d])
        m.add(p + "attn_output.weight", h + "self_attn.o_proj.weight", ["Q5_0", "BF16"][i], [d, heads * hd])
        m.add(p + "ffn_norm.weight", h + "post_attention_layernorm.weight", "F32", [d])
        m.add(p + "ffn_gate.weight", h + "mlp.gate_proj.weight", ["Q4_K", "Q4_0"][i], [ffn, d])
        m.add(p + "ffn_up.weight", h + "mlp.up_proj.weight", ["Q5_K", "Q8_K"][i], [ffn, d])
        m.add(p + "ffn_down.weight", h + "mlp.down_proj.weight", ["Q4_1", "Q5_1"][i], [d, ffn])
    m.add("output_norm.weight", "model.norm.weight", "F32", [d])
    m.add("output.weight", "lm_head.weight", "Q8_0", [vocab, d])
    m.raw("rope_freqs.weight", "F32", [hd // 2], llama3_divisors(theta, hd))
    meta = [("general.architecture", g.STRING, "llama"), ("general.name", g.STRING, "tiny llama"),
            ("llama.context_length", g.UINT32, 2048), ("llama.embedding_length", g.UINT32, d), ("llama.block_count", g.UINT32, layers),
            ("llama.feed_forward_length", g.UINT32, ffn), ("llama.attention.head_count", g.UINT32, heads),
            ("llama.attention.head_count_kv", g.UINT32, kv), ("llama.attention.key_length", g.UINT32, hd),
            ("llama.attention.value_length", g.UINT32, hd), ("llama.rope.dimension_count", g.UINT32, hd),
            ("llama.rope.freq_base", g.FLOAT32, theta), ("llama.attention.layer_norm_rms_epsilon", g.FLOAT32, 1e-5),
            ("llama.vocab_size", g.UINT32, vocab)] + vocab_spm(vocab)
    g.write_gguf(os.path.join(OUT, "tiny_llama.gguf"), meta, m.entries)
    save_expected(os.path.join(OUT, "tiny_llama.expected.safetensors"), m.expected)


def tiny_qwen2(rng):
    d, heads, kv, hd, ffn, vocab, layers = 64, 4, 2, 16, 96, 40, 2
    m = Model(rng)
    m.add("token_embd.weight", "model.embed_tokens.weight", "Q8_0", [vocab, d])
    for i in range(layers):
        p, h = "blk.%d." % i, "model.layers.%d." % i
        m.add(p + "attn_norm.weight", h + "input_layernorm.weight", "F32", [d])
        for x, rows in (("q", heads * hd), ("k", kv * hd), ("v", kv * hd)):
            m.add(p + "attn_%s.weight" % x, h + "self_attn.%s_proj.weight" % x, ["F16", "Q8_0"][i], [rows, d])  # not permuted
            m.add(p + "attn_%s.bias" % x, h + "self_attn.%s_proj.bias" % x, "F32", [rows])
        m.add(p + "attn_output.weight", h + "self_attn.o_proj.weight", "Q4_0", [d, heads * hd])
        m.add(p + "ffn_norm.weight", h + "post_attention_layernorm.weight", "F32", [d])
        m.add(p + "ffn_gate.weight", h + "mlp.gate_proj.weight", "BF16", [ffn, d])
        m.add(p + "ffn_up.weight", h + "mlp.up_proj.weight", "F32", [ffn, d])
        m.add(p + "ffn_down.weight", h + "mlp.down_proj.weight", "Q8_0", [d, ffn])
    m.add("output_norm.weight", "model.norm.weight", "F32", [d])
    meta = [("general.architecture", g.STRING, "qwen2"), ("qwen2.context_length", g.UINT32, 32768),
            ("qwen2.embedding_length", g.UINT32, d), ("qwen2.block_count", g.UINT32, layers), ("qwen2.feed_forward_length", g.UINT32, ffn),
            ("qwen2.attention.head_count", g.UINT32, heads), ("qwen2.attention.head_count_kv", g.UINT32, kv),
            ("qwen2.rope.freq_base", g.FLOAT32, 1000000.0), ("qwen2.attention.layer_norm_rms_epsilon", g.FLOAT32, 1e-6)] + vocab_bpe(vocab)
    g.write_gguf(os.path.join(OUT, "tiny_qwen2.gguf"), meta, m.entries, version=3)
    save_expected(os.path.join(OUT, "tiny_qwen2.expected.safetensors"), m.expected)


def tiny_mixtral(rng):
    d, heads, kv, hd, ffn, vocab, experts = 64, 4, 2, 16, 64, 48, 4
    m = Model(rng)
    m.add("token_embd.weight", "model.embed_tokens.weight", "F16", [vocab, d])
    for i in range(2):
        p, h = "blk.%d." % i, "model.layers.%d." % i
        m.add(p + "attn_norm.weight", h + "input_layernorm.weight", "F32", [d])
        m.add(p + "attn_q.weight", h + "self_attn.q_proj.weight", "Q8_0", [heads * hd, d], n_head=heads)
        m.add(p + "attn_k.weight", h + "self_attn.k_proj.weight", "F32", [kv * hd, d], n_head=kv)
        m.add(p + "attn_v.weight", h + "self_attn.v_proj.weight", "F16", [kv * hd, d])
        m.add(p + "attn_output.weight", h + "self_attn.o_proj.weight", "Q4_0", [d, heads * hd])
        m.add(p + "ffn_norm.weight", h + "post_attention_layernorm.weight", "F32", [d])
        m.add(p + "ffn_gate_inp.weight", h + "block_sparse_moe.gate.weight", "F32", [experts, d])
        moe = h + "block_sparse_moe.experts.%d.%s.weight"
        if i == 0:  # stacked experts, as current llama.cpp writes them
            for x, w, tname, shape in (("gate", "w1", "Q8_0", [experts, ffn, d]), ("down", "w2", "Q4_0", [experts, d, ffn]),
                                       ("up", "w3", "F16", [experts, ffn, d])):
                vals = m.add(p + "ffn_%s_exps.weight" % x, None, tname, shape)
                for e in range(experts):
                    m.expected[moe % (e, w)] = vals[e]
        else:  # one tensor per expert, as older files have them
            for e in range(experts):
                m.add(p + "ffn_gate.%d.weight" % e, moe % (e, "w1"), "Q8_0", [ffn, d])
                m.add(p + "ffn_down.%d.weight" % e, moe % (e, "w2"), "F32", [d, ffn])
                m.add(p + "ffn_up.%d.weight" % e, moe % (e, "w3"), "Q4_0", [ffn, d])
    m.add("output_norm.weight", "model.norm.weight", "F32", [d])
    m.add("output.weight", "lm_head.weight", "F16", [vocab, d])
    meta = [("general.architecture", g.STRING, "llama"), ("llama.context_length", g.UINT32, 32768),
            ("llama.embedding_length", g.UINT32, d), ("llama.block_count", g.UINT32, 2), ("llama.feed_forward_length", g.UINT32, ffn),
            ("llama.attention.head_count", g.UINT32, heads), ("llama.attention.head_count_kv", g.UINT32, kv),
            ("llama.rope.freq_base", g.FLOAT32, 1000000.0), ("llama.attention.layer_norm_rms_epsilon", g.FLOAT32, 1e-5),
            ("llama.expert_count", g.UINT32, experts), ("llama.expert_used_count", g.UINT32, 2)] + vocab_spm(vocab)
    g.write_gguf(os.path.join(OUT, "tiny_mixtral.gguf"), meta, m.entries, version=2)
    save_expected(os.path.join(OUT, "tiny_mixtral.expected.safetensors"), m.expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    types_files(np.random.default_rng(1))
    tiny_llama(np.random.default_rng(2))
    tiny_qwen2(np.random.default_rng(3))
    tiny_mixtral(np.random.default_rng(4))
    for f in sorted(os.listdir(OUT)):
        print("%8d  %s" % (os.path.getsize(os.path.join(OUT, f)), os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
