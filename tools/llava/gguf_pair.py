"""llama.cpp's GGUF pair for a LLaVA checkpoint: a text GGUF (llama architecture) and an mmproj GGUF (the CLIP
tower + projector), laid out as llama.cpp's converters write them (tools/mtmd/legacy-models/
convert_image_encoder_to_gguf.py for the mmproj, convert_hf_to_gguf.py for the text), and the values each file
holds, so that the PyTorch reference runs on exactly what the files contain.

mmproj layout (what the legacy converter does to a CLIPVisionModel + LLaVA projector):
  clip.* metadata: has_vision_encoder, has_llava_projector, projector_type "mlp", clip.vision.{image_size,
  patch_size, embedding_length, feed_forward_length, projection_dim, attention.head_count,
  attention.layer_norm_epsilon, block_count, image_mean, image_std}, clip.use_gelu, and for llava-1.6
  clip.vision.image_grid_pinpoints (flattened (width, height) pairs), clip.vision.mm_patch_merge_type,
  optionally clip.vision.feature_layer (non-negative hidden-state indices)
  tensors: v.class_embd, v.patch_embd.weight (always F16), v.position_embd.weight, v.pre_ln.*,
  v.blk.{i}.{attn_q,attn_k,attn_v,attn_out,ln1,ln2}.*, v.blk.{i}.ffn_down.* = fc1 and v.blk.{i}.ffn_up.* = fc2
  (the converter's legacy swap), mm.0.* = linear_1, mm.2.* = linear_2, model.image_newline; the layers after
  the feature layer and post_layernorm dropped (block_count = the feature layer).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from formats import ggufgen as g  # noqa: E402
from text.gguf_writer import quantize_q4_0, quantize_q8_0  # noqa: E402

S, U32, F32, BOOL, ARR, I32 = g.STRING, g.UINT32, g.FLOAT32, g.BOOL, g.ARRAY, g.INT32


def encode(values, tname, rng=None):
    """(raw bytes, the float32 values the file then holds) of a float32 array in ggml type tname."""
    v = np.ascontiguousarray(values, dtype=np.float32)
    n = v.size
    if tname == "F32":
        return v.astype("<f4").tobytes(), v
    if tname == "F16":
        h = v.astype("<f2")
        return h.tobytes(), h.astype(np.float32)
    if tname in ("Q8_0", "Q4_0"):
        raw = (quantize_q8_0 if tname == "Q8_0" else quantize_q4_0)(v)
    elif tname in ("Q4_K", "Q5_K", "Q6_K"):
        raw = g.random_blocks(rng, tname, n // 256)  # random valid blocks (the values are whatever they decode to)
    else:
        raise ValueError(tname)
    return raw, g.dequantize(tname, raw, n).reshape(v.shape)


class Writer:
    """Collects tensors (HF row-major shapes; GGUF ne reversed) and keeps the values written."""

    def __init__(self, rng):
        self.rng, self.tensors, self.values = rng, [], {}

    def add(self, name, values, tname):
        values = np.asarray(values, dtype=np.float32)
        raw, held = encode(values, tname, self.rng)
        self.tensors.append((name, tname, list(reversed(values.shape)), raw))
        self.values[name] = held.reshape(values.shape)


def write_mmproj(path, sd, cfg, types, rng, pinpoints_wh=None, feature_layer_meta=False, modern_names=False):
    """sd: the legacy-named F32 state dict (numpy); cfg: LlavaCfg. types(name, shape) -> ggml type of a matrix.
    modern_names: gguf-py's tensor names (fc1 = ffn_up, fc2 = ffn_down, v.image_newline) instead of the legacy
    converter's (fc1 = ffn_down, fc2 = ffn_up, model.image_newline); llama.cpp reads both.

    Returns {hf legacy name: values held} for the vision tower and projector, and the block count.
    """
    v = cfg.vision
    n = v["num_hidden_layers"]
    layers = [l if l >= 0 else n + l + 1 for l in cfg.layers]  # hidden-state indices, non-negative
    blocks = max(layers)
    w = Writer(rng)
    vt = "vision_tower.vision_model."
    w.add("v.class_embd", sd[vt + "embeddings.class_embedding"], "F32")
    w.add("v.patch_embd.weight", sd[vt + "embeddings.patch_embedding.weight"], "F16")
    w.add("v.position_embd.weight", sd[vt + "embeddings.position_embedding.weight"], "F32")
    w.add("v.pre_ln.weight", sd[vt + "pre_layrnorm.weight"], "F32")
    w.add("v.pre_ln.bias", sd[vt + "pre_layrnorm.bias"], "F32")
    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.out_proj": "attn_out", "layer_norm1": "ln1", "layer_norm2": "ln2",
             "mlp.fc1": "ffn_up" if modern_names else "ffn_down", "mlp.fc2": "ffn_down" if modern_names else "ffn_up"}
    back = {}
    for i in range(blocks):
        for hf, gg in names.items():
            for kind in ("weight", "bias"):
                src = f"{vt}encoder.layers.{i}.{hf}.{kind}"
                a = sd[src]
                t = types(hf, a.shape) if kind == "weight" and a.ndim == 2 else "F32"
                w.add(f"v.blk.{i}.{gg}.{kind}", a, t)
                back[src] = f"v.blk.{i}.{gg}.{kind}"
    for hf, gg in (("linear_1", "mm.0"), ("linear_2", "mm.2")):
        w.add(gg + ".weight", sd[f"multi_modal_projector.{hf}.weight"], types(hf, sd[f"multi_modal_projector.{hf}.weight"].shape))
        w.add(gg + ".bias", sd[f"multi_modal_projector.{hf}.bias"], "F32")
    newline = "v.image_newline" if modern_names else "model.image_newline"
    if pinpoints_wh:
        w.add(newline, sd["image_newline"], "F32")
    kv = [("general.architecture", S, "clip"), ("general.name", S, "mm1j llava test mmproj"),
          ("general.description", S, "image encoder for LLaVA"),
          ("clip.has_text_encoder", BOOL, False), ("clip.has_vision_encoder", BOOL, True),
          ("clip.has_llava_projector", BOOL, True), ("clip.projector_type", S, "mlp"),
          ("clip.vision.image_size", U32, v["image_size"]), ("clip.vision.patch_size", U32, v["patch_size"]),
          ("clip.vision.embedding_length", U32, v["hidden_size"]),
          ("clip.vision.feed_forward_length", U32, v["intermediate_size"]),
          ("clip.vision.projection_dim", U32, 768),
          ("clip.vision.attention.head_count", U32, v["num_attention_heads"]),
          ("clip.vision.attention.layer_norm_epsilon", F32, v["layer_norm_eps"]),
          ("clip.vision.block_count", U32, blocks),
          ("clip.vision.image_mean", ARR, (F32, [0.48145466, 0.4578275, 0.40821073])),
          ("clip.vision.image_std", ARR, (F32, [0.26862954, 0.26130258, 0.27577711])),
          ("clip.use_gelu", BOOL, v["hidden_act"] == "gelu")]
    if pinpoints_wh:
        kv.append(("clip.vision.image_grid_pinpoints", ARR, (I32, [x for p in pinpoints_wh for x in p])))
        kv.append(("clip.vision.mm_patch_merge_type", S, "spatial_unpad"))
        kv.append(("clip.vision.image_aspect_ratio", S, "anyres"))
    if feature_layer_meta:
        kv.append(("clip.vision.feature_layer", ARR, (I32, layers)))
    g.write_gguf(path, kv, w.tensors)
    held = {}
    for hf, gg in back.items():
        held[hf] = w.values[gg]
    held[vt + "embeddings.class_embedding"] = w.values["v.class_embd"]
    held[vt + "embeddings.patch_embedding.weight"] = w.values["v.patch_embd.weight"]
    held[vt + "embeddings.position_embedding.weight"] = w.values["v.position_embd.weight"]
    held[vt + "pre_layrnorm.weight"], held[vt + "pre_layrnorm.bias"] = w.values["v.pre_ln.weight"], w.values["v.pre_ln.bias"]
    for hf, gg in (("linear_1", "mm.0"), ("linear_2", "mm.2")):
        held[f"multi_modal_projector.{hf}.weight"] = w.values[gg + ".weight"]
        held[f"multi_modal_projector.{hf}.bias"] = w.values[gg + ".bias"]
    if pinpoints_wh:
        held["image_newline"] = w.values[newline]
    return held, blocks


def write_text(path, sd, cfg, tname, rng, extra_kvs=()):
    """The llama-architecture text GGUF of language_model.* (q/k rows permuted as convert_hf_to_gguf.py does);
    extra_kvs: more metadata (the vocabulary, a chat template)."""
    t = cfg.text
    heads, kv, hd = t["num_attention_heads"], t["num_key_value_heads"], t["head_dim"]
    w = Writer(rng)
    mat = lambda name, a: w.add(name, a, tname if a.shape[-1] % 32 == 0 or tname in ("F32", "F16") else "F32")
    p = "language_model.model."
    held = {}
    mat("token_embd.weight", sd[p + "embed_tokens.weight"])
    held[p + "embed_tokens.weight"] = "token_embd.weight"
    w.add("output_norm.weight", sd[p + "norm.weight"], "F32")
    held[p + "norm.weight"] = "output_norm.weight"
    if not t.get("tie_word_embeddings", False):
        mat("output.weight", sd["language_model.lm_head.weight"])
        held["language_model.lm_head.weight"] = "output.weight"
    for i in range(t["num_hidden_layers"]):
        l, b = f"{p}layers.{i}.", f"blk.{i}."
        w.add(b + "attn_norm.weight", sd[l + "input_layernorm.weight"], "F32")
        mat(b + "attn_q.weight", g.permute(sd[l + "self_attn.q_proj.weight"], heads))
        mat(b + "attn_k.weight", g.permute(sd[l + "self_attn.k_proj.weight"], kv))
        mat(b + "attn_v.weight", sd[l + "self_attn.v_proj.weight"])
        mat(b + "attn_output.weight", sd[l + "self_attn.o_proj.weight"])
        w.add(b + "ffn_norm.weight", sd[l + "post_attention_layernorm.weight"], "F32")
        mat(b + "ffn_gate.weight", sd[l + "mlp.gate_proj.weight"])
        mat(b + "ffn_up.weight", sd[l + "mlp.up_proj.weight"])
        mat(b + "ffn_down.weight", sd[l + "mlp.down_proj.weight"])
        for hf, gg in (("input_layernorm.weight", "attn_norm.weight"), ("self_attn.v_proj.weight", "attn_v.weight"),
                       ("self_attn.o_proj.weight", "attn_output.weight"), ("post_attention_layernorm.weight", "ffn_norm.weight"),
                       ("mlp.gate_proj.weight", "ffn_gate.weight"), ("mlp.up_proj.weight", "ffn_up.weight"),
                       ("mlp.down_proj.weight", "ffn_down.weight")):
            held[l + hf] = b + gg
    a = "llama."
    kvs = [("general.architecture", S, "llama"), ("general.name", S, "mm1j llava test text model"),
           (a + "block_count", U32, t["num_hidden_layers"]), (a + "context_length", U32, t.get("max_position_embeddings", 4096)),
           (a + "embedding_length", U32, t["hidden_size"]), (a + "feed_forward_length", U32, t["intermediate_size"]),
           (a + "attention.head_count", U32, heads), (a + "attention.head_count_kv", U32, kv),
           (a + "rope.dimension_count", U32, hd), (a + "rope.freq_base", F32, float(t["rope_theta"])),
           (a + "attention.layer_norm_rms_epsilon", F32, float(t["rms_norm_eps"])),
           (a + "vocab_size", U32, t["vocab_size"])] + list(extra_kvs)
    g.write_gguf(path, kvs, w.tensors)
    out = {hf: w.values[gg] for hf, gg in held.items()}
    for i in range(t["num_hidden_layers"]):
        l, b = f"{p}layers.{i}.", f"blk.{i}."
        out[l + "self_attn.q_proj.weight"] = g.unpermute(w.values[b + "attn_q.weight"], heads)
        out[l + "self_attn.k_proj.weight"] = g.unpermute(w.values[b + "attn_k.weight"], kv)
    return out


def to_torch(held):
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in held.items()}
