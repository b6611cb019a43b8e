#!/usr/bin/python3
"""Golden files for the assembled MM1 model (spec §7, §8): small random MM1 checkpoints and what
`mm1j logits --pixels` must write for them, computed by tools/mm1ref (PyTorch, F32).

Each case is a folder with config.json (spec §3), model.safetensors and expected.safetensors:
  ids               I32 [T]           input ids, two image_token_id among them
  pixel_values      F32 [2, 3, S, S]  the two images, already preprocessed (the file doubles as --pixels)
  logits            F32 [T', V]       every position of the expanded sequence (§7)
  vision_features   F32 [2, g², W]    §4 step 5
  image_embeds      F32 [2, tokens, d] §5 output
  greedy            I32 [12]          PyTorch's greedy continuation (mm1ref.generate, no EOS stop)
  min_margin        F32 [1]           the smallest top-1 minus top-2 logit along it (how safe a token match is)
Cases: `dense` (C-Abstractor, GQA decoder, images at the native size) and `moe` (LLaVA mlp projector,
vision_feature_layer -2, MoE decoder with 4 experts top 2 on every 2nd layer, images larger than
image_size so the position embeddings are resized, an image token first and two adjacent).
`split` has image_split on (grid 1x2, overview before, sub_image_size 28 != image_size 42): its input is
image.png (60x36), cut as spec §7 says with Pillow here (tiles row-major, the overview first), each view
encoded on its own and the views' embeddings following each other at the one <image>; pixel_values then
holds the 3 views, image_embeds [3, tokens, d], logits the sequence with 3 x tokens image positions.

    /usr/bin/python3 tools/mm1/make_golden.py [OUT_DIR]
(default OUT_DIR: model/src/test/resources/golden/mm1)
"""
import json
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mm1ref.mm1_torch import MM1, config_from_dict, generate  # noqa: E402
from mm1ref.safetensors_io import save_file  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model/src/test/resources/golden/mm1")

VOCAB, IMAGE = 96, 95
CASES = [
    dict(name="dense", size=42, ids=[1, 17, IMAGE, 5, 9, 33, IMAGE, 7, 3, 80, 11],
         config={
             "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                               "num_attention_heads": 2, "image_size": 42, "patch_size": 14,
                               "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
             "connector_config": {"type": "c-abstractor", "hidden_size": 24, "depth": 1, "mlp_depth": 2,
                                  "num_image_tokens": 4, "pos_emb": True, "se_ratio": 0.25,
                                  "layer_norm_eps": 1e-5},
             "text_config": {"hidden_size": 48, "intermediate_size": 80, "num_hidden_layers": 3,
                             "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 12,
                             "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": VOCAB,
                             "max_position_embeddings": 128, "tie_word_embeddings": False,
                             "num_local_experts": 0},
             "vision_feature_layer": -1,
         }),
    dict(name="split", size=28, ids=[1, 30, IMAGE, 31, 32],
         split={"enabled": True, "sub_image_size": 28, "grid": [1, 2], "overview": "before"},
         config={
             "vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
                               "num_attention_heads": 4, "image_size": 42, "patch_size": 14},
             "connector_config": {"type": "c-abstractor", "hidden_size": 16, "depth": 1, "mlp_depth": 2,
                                  "num_image_tokens": 1, "pos_emb": True},
             "text_config": {"hidden_size": 32, "intermediate_size": 40, "num_hidden_layers": 2,
                             "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": VOCAB,
                             "tie_word_embeddings": False},
         }),
    dict(name="moe", size=56, ids=[IMAGE, IMAGE, 1, 40, 41, 42, 2, 60],
         config={
             "vision_config": {"hidden_size": 24, "intermediate_size": 48, "num_hidden_layers": 3,
                               "num_attention_heads": 2, "image_size": 42, "patch_size": 14,
                               "hidden_act": "gelu", "layer_norm_eps": 1e-6},
             "connector_config": {"type": "mlp"},
             "text_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 4,
                             "num_attention_heads": 4, "num_key_value_heads": 4,
                             "rms_norm_eps": 1e-6, "rope_theta": 500.0, "vocab_size": VOCAB,
                             "max_position_embeddings": 128, "tie_word_embeddings": False,
                             "num_local_experts": 4, "num_experts_per_tok": 2, "moe_layer_frequency": 2},
             "vision_feature_layer": -2,
         }),
]


def randomise(model, gen):
    """PyTorch's default init for linears and convs; non-trivial norms, biases and embeddings."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bn.weight") or ("norm" in name and name.endswith("weight")):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(("class_embedding", "position_embedding.weight", "pos_emb")):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("block_sparse_moe.gate.weight"):
                p.copy_(torch.randn(p.shape, generator=gen))  # routing far from ties


@torch.no_grad()
def run_case(case):
    seed = zlib.crc32(case["name"].encode())
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    config = {"model_type": "mm1", **case["config"], "image_token_id": IMAGE,
              "bos_token_id": 1, "eos_token_id": 2}
    model = MM1(config_from_dict(config)).eval()  # (the reference refuses image_split: done here below)
    randomise(model, gen)
    ids = torch.tensor([case["ids"]])
    n = int((ids == IMAGE).sum())
    folder = os.path.join(OUT, case["name"])
    os.makedirs(folder, exist_ok=True)
    if "split" in case:
        config["image_split"] = case["split"]
        px = split_views(folder, case["split"], gen)
        feats, emb = model.encode_images(px)
        h = model.splice(ids, emb.reshape(1, -1, emb.shape[-1]))  # the views follow each other at the <image>
        out = {"logits": model.language_model.forward_embeds(h), "vision_features": feats, "image_embeds": emb}
    else:
        px = torch.randn(n, 3, case["size"], case["size"], generator=gen)
        out = model(ids, px)
    expected = {"ids": ids[0].to(torch.int32), "pixel_values": px, "logits": out["logits"][0],
                "vision_features": out["vision_features"], "image_embeds": out["image_embeds"]}
    if "split" not in case:
        greedy = generate(model, case["ids"], px, max_new_tokens=12, eos_token_id=-1)
        full = model(torch.tensor([case["ids"] + greedy]), px)["logits"][0]
        top2 = full[-len(greedy) - 1:-1].topk(2, -1).values
        expected["greedy"] = torch.tensor(greedy, dtype=torch.int32)
        expected["min_margin"] = torch.tensor([float((top2[:, 0] - top2[:, 1]).min())])
    with open(os.path.join(folder, "config.json"), "w") as fh:
        json.dump(config, fh, indent=1)
    save_file(model.state_dict(), os.path.join(folder, "model.safetensors"),
              {"generator": "tools/mm1/make_golden.py"})
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(folder, "expected.safetensors"),
              {"generator": "tools/mm1/make_golden.py"})
    print(f"{case['name']}: {len(model.state_dict())} weights, ids {case['ids']}, "
          f"logits {list(out['logits'][0].shape)}, image_embeds {list(out['image_embeds'].shape)}, "
          f"greedy {expected.get('greedy', torch.tensor([])).tolist()}")


def split_views(folder, split, gen):
    """image.png (random content, 60x36) cut into its views as spec §7 says; returns their pixels [k, 3, S, S]."""
    from PIL import Image
    import numpy as np
    from mm1ref.preprocess import preprocess
    arr = (torch.rand(36, 60, 3, generator=gen) * 255).round().to(torch.uint8).numpy()
    path = os.path.join(folder, "image.png")
    Image.fromarray(np.ascontiguousarray(arr), "RGB").save(path)
    img = Image.open(path).convert("RGB")
    size, (rows, cols) = split["sub_image_size"], split["grid"]
    big = img.resize((size * cols, size * rows), Image.BICUBIC)
    views = [big.crop((c * size, r * size, (c + 1) * size, (r + 1) * size)) for r in range(rows) for c in range(cols)]
    overview = img.resize((size, size), Image.BICUBIC)
    views = [overview] + views if split["overview"] == "before" else views + [overview]
    mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
    return torch.stack([preprocess(v, size, mean, std) for v in views])


def main():
    torch.set_num_threads(1)
    for case in CASES:
        run_case(case)


if __name__ == "__main__":
    main()
