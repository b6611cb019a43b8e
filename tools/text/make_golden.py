"""Golden files for the decoder (spec §6): small random checkpoints of the Llama, Qwen2, Mixtral and MM1
text families, written with PyTorch through tools/mm1ref, and what the reference computes on them.

    /usr/bin/python3 tools/text/make_golden.py [OUT_DIR [NAME...]]    (default model/src/test/resources/golden/text, all)

Each OUT_DIR/<name>/ holds config.json, model.safetensors (weights in the family's usual storage dtype)
and golden.safetensors:
  prompt        I32 [P]        fixed prompt ids
  greedy        I32 [50]       greedy continuation (argmax, ties to the lowest id, EOS ignored), computed by
                               re-running the full forward for every new token (no KV cache)
  logits        F32 [P+50, V]  the full forward over prompt + greedy, every position
  inv_freq      F32 [hd/2]     rotary inverse frequencies after rope_scaling
  min_margin    F32 [1]        smallest top-1/top-2 logit gap over the 50 greedy steps (the seed is chosen so
                               that it is well above float rounding, so token-for-token equality is fair)
The weights are loaded back from the written file before computing, so the reference sees exactly the
stored (rounded) values.
"""
import json
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from mm1ref.mm1_torch import LanguageModel, _text_config, load_state_strict, rope_inv_freq  # noqa: E402
from mm1ref.safetensors_io import load_file, save_file  # noqa: E402

NEW_TOKENS = 50
PROMPT = [1, 17, 200, 3, 3, 99, 42, 255, 7, 128, 64, 5]
MIN_MARGIN = 0.05

BASE = {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 512, "hidden_act": "silu",
        "bos_token_id": 1, "eos_token_id": 2}

MODELS = {
    # GQA 4/2, head_dim 16 != 48/4, untied head, llama3 rope scaling (all three frequency bands), BF16 storage
    "llama": (dict(BASE, model_type="llama", head_dim=16, rms_norm_eps=1e-5, rope_theta=500000.0,
                   tie_word_embeddings=False, attention_bias=False,
                   rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
              torch.bfloat16, ""),
    # MQA 4/1, q/k/v biases, tied embeddings, F16 storage
    "qwen2": (dict(BASE, model_type="qwen2", num_key_value_heads=1, rms_norm_eps=1e-6, rope_theta=1000000.0,
                   tie_word_embeddings=True, use_sliding_window=False, sliding_window=4096),
              torch.float16, ""),
    # every layer MoE, 4 experts, top 2, F32 storage
    "mixtral": (dict(BASE, model_type="mixtral", hidden_size=32, intermediate_size=64, head_dim=8,
                     rms_norm_eps=1e-5, rope_theta=1000000.0, tie_word_embeddings=False,
                     num_local_experts=4, num_experts_per_tok=2),
                torch.float32, ""),
    # a router without renormalisation (norm_topk_prob false, as OLMoE / Qwen-MoE): 4 experts top 2, F32 storage
    "mixtral-nonorm": (dict(BASE, model_type="mixtral", hidden_size=32, intermediate_size=64, head_dim=8,
                            rms_norm_eps=1e-5, rope_theta=1000000.0, tie_word_embeddings=False,
                            num_local_experts=4, num_experts_per_tok=2, norm_topk_prob=False),
                       torch.float32, ""),
    # MM1's text part: MoE on every 2nd layer (layer 1 of 0..2), 3 experts top 2, tied, names under language_model.
    "mm1text": (dict(BASE, model_type="mm1", num_hidden_layers=3, hidden_size=32, intermediate_size=48,
                     head_dim=8, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
                     num_local_experts=3, num_experts_per_tok=2, moe_layer_frequency=2),
                torch.float32, "language_model."),
}


def text_config(cfg):
    c = dict(cfg)
    if c["model_type"] == "mixtral":
        c.setdefault("moe_layer_frequency", 1)
    if c["model_type"] == "qwen2":
        c.setdefault("attention_bias", True)
    return _text_config(c, "")


def config_json(cfg):
    if cfg["model_type"] != "mm1":
        return cfg
    text = {k: v for k, v in cfg.items() if k not in ("model_type", "bos_token_id", "eos_token_id")}
    return {"model_type": "mm1", "text_config": text, "bos_token_id": cfg["bos_token_id"],
            "eos_token_id": cfg["eos_token_id"], "image_token_id": cfg["vocab_size"] - 1}


def randomise(model, seed, gain):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "model.norm.weight":  # sharpen the logits so that greedy argmax gaps are wide
                p.copy_(5 + 0.5 * (torch.rand(p.shape, generator=g) - 0.5))
            elif name.endswith("norm.weight") or "layernorm" in name:
                p.copy_(1 + 0.1 * (torch.rand(p.shape, generator=g) - 0.5))
            elif name.endswith(".bias"):
                p.copy_(0.2 * (torch.rand(p.shape, generator=g) - 0.5))
            else:
                bound = (1.0 if "embed_tokens" in name else gain) / p.shape[-1] ** 0.5
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound * (3 if ".gate." in name else 1))


@torch.no_grad()
def greedy(model, prompt, n):
    ids, margins = list(prompt), []
    for _ in range(n):
        logits = model(torch.tensor([ids]))[0, -1]
        top = torch.topk(logits, 2).values
        margins.append(float(top[0] - top[1]))
        ids.append(int(torch.argmax(logits)))
    return ids[len(prompt):], min(margins)


def make(name, out_dir):
    cfg, dtype, prefix = MODELS[name]
    tc = text_config(cfg)
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    for seed in range(100):
        model = LanguageModel(tc)
        randomise(model, 1000 + seed, gain=3.0)
        tensors = {prefix + k: v.to(dtype) for k, v in model.state_dict().items()}
        weights_path = os.path.join(folder, "model.safetensors")
        save_file(tensors, weights_path)
        # reload what was written (rounded to the storage dtype) and compute in F32
        loaded = {k[len(prefix):]: v.float() for k, v in load_file(weights_path).items()}
        model = LanguageModel(tc)
        load_state_strict(model, loaded)
        model.eval()
        new, margin = greedy(model, PROMPT, NEW_TOKENS)
        if margin >= MIN_MARGIN and len(set(new)) > 5:
            break
        print(f"{name}: seed {1000 + seed}: margin {margin:.2e} or a dull continuation, next seed")
    else:
        raise SystemExit(f"{name}: no seed gave a greedy margin >= {MIN_MARGIN}")
    with torch.no_grad():
        logits = model(torch.tensor([PROMPT + new]))[0]
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_json(cfg), f, indent=2)
        f.write("\n")
    save_file({"prompt": torch.tensor(PROMPT, dtype=torch.int32), "greedy": torch.tensor(new, dtype=torch.int32),
               "logits": logits.float(), "inv_freq": rope_inv_freq(tc).float(),
               "min_margin": torch.tensor([margin], dtype=torch.float32)},
              os.path.join(folder, "golden.safetensors"),
              metadata={"generator": "tools/text/make_golden.py", "seed": 1000 + seed})
    print(f"{name}: seed {1000 + seed}, greedy margin {margin:.3f} (max |logit| {float(logits.abs().max()):.1f}), "
          f"{len(set(new))} distinct tokens: {new[:12]}...")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join("model", "src", "test", "resources", "golden", "text")
    torch.manual_seed(0)
    for name in sys.argv[2:] or MODELS:
        make(name, out_dir)


if __name__ == "__main__":
    main()
