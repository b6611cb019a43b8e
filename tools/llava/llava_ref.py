"""An independent PyTorch implementation of LlavaForConditionalGeneration and LlavaNextForConditionalGeneration
(transformers' modeling_llava.py / modeling_llava_next.py / modeling_clip.py / modeling_llama.py read and
re-written here; no transformers needed), in F32.

    cfg = LlavaCfg(json.load(open("config.json")))
    model = Llava(cfg); load_state(model, tensors)          # tensors under either name generation
    rows = model.image_rows(pixel_list, image_sizes)        # [R, d]: every row spliced, in sequence order
    logits = model(ids, rows)                               # ids hold one image_token_index per image

Module names follow the legacy checkpoint names (vision_tower.vision_model.*, multi_modal_projector.*,
language_model.model.*, language_model.lm_head, image_newline); `to_new_names` / `from_new_names` convert to
and from the layout transformers >= 4.52 writes (model.vision_tower.*, model.multi_modal_projector.*,
model.language_model.*, lm_head, model.image_newline).
"""
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from processors import grid_shape, unpadded_grid

ACTS = {"gelu": lambda x: F.gelu(x), "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
        "silu": F.silu, "relu": F.relu, "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh")}

CLIP_VISION_DEFAULTS = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                            image_size=224, patch_size=32, hidden_act="quick_gelu", layer_norm_eps=1e-5)
LLAVA_VISION_DEFAULTS = dict(CLIP_VISION_DEFAULTS, intermediate_size=4096, hidden_size=1024, patch_size=14,
                             image_size=336, num_hidden_layers=24, num_attention_heads=16)
TEXT_DEFAULTS = {
    "llama": dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                  rms_norm_eps=1e-6, rope_theta=10000.0, vocab_size=32000, tie_word_embeddings=False),
    "mistral": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                    num_key_value_heads=8, rms_norm_eps=1e-6, rope_theta=10000.0, vocab_size=32000,
                    tie_word_embeddings=False),
}


class LlavaCfg:
    """config.json of model_type llava / llava_next, with transformers' defaults for absent keys."""

    def __init__(self, d):
        self.model_type = d["model_type"]
        self.next = self.model_type == "llava_next"
        v = dict(LLAVA_VISION_DEFAULTS if "vision_config" not in d else CLIP_VISION_DEFAULTS)
        v.update(d.get("vision_config") or {})
        self.vision = v
        t = dict(d.get("text_config") or {"model_type": "llama"})
        t.setdefault("model_type", "llama")
        self.text = dict(TEXT_DEFAULTS[t["model_type"]])
        self.text.update(t)
        self.text.setdefault("num_key_value_heads", self.text["num_attention_heads"])
        self.text.setdefault("head_dim", self.text["hidden_size"] // self.text["num_attention_heads"])
        self.image_token_index = d.get("image_token_index", 32000)
        self.projector_hidden_act = d.get("projector_hidden_act", "gelu")
        self.vision_feature_layer = d.get("vision_feature_layer", -2)
        self.strategy = d.get("vision_feature_select_strategy", "default")
        self.projector_bias = d.get("multimodal_projector_bias", True)
        self.pinpoints = d.get("image_grid_pinpoints", [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]])
        self.unpad_round7 = True

    @property
    def layers(self):
        fl = self.vision_feature_layer
        return [fl] if isinstance(fl, int) else list(fl)


# ------------------------------------------------------------------------------------------- CLIP vision

class ClipEmbeddings(nn.Module):
    def __init__(self, v):
        super().__init__()
        w, p, s = v["hidden_size"], v["patch_size"], v["image_size"]
        self.class_embedding = nn.Parameter(torch.zeros(w))
        self.patch_embedding = nn.Conv2d(3, w, p, stride=p, bias=False)
        self.position_embedding = nn.Embedding((s // p) ** 2 + 1, w)

    def forward(self, px):  # [N, 3, S, S] -> [N, 1 + g², W]
        p = self.patch_embedding(px).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(px.shape[0], 1, -1)
        return torch.cat([cls, p], 1) + self.position_embedding.weight[None]


class ClipAttention(nn.Module):
    def __init__(self, v):
        super().__init__()
        w = v["hidden_size"]
        self.heads = v["num_attention_heads"]
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(w, w) for _ in range(4))

    def forward(self, x):
        n, l, w = x.shape
        hd = w // self.heads
        split = lambda t: t.view(n, l, self.heads, hd).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), -1) @ v
        return self.out_proj(a.transpose(1, 2).reshape(n, l, w))


class ClipMlp(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.act = ACTS[v["hidden_act"]]
        self.fc1 = nn.Linear(v["hidden_size"], v["intermediate_size"])
        self.fc2 = nn.Linear(v["intermediate_size"], v["hidden_size"])

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class ClipLayer(nn.Module):
    def __init__(self, v):
        super().__init__()
        eps = v["layer_norm_eps"]
        self.layer_norm1 = nn.LayerNorm(v["hidden_size"], eps=eps)
        self.self_attn = ClipAttention(v)
        self.layer_norm2 = nn.LayerNorm(v["hidden_size"], eps=eps)
        self.mlp = ClipMlp(v)

    def forward(self, h):
        h = h + self.self_attn(self.layer_norm1(h))
        return h + self.mlp(self.layer_norm2(h))


class ClipEncoder(nn.Module):
    def __init__(self, v, n):
        super().__init__()
        self.layers = nn.ModuleList(ClipLayer(v) for _ in range(n))


class ClipVisionTransformer(nn.Module):
    def __init__(self, v, n_layers=None, post_layernorm=True):
        super().__init__()
        self.embeddings = ClipEmbeddings(v)
        self.pre_layrnorm = nn.LayerNorm(v["hidden_size"], eps=v["layer_norm_eps"])
        self.encoder = ClipEncoder(v, v["num_hidden_layers"] if n_layers is None else n_layers)
        if post_layernorm:  # in every CLIPVisionModel checkpoint, never used by LLaVA's hidden-state features
            self.post_layernorm = nn.LayerNorm(v["hidden_size"], eps=v["layer_norm_eps"])

    def hidden_states(self, px):
        """CLIPVisionModel(output_hidden_states=True).hidden_states: [after pre_layrnorm, after layer 0, ...]."""
        h = self.pre_layrnorm(self.embeddings(px))
        out = [h]
        for layer in self.encoder.layers:
            h = layer(h)
            out.append(h)
        return out


class VisionTower(nn.Module):
    def __init__(self, v, n_layers=None, post_layernorm=True):
        super().__init__()
        self.vision_model = ClipVisionTransformer(v, n_layers, post_layernorm)


class Projector(nn.Module):
    def __init__(self, w_in, d, act, bias):
        super().__init__()
        self.linear_1 = nn.Linear(w_in, d, bias=bias)
        self.act = ACTS[act]
        self.linear_2 = nn.Linear(d, d, bias=bias)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


# ------------------------------------------------------------------------------------------- Llama / Mistral

class RmsNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    a, b = x.chunk(2, -1)
    return torch.cat([-b, a], -1)


class Attention(nn.Module):
    def __init__(self, t):
        super().__init__()
        d, hd = t["hidden_size"], t["head_dim"]
        self.h, self.kv, self.hd = t["num_attention_heads"], t["num_key_value_heads"], hd
        bias = t.get("attention_bias", False)
        self.q_proj = nn.Linear(d, self.h * hd, bias=bias)
        self.k_proj = nn.Linear(d, self.kv * hd, bias=bias)
        self.v_proj = nn.Linear(d, self.kv * hd, bias=bias)
        self.o_proj = nn.Linear(self.h * hd, d, bias=False)

    def forward(self, x, cos, sin):
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, n, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, n, self.kv, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.h // self.kv  # repeat_kv: query head i uses kv head i // rep
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        s = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        a = torch.softmax(s, -1) @ v
        return self.o_proj(a.transpose(1, 2).reshape(b, n, self.h * self.hd))


class Mlp(nn.Module):
    def __init__(self, t):
        super().__init__()
        d, f = t["hidden_size"], t["intermediate_size"]
        self.gate_proj, self.up_proj = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.input_layernorm = RmsNorm(t["hidden_size"], t["rms_norm_eps"])
        self.self_attn = Attention(t)
        self.post_attention_layernorm = RmsNorm(t["hidden_size"], t["rms_norm_eps"])
        self.mlp = Mlp(t)

    def forward(self, h, cos, sin):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin)
        return h + self.mlp(self.post_attention_layernorm(h))


class TextModel(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.embed_tokens = nn.Embedding(t["vocab_size"], t["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(t) for _ in range(t["num_hidden_layers"]))
        self.norm = RmsNorm(t["hidden_size"], t["rms_norm_eps"])


class LanguageModel(nn.Module):
    def __init__(self, t):
        super().__init__()
        self.t = t
        self.model = TextModel(t)
        if not t.get("tie_word_embeddings", False):
            self.lm_head = nn.Linear(t["hidden_size"], t["vocab_size"], bias=False)

    def forward_embeds(self, h):  # [1, T, d] -> logits [T, V]; positions 0..T-1
        hd, n = self.t["head_dim"], h.shape[1]
        inv = 1.0 / (self.t["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None]
        ang = torch.cat([ang, ang], -1)
        cos, sin = ang.cos().float(), ang.sin().float()
        for layer in self.model.layers:
            h = layer(h, cos, sin)
        h = self.model.norm(h)
        head = self.model.embed_tokens.weight if self.t.get("tie_word_embeddings", False) else self.lm_head.weight
        return (h @ head.T)[0]


# ------------------------------------------------------------------------------------------- the assembly

class Llava(nn.Module):
    def __init__(self, c: LlavaCfg, vision_layers=None, post_layernorm=True):
        super().__init__()
        self.c = c
        v, t = c.vision, c.text
        self.vision_tower = VisionTower(v, vision_layers, post_layernorm)
        self.multi_modal_projector = Projector(v["hidden_size"] * len(c.layers), t["hidden_size"],
                                               c.projector_hidden_act, c.projector_bias)
        self.language_model = LanguageModel(t)
        if c.next:
            self.image_newline = nn.Parameter(torch.zeros(t["hidden_size"]))

    def selected(self, px):
        """get_image_features up to the projector: the selected hidden state(s), concatenated, CLS per strategy."""
        hs = self.vision_tower.vision_model.hidden_states(px)
        f = torch.cat([hs[i] for i in self.c.layers], -1)
        return f[:, 1:] if self.c.strategy == "default" else f

    def image_embeds(self, px):
        """[N, tokens, d]: the projector on every view."""
        return self.multi_modal_projector(self.selected(px))

    def pack(self, feats, image_size):
        """pack_image_features for one image: feats [1 + tiles, g², d] -> [R, d] (base rows, then unpadded grid + newline)."""
        v = self.c.vision
        g = v["image_size"] // v["patch_size"]
        base, tiles = feats[0], feats[1:]
        rows, cols = grid_shape(image_size, self.c.pinpoints, v["image_size"])
        x = tiles.view(rows, cols, g, g, -1).permute(4, 0, 2, 1, 3).contiguous()
        x = x.flatten(1, 2).flatten(2, 3)  # [d, rows·g, cols·g]
        r0, r1, c0, c1 = unpadded_grid(image_size, x.shape[1], x.shape[2], self.c.unpad_round7)
        x = x[:, r0:r1, c0:c1]
        x = torch.cat([x, self.image_newline[:, None, None].expand(*x.shape[:-1], 1)], -1)
        return torch.cat([base, x.flatten(1, 2).transpose(0, 1)], 0)

    def image_rows(self, pixel_list, image_sizes=None):
        """Every row spliced for the images, in order: [R, d] (llava: g² or 1+g² per image; NeXT: packed)."""
        out = []
        for i, px in enumerate(pixel_list):
            e = self.image_embeds(px)
            out.append(self.pack(e, image_sizes[i]) if self.c.next else e.reshape(-1, e.shape[-1]))
        return torch.cat(out, 0), [o.shape[0] for o in out]

    def expand(self, ids, counts):
        """Each image_token_index becomes counts[k] positions (marked -1)."""
        out, k = [], 0
        for i in ids:
            if i == self.c.image_token_index:
                out += [-1] * counts[k]
                k += 1
            else:
                out.append(i)
        assert k == len(counts), "one image token per image"
        return out

    def forward(self, expanded, rows):
        """logits [T, V] of the expanded sequence, image positions (-1) taking `rows` in order (masked_scatter)."""
        ids = torch.tensor([max(i, 0) for i in expanded])
        h = self.language_model.model.embed_tokens(ids).clone()
        mask = torch.tensor([i < 0 for i in expanded])
        if mask.any():
            h[mask] = rows
        return self.language_model.forward_embeds(h[None])


def greedy(model, expanded, rows, n):
    """n greedy tokens (full forward each step, no EOS stop) and the smallest top-1 minus top-2 margin."""
    seq, margins = list(expanded), []
    for _ in range(n):
        logits = model(seq, rows)[-1]
        top = logits.topk(2).values
        margins.append(float(top[0] - top[1]))
        seq.append(int(logits.argmax()))
    return seq[len(expanded):], min(margins)


# ------------------------------------------------------------------------------------------- checkpoint names

NEW_NAMES = [(r"^language_model\.model\.", "model.language_model."), (r"^language_model\.lm_head\.", "lm_head."),
             (r"^vision_tower\.", "model.vision_tower."), (r"^multi_modal_projector\.", "model.multi_modal_projector."),
             (r"^image_newline$", "model.image_newline")]


def to_new_names(sd):
    """transformers >= 4.52's layout (the inverse of its _checkpoint_conversion_mapping)."""
    out = {}
    for k, v in sd.items():
        for pat, rep in NEW_NAMES:
            if re.match(pat, k):
                k = re.sub(pat, rep, k)
                break
        out[k] = v
    return out


def from_new_names(sd):
    """The legacy layout from either: model.language_model.* -> language_model.model.*, lm_head -> language_model.lm_head, ..."""
    back = [(r"^model\.language_model\.", "language_model.model."), (r"^lm_head\.", "language_model.lm_head."),
            (r"^model\.vision_tower\.", "vision_tower."), (r"^model\.multi_modal_projector\.", "multi_modal_projector."),
            (r"^model\.image_newline$", "image_newline")]
    out = {}
    for k, v in sd.items():
        for pat, rep in back:
            if re.match(pat, k):
                k = re.sub(pat, rep, k)
                break
        out[k] = v
    return out


def load_state(model, tensors):
    """Strict load from either name generation, upcast to F32."""
    sd = {k: v.float() for k, v in from_new_names(tensors).items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise ValueError(f"missing {missing}, unexpected {unexpected}")
