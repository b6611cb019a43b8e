"""PyTorch reference of the MM1 model contract (docs/spec/MM1.md in the repository).

This file is the executable definition of the spec that golden files are made from. Module names
mirror the checkpoint tensor names exactly, so `MM1.state_dict()` keys are the safetensors names
(`vision_tower.vision_model.…`, `connector.…`, `language_model.…`). Everything runs in F32.
No training code lives here (see tools/demo/ for that).

    model = load_checkpoint("models/mm1-demo")
    out = model(torch.tensor([ids]), pixel_values)   # logits [1, T', V], vision_features, image_embeds
    new_ids = generate(model, ids, pixel_values, max_new_tokens=32)
"""
import json
import math
import os
from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .safetensors_io import load_file


# ----------------------------------------------------------------------------------------------
# Configuration (§3): upstream key names, validated with messages that name the key.

def _need(d, key, where):
    if key not in d:
        raise ValueError(f"config.json: missing required key '{where}.{key}'")
    return d[key]


@dataclass(frozen=True)
class VisionConfig:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    image_size: int
    patch_size: int
    num_channels: int = 3
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5

    @property
    def grid(self):  # G
        return self.image_size // self.patch_size


@dataclass(frozen=True)
class ConnectorConfig:
    type: str = "c-abstractor"
    hidden_size: int = 1024
    depth: int = 3
    mlp_depth: int = 2
    num_image_tokens: int = 144
    pos_emb: bool = True
    se_ratio: float = 0.25
    layer_norm_eps: float = 1e-5


@dataclass(frozen=True)
class TextConfig:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    head_dim: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_scaling: Optional[dict] = None
    max_position_embeddings: int = 4096
    tie_word_embeddings: bool = True
    hidden_act: str = "silu"
    attention_bias: bool = False
    num_local_experts: int = 0
    num_experts_per_tok: int = 2
    moe_layer_frequency: int = 2
    norm_topk_prob: bool = True

    def is_moe_layer(self, i):
        return self.num_local_experts > 0 and (i + 1) % self.moe_layer_frequency == 0


@dataclass(frozen=True)
class MM1Config:
    vision: VisionConfig
    connector: ConnectorConfig
    text: TextConfig
    vision_feature_layer: int = -1
    image_token_id: int = 0
    mean: List[float] = field(default_factory=lambda: [0.48145466, 0.4578275, 0.40821073])
    std: List[float] = field(default_factory=lambda: [0.26862954, 0.26130258, 0.27577711])
    image_split: dict = field(default_factory=lambda: {"enabled": False})
    bos_token_id: Optional[int] = None
    eos_token_id: Optional[int] = None

    @property
    def tokens_per_image(self):
        if self.connector.type == "mlp":
            return self.vision.grid ** 2
        return self.connector.num_image_tokens


def _text_config(t, where):
    hidden = _need(t, "hidden_size", where)
    heads = _need(t, "num_attention_heads", where)
    kv = t.get("num_key_value_heads", heads)
    if hidden <= 0 or heads <= 0 or kv <= 0:
        raise ValueError(f"config.json: {where}: sizes must be positive")
    if heads % kv:
        raise ValueError(f"config.json: {where}.num_key_value_heads={kv} does not divide "
                         f"num_attention_heads={heads}")
    head_dim = t.get("head_dim") or hidden // heads
    if "head_dim" not in t and hidden % heads:
        raise ValueError(f"config.json: {where}.num_attention_heads={heads} does not divide "
                         f"hidden_size={hidden}")
    experts = t.get("num_local_experts", 0) or 0
    per_tok = t.get("num_experts_per_tok", 2)
    if experts and per_tok > experts:
        raise ValueError(f"config.json: {where}.num_experts_per_tok={per_tok} > "
                         f"num_local_experts={experts}")
    return TextConfig(
        hidden_size=hidden, intermediate_size=_need(t, "intermediate_size", where),
        num_hidden_layers=_need(t, "num_hidden_layers", where), num_attention_heads=heads,
        num_key_value_heads=kv, vocab_size=_need(t, "vocab_size", where), head_dim=head_dim,
        rms_norm_eps=t.get("rms_norm_eps", 1e-5), rope_theta=t.get("rope_theta", 10000.0),
        rope_scaling=t.get("rope_scaling"),
        max_position_embeddings=t.get("max_position_embeddings", 4096),
        tie_word_embeddings=t.get("tie_word_embeddings", True),
        hidden_act=t.get("hidden_act", "silu"), attention_bias=t.get("attention_bias", False),
        num_local_experts=experts, num_experts_per_tok=per_tok,
        moe_layer_frequency=t.get("moe_layer_frequency", 2),
        norm_topk_prob=t.get("norm_topk_prob", True))


def config_from_dict(c):
    """Parse a §3 config.json dict (model_type "mm1") into an MM1Config."""
    if c.get("model_type") != "mm1":
        raise ValueError(f"config.json: model_type={c.get('model_type')!r}, expected 'mm1' "
                         "(use text_config_from_dict for text-only checkpoints)")
    v = _need(c, "vision_config", "")
    vc = VisionConfig(**{k: v[k] for k in VisionConfig.__dataclass_fields__ if k in v})
    for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
              "image_size", "patch_size"):
        _need(v, k, "vision_config")
    if vc.image_size % vc.patch_size:
        raise ValueError(f"config.json: vision_config.patch_size={vc.patch_size} does not divide "
                         f"image_size={vc.image_size}")
    if vc.hidden_size % vc.num_attention_heads:
        raise ValueError("config.json: vision_config.num_attention_heads does not divide hidden_size")
    cc_d = c.get("connector_config", {})
    cc = ConnectorConfig(**{k: cc_d[k] for k in ConnectorConfig.__dataclass_fields__ if k in cc_d})
    if cc.type not in ("c-abstractor", "mlp"):
        raise ValueError(f"config.json: connector_config.type={cc.type!r} is not supported")
    n = math.isqrt(cc.num_image_tokens)
    if cc.type == "c-abstractor" and n * n != cc.num_image_tokens:
        raise ValueError(f"config.json: connector_config.num_image_tokens={cc.num_image_tokens} "
                         "is not a square")
    tc = _text_config(_need(c, "text_config", ""), "text_config")
    pre = c.get("image_preprocess", {})
    split = c.get("image_split", {"enabled": False})
    if split.get("enabled"):
        raise ValueError("config.json: image_split.enabled=true is not implemented by this reference")
    if "image_token_id" not in c:
        raise ValueError("config.json: missing required key 'image_token_id'")
    return MM1Config(vision=vc, connector=cc, text=tc,
                     vision_feature_layer=c.get("vision_feature_layer", -1),
                     image_token_id=c["image_token_id"],
                     mean=pre.get("mean", MM1Config.__dataclass_fields__["mean"].default_factory()),
                     std=pre.get("std", MM1Config.__dataclass_fields__["std"].default_factory()),
                     image_split=split, bos_token_id=c.get("bos_token_id"),
                     eos_token_id=c.get("eos_token_id"))


def text_config_from_dict(c):
    """Text-only Llama/Mistral/Qwen2/Mixtral config.json (§2) into a TextConfig."""
    mt = c.get("model_type")
    if mt not in ("llama", "mistral", "qwen2", "mixtral"):
        raise ValueError(f"config.json: model_type={mt!r} is not a supported text-only family")
    c = dict(c)
    if mt == "mixtral":
        c.setdefault("moe_layer_frequency", 1)
    if mt == "qwen2":
        c.setdefault("attention_bias", True)
    return _text_config(c, "")


def load_config(path):
    with open(path) as f:
        return config_from_dict(json.load(f))


# ----------------------------------------------------------------------------------------------
# Vision encoder (§4): CLIP ViT, pre-LN.

def resize_pos_grid(grid, g_from, g_to):
    """[g_from², W] -> [g_to², W]: bicubic (Keys a=-0.75), align_corners=False, no antialias."""
    if g_from == g_to:
        return grid
    w = grid.shape[-1]
    x = grid.reshape(1, g_from, g_from, w).permute(0, 3, 1, 2)
    x = F.interpolate(x, size=(g_to, g_to), mode="bicubic", align_corners=False)
    return x.permute(0, 2, 3, 1).reshape(g_to * g_to, w)


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def _act(name):
    if name == "quick_gelu":
        return quick_gelu
    if name == "gelu":
        return F.gelu  # exact erf form
    if name == "silu":
        return F.silu
    raise ValueError(f"unsupported activation {name!r}")


class CLIPEmbeddings(nn.Module):
    def __init__(self, c: VisionConfig):
        super().__init__()
        self.c = c
        self.patch_embedding = nn.Conv2d(c.num_channels, c.hidden_size, c.patch_size,
                                         stride=c.patch_size, bias=False)  # [W, 3, P, P]
        self.class_embedding = nn.Parameter(torch.zeros(c.hidden_size))  # [W]
        self.position_embedding = nn.Embedding(1 + c.grid ** 2, c.hidden_size)  # [1+G², W]

    def forward(self, pixels):  # [N, 3, S, S] -> [N, 1+g², W]
        p = self.patch_embedding(pixels)  # [N, W, g, g]
        g = p.shape[-1]
        p = p.flatten(2).transpose(1, 2)  # row-major patches [N, g², W]
        cls = self.class_embedding.expand(p.shape[0], 1, -1)
        pos = self.position_embedding.weight
        pos = torch.cat([pos[:1], resize_pos_grid(pos[1:], self.c.grid, g)], 0)
        return torch.cat([cls, p], 1) + pos


class CLIPAttention(nn.Module):
    def __init__(self, c: VisionConfig):
        super().__init__()
        w = c.hidden_size
        self.heads = c.num_attention_heads
        self.q_proj, self.k_proj = nn.Linear(w, w), nn.Linear(w, w)
        self.v_proj, self.out_proj = nn.Linear(w, w), nn.Linear(w, w)

    def forward(self, x):  # full bidirectional attention, [N, L, W]
        n, l, w = x.shape
        hd = w // self.heads
        q, k, v = (p(x).view(n, l, self.heads, hd).transpose(1, 2)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        o = torch.softmax(s.float(), -1) @ v
        return self.out_proj(o.transpose(1, 2).reshape(n, l, w))


class CLIPMLP(nn.Module):
    def __init__(self, c: VisionConfig):
        super().__init__()
        self.act = _act(c.hidden_act)
        self.fc1 = nn.Linear(c.hidden_size, c.intermediate_size)
        self.fc2 = nn.Linear(c.intermediate_size, c.hidden_size)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, c: VisionConfig):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.self_attn = CLIPAttention(c)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = CLIPMLP(c)

    def forward(self, h):
        h = h + self.self_attn(self.layer_norm1(h))
        return h + self.mlp(self.layer_norm2(h))


class CLIPEncoder(nn.Module):
    def __init__(self, c: VisionConfig):
        super().__init__()
        self.layers = nn.ModuleList(CLIPEncoderLayer(c) for _ in range(c.num_hidden_layers))


class CLIPVisionTransformer(nn.Module):
    def __init__(self, c: VisionConfig, with_post_layernorm=False):
        super().__init__()
        self.embeddings = CLIPEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.encoder = CLIPEncoder(c)
        if with_post_layernorm:  # present in HF CLIP checkpoints, never used for MM1 features
            self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, pixels, feature_layer=-1):
        """Hidden state `feature_layer` (HF sense), class token dropped: [N, g², W]."""
        layers = self.encoder.layers
        n_states = len(layers) + 1  # state 0 = after pre_layrnorm, state i+1 = output of layer i
        idx = feature_layer if feature_layer >= 0 else n_states + feature_layer
        if not 0 <= idx < n_states:
            raise ValueError(f"vision_feature_layer={feature_layer} out of range for "
                             f"{len(layers)} layers")
        h = self.pre_layrnorm(self.embeddings(pixels))
        for layer in layers[:idx]:
            h = layer(h)
        return h[:, 1:]


class VisionTower(nn.Module):
    def __init__(self, c: VisionConfig, with_post_layernorm=False):
        super().__init__()
        self.vision_model = CLIPVisionTransformer(c, with_post_layernorm)


# ----------------------------------------------------------------------------------------------
# Connector (§5): Honeybee's C-Abstractor (timm RegNet bottlenecks with channel LayerNorms).

class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel dimension at every pixel of [N, C, H, W]."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNorm(nn.Module):
    """conv (no bias) then channel LayerNorm; names `conv`, `bn` as in timm's ConvNormAct."""

    def __init__(self, cin, cout, k, eps, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False)
        self.bn = LayerNorm2d(cout, eps=eps)

    def forward(self, x):
        return self.bn(self.conv(x))


class SEModule(nn.Module):
    def __init__(self, ch, r):
        super().__init__()
        self.fc1 = nn.Conv2d(ch, r, 1)  # [r, ch, 1, 1] + bias [r]
        self.fc2 = nn.Conv2d(r, ch, 1)  # [ch, r, 1, 1] + bias [ch]

    def forward(self, x):
        e = x.mean((2, 3), keepdim=True)
        e = self.fc2(F.silu(self.fc1(e)))
        return x * torch.sigmoid(e)


class Bottleneck(nn.Module):
    """B(in, out): timm RegNetBottleneck, bottleneck ratio 1, depthwise 3x3, SE, SiLU."""

    def __init__(self, cin, cout, se_ratio, eps):
        super().__init__()
        self.conv1 = ConvNorm(cin, cout, 1, eps)
        self.conv2 = ConvNorm(cout, cout, 3, eps, groups=cout)
        self.se = SEModule(cout, int(round(cin * se_ratio)))
        self.conv3 = ConvNorm(cout, cout, 1, eps)
        if cin != cout:
            self.downsample = ConvNorm(cin, cout, 1, eps)

    def forward(self, x):
        s = x
        x = F.silu(self.conv1(x))
        x = F.silu(self.conv2(x))
        x = self.se(x)
        x = self.conv3(x)
        x = x + (self.downsample(s) if hasattr(self, "downsample") else s)
        return F.silu(x)


class RegStage(nn.Sequential):
    """Blocks named b1 … b{depth}; the first maps cin -> cout."""

    def __init__(self, depth, cin, cout, se_ratio, eps):
        super().__init__()
        for i in range(depth):
            self.add_module(f"b{i + 1}", Bottleneck(cin if i == 0 else cout, cout, se_ratio, eps))


class CAbstractor(nn.Module):
    def __init__(self, cc: ConnectorConfig, vc: VisionConfig, d: int):
        super().__init__()
        self.cc, self.grid = cc, vc.grid
        w, c, eps = vc.hidden_size, cc.hidden_size, cc.layer_norm_eps
        n = math.isqrt(cc.num_image_tokens)
        if cc.pos_emb:
            self.pos_emb = nn.Parameter(torch.zeros(1, vc.grid ** 2, w))  # [1, G², W]
        s1 = RegStage(cc.depth, w, c, cc.se_ratio, eps) if cc.depth else nn.Identity()
        s2 = RegStage(cc.depth, c, c, cc.se_ratio, eps) if cc.depth else nn.Identity()
        self.net = nn.Sequential(s1, nn.AdaptiveAvgPool2d((n, n)), s2)
        mods = [nn.Linear(c if cc.depth else w, d)]
        for _ in range(cc.mlp_depth - 1):
            mods += [nn.SiLU(), nn.Linear(d, d)]
        self.readout = nn.Sequential(*mods)

    def forward(self, f):  # [N, g², W] -> [N, n², d]
        n_img, gg, w = f.shape
        g = math.isqrt(gg)
        if self.cc.pos_emb:
            f = f + resize_pos_grid(self.pos_emb[0], self.grid, g)
        x = f.transpose(1, 2).reshape(n_img, w, g, g)
        x = self.net(x)
        x = x.flatten(2).transpose(1, 2)  # row-major [N, n², C]
        return self.readout(x)


class MLPProjector(nn.Module):
    """LLaVA-1.5 projector: linear_1 -> GELU (erf) -> linear_2, per patch feature."""

    def __init__(self, w, d):
        super().__init__()
        self.linear_1, self.linear_2 = nn.Linear(w, d), nn.Linear(d, d)

    def forward(self, f):
        return self.linear_2(F.gelu(self.linear_1(f)))


# ----------------------------------------------------------------------------------------------
# Language model (§6): Llama/Mixtral decoder.

class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        return xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight.float()


def rope_inv_freq(c: TextConfig):
    hd = c.head_dim
    inv = 1.0 / (c.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    rs = c.rope_scaling
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":  # as in HF Llama 3.1
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        scaled = torch.where(wl > lo_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wl < hi_wl) & ~(wl > lo_wl)
        inv = torch.where(medium, smoothed, scaled)
    elif rs and rs.get("rope_type", rs.get("type")) not in (None, "default"):
        raise ValueError(f"rope_scaling type {rs!r} is not supported")
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


class Attention(nn.Module):
    def __init__(self, c: TextConfig):
        super().__init__()
        self.c = c
        d, hd = c.hidden_size, c.head_dim
        self.q_proj = nn.Linear(d, c.num_attention_heads * hd, bias=c.attention_bias)
        self.k_proj = nn.Linear(d, c.num_key_value_heads * hd, bias=c.attention_bias)
        self.v_proj = nn.Linear(d, c.num_key_value_heads * hd, bias=c.attention_bias)
        self.o_proj = nn.Linear(c.num_attention_heads * hd, d, bias=False)

    def forward(self, x, cos, sin):  # x [B, T, d]; causal
        b, t, _ = x.shape
        c, hd = self.c, self.c.head_dim
        q = self.q_proj(x).view(b, t, c.num_attention_heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, c.num_key_value_heads, hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, c.num_key_value_heads, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = c.num_attention_heads // c.num_key_value_heads
        k, v = k.repeat_interleave(groups, 1), v.repeat_interleave(groups, 1)  # head h -> kv h//groups
        s = (q @ k.transpose(-1, -2)).float() / math.sqrt(hd)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        p = torch.softmax(s.masked_fill(mask, float("-inf")), -1).to(v.dtype)
        return self.o_proj((p @ v).transpose(1, 2).reshape(b, t, -1))


class MLP(nn.Module):
    def __init__(self, d, f, act):
        super().__init__()
        self.act = _act(act)
        self.gate_proj, self.up_proj = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class Expert(nn.Module):
    def __init__(self, d, f, act):
        super().__init__()
        self.act = _act(act)
        self.w1 = nn.Linear(d, f, bias=False)  # gate
        self.w3 = nn.Linear(d, f, bias=False)  # up
        self.w2 = nn.Linear(f, d, bias=False)  # down

    def forward(self, x):
        return self.w2(self.act(self.w1(x)) * self.w3(x))


def route(router_logits, k, normalize=True):
    """Softmax over all experts (F32), top-k with ties to the lower index, renormalised unless normalize is
    False (norm_topk_prob: false, as OLMoE and Qwen-MoE). Returns (weights [M, k], expert indices [M, k])."""
    probs = torch.softmax(router_logits.float(), -1)
    top, idx = torch.sort(probs, dim=-1, descending=True, stable=True)
    top, idx = top[:, :k], idx[:, :k]
    return (top / top.sum(-1, keepdim=True) if normalize else top), idx


class SparseMoE(nn.Module):
    def __init__(self, c: TextConfig):
        super().__init__()
        self.k = c.num_experts_per_tok
        self.normalize = c.norm_topk_prob
        self.gate = nn.Linear(c.hidden_size, c.num_local_experts, bias=False)
        self.experts = nn.ModuleList(Expert(c.hidden_size, c.intermediate_size, c.hidden_act)
                                     for _ in range(c.num_local_experts))

    def forward(self, x):  # every token to its k experts, no capacity limit
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        w, idx = route(self.gate(x), self.k, self.normalize)
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            tok, slot = (idx == e).nonzero(as_tuple=True)
            if tok.numel():
                out = out.index_add(0, tok, expert(x[tok]) * w[tok, slot, None].to(x.dtype))
        return out.reshape(shape)


class DecoderLayer(nn.Module):
    def __init__(self, c: TextConfig, i: int):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        if c.is_moe_layer(i):
            self.block_sparse_moe = SparseMoE(c)
        else:
            self.mlp = MLP(c.hidden_size, c.intermediate_size, c.hidden_act)

    def forward(self, h, cos, sin):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin)
        ffn = self.block_sparse_moe if hasattr(self, "block_sparse_moe") else self.mlp
        return h + ffn(self.post_attention_layernorm(h))


class TextModel(nn.Module):
    def __init__(self, c: TextConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(c, i) for i in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class LanguageModel(nn.Module):
    """`model.*` + optional `lm_head` (absent when tie_word_embeddings)."""

    def __init__(self, c: TextConfig):
        super().__init__()
        self.c = c
        self.model = TextModel(c)
        if not c.tie_word_embeddings:
            self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.register_buffer("inv_freq", rope_inv_freq(c), persistent=False)

    def forward_embeds(self, h):  # [B, T, d] -> logits [B, T, V], positions 0…T-1
        pos = torch.arange(h.shape[1], dtype=torch.float32, device=h.device)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        for layer in self.model.layers:
            h = layer(h, cos, sin)
        h = self.model.norm(h)
        head = self.model.embed_tokens.weight if self.c.tie_word_embeddings else self.lm_head.weight
        return h @ head.t()

    def forward(self, input_ids):
        return self.forward_embeds(self.model.embed_tokens(input_ids))


# ----------------------------------------------------------------------------------------------
# The assembled model (§7, §8).

class MM1(nn.Module):
    def __init__(self, config: MM1Config, with_post_layernorm=False):
        super().__init__()
        self.config = config
        d = config.text.hidden_size
        self.vision_tower = VisionTower(config.vision, with_post_layernorm)
        if config.connector.type == "c-abstractor":
            self.connector = CAbstractor(config.connector, config.vision, d)
        else:
            self.multi_modal_projector = MLPProjector(config.vision.hidden_size, d)
        self.language_model = LanguageModel(config.text)

    def encode_images(self, pixel_values):
        """[N, 3, S, S] -> (vision_features [N, g², W], image_embeds [N, tokens, d])."""
        f = self.vision_tower.vision_model(pixel_values, self.config.vision_feature_layer)
        proj = self.connector if hasattr(self, "connector") else self.multi_modal_projector
        return f, proj(f)

    def splice(self, input_ids, image_embeds):
        """Token embeddings with every `<image>` replaced by its image's embeddings (§7).

        input_ids [B, T]; images are taken in order (row 0's first). Rows whose expanded lengths
        differ are right-padded with zero vectors (outputs there are meaningless; causal attention
        keeps earlier positions exact). Returns [B, T', d]."""
        iid = self.config.image_token_id
        emb = self.language_model.model.embed_tokens(input_ids)
        n_needed = int((input_ids == iid).sum())
        n_have = 0 if image_embeds is None else image_embeds.shape[0]
        if n_needed != n_have:
            raise ValueError(f"{n_needed} <image> tokens in the input but {n_have} images given")
        rows, k = [], 0
        for b in range(input_ids.shape[0]):
            parts, start = [], 0
            for p in (input_ids[b] == iid).nonzero(as_tuple=True)[0].tolist():
                parts += [emb[b, start:p], image_embeds[k]]
                k, start = k + 1, p + 1
            parts.append(emb[b, start:])
            rows.append(torch.cat(parts, 0))
        t = max(r.shape[0] for r in rows)
        return torch.stack([F.pad(r, (0, 0, 0, t - r.shape[0])) for r in rows])

    def forward(self, input_ids, pixel_values=None):
        """§8 forward. input_ids [B, T] (one `<image>` id per image), pixel_values [N, 3, S, S].
        Returns {"logits": [B, T', V] for every expanded position, "vision_features", "image_embeds"}."""
        feats = embeds = None
        if pixel_values is not None and pixel_values.shape[0] > 0:
            feats, embeds = self.encode_images(pixel_values)
        h = self.splice(input_ids, embeds)
        return {"logits": self.language_model.forward_embeds(h), "vision_features": feats,
                "image_embeds": embeds}


@torch.no_grad()
def generate(model: MM1, ids, pixel_values=None, max_new_tokens=64, eos_token_id=None):
    """Greedy decoding without a KV cache: the full forward is re-run for every new token.
    Argmax ties go to the lowest id. Stops after EOS (which is included in the result)."""
    eos = model.config.eos_token_id if eos_token_id is None else eos_token_id
    ids, new = list(ids), []
    feats = embeds = None
    if pixel_values is not None and pixel_values.shape[0] > 0:
        feats, embeds = model.encode_images(pixel_values)
    for _ in range(max_new_tokens):
        h = model.splice(torch.tensor([ids + new]), embeds)
        nxt = int(torch.argmax(model.language_model.forward_embeds(h)[0, -1]))
        new.append(nxt)
        if nxt == eos:
            break
    return new


# ----------------------------------------------------------------------------------------------
# Checkpoint folders (§2).

def read_weights(folder):
    """All tensors of `model.safetensors` or of the shards listed in its index, as F32."""
    single = os.path.join(folder, "model.safetensors")
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(single):
        files = [single]
    elif os.path.exists(index):
        with open(index) as f:
            files = [os.path.join(folder, s) for s in sorted(set(json.load(f)["weight_map"].values()))]
    else:
        raise FileNotFoundError(f"{folder}: no model.safetensors nor model.safetensors.index.json")
    out = {}
    for path in files:
        out.update({k: v.float() for k, v in load_file(path).items()})
    return out


def load_state_strict(module, tensors):
    """Load exactly: a missing tensor, a wrong shape or an unexpected name raises with the name."""
    own = module.state_dict()
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    if missing or extra:
        raise ValueError(f"checkpoint mismatch: missing {missing[:8]} unexpected {extra[:8]}")
    for k, v in tensors.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise ValueError(f"tensor {k}: checkpoint shape {list(v.shape)}, "
                             f"model expects {list(own[k].shape)}")
    module.load_state_dict(tensors, strict=True)


def load_checkpoint(folder):
    """Build an MM1 from `folder/config.json` and load its weights (F32, eval mode)."""
    cfg = load_config(os.path.join(folder, "config.json"))
    tensors = read_weights(folder)
    post_ln = "vision_tower.vision_model.post_layernorm.weight" in tensors
    model = MM1(cfg, with_post_layernorm=post_ln)
    load_state_strict(model, tensors)
    return model.eval()


def load_text_checkpoint(folder):
    """A text-only Llama/Mistral/Qwen2/Mixtral folder (names `model.*`, `lm_head.*`)."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = text_config_from_dict(json.load(f))
    model = LanguageModel(cfg)
    tensors = read_weights(folder)
    if cfg.tie_word_embeddings:
        tensors.pop("lm_head.weight", None)
    load_state_strict(model, tensors)
    return model.eval()
