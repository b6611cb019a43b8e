#!/usr/bin/python3
"""Golden files for the vision path (spec §4, §5): small random checkpoints and the expected output of every
stage, computed by tools/mm1ref (PyTorch, F32).

Each case is a folder with config.json (spec §3 keys), model.safetensors (vision_tower.* and connector.* or
multi_modal_projector.* tensors) and expected.safetensors holding, for each run r (a batch of pixels):
  r{r}.pixel_values                      [N, 3, S, S] the input
  r{r}.vision.patch_embeds               [N, g², W]   the patchify conv, row-major
  r{r}.vision.embeddings                 [N, 1+g², W] class token + patches + (resized) position embedding
  r{r}.vision.pre_layrnorm               [N, 1+g², W] hidden state 0
  r{r}.vision.layers.{i}                 [N, 1+g², W] output of layer i (only those the feature layer needs)
  r{r}.vision.features                   [N, g², W]   hidden state vision_feature_layer, class token dropped
  r{r}.connector.pos                     [N, g², W]   features + pos_emb (c-abstractor with pos_emb)
  r{r}.connector.net.0.b{j}              [N, g, g, C] each block of the first stage (channels last)
  r{r}.connector.net.1                   [N, n, n, C] adaptive average pooling
  r{r}.connector.net.2.b{j}              [N, n, n, C]
  r{r}.connector.embeddings              [N, tokens, d]
BF16 cases store every weight as BF16; the reference then runs in F32 on the BF16-rounded values.

    /usr/bin/python3 tools/vision/make_model_golden.py [OUT_DIR]
(default OUT_DIR: model/src/test/resources/golden/vision/model)
"""
import json
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mm1ref.mm1_torch import (CAbstractor, ConnectorConfig, MLPProjector, VisionConfig, VisionTower,  # noqa: E402
                              resize_pos_grid)
from mm1ref.safetensors_io import save_file  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model/src/test/resources/golden/vision/model")

CASES = [
    # heads of width 24, grid 5 and 7 (an image larger than image_size), pooling 5->3 and 7->3, F32
    dict(name="cabs_f32", dtype="F32", feature_layer=-1, d=40,
         vision=dict(hidden_size=48, intermediate_size=112, num_hidden_layers=3, num_attention_heads=2,
                     image_size=70, patch_size=14, hidden_act="quick_gelu", layer_norm_eps=1e-5),
         connector=dict(type="c-abstractor", hidden_size=32, depth=2, mlp_depth=2, num_image_tokens=9,
                        pos_emb=True, se_ratio=0.25, layer_norm_eps=1e-5),
         runs=[(2, 70), (1, 98)]),
    # BF16 weights, exact gelu, feature layer -2, the LLaVA mlp projector, grid 4 -> 7
    dict(name="mlp_bf16", dtype="BF16", feature_layer=-2, d=40,
         vision=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
                     image_size=56, patch_size=14, hidden_act="gelu", layer_norm_eps=1e-6),
         connector=dict(type="mlp"),
         runs=[(2, 98)]),
    # BF16, one head of width 24, C = W (no downsample), depth 1, mlp_depth 3, no pos_emb, feature layer 1
    dict(name="cabs_bf16", dtype="BF16", feature_layer=1, d=36,
         vision=dict(hidden_size=24, intermediate_size=64, num_hidden_layers=2, num_attention_heads=1,
                     image_size=70, patch_size=14, hidden_act="quick_gelu", layer_norm_eps=1e-5),
         connector=dict(type="c-abstractor", hidden_size=24, depth=1, mlp_depth=3, num_image_tokens=4,
                        pos_emb=False, se_ratio=0.3, layer_norm_eps=1e-5),
         runs=[(3, 70), (1, 42)]),
]


def randomise(module, gen):
    """PyTorch's default init for convs and linears; non-trivial norms, biases and embeddings."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bn.weight") or "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(("class_embedding", "position_embedding.weight", "pos_emb")):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))


def channels_last(x):
    return x.permute(0, 2, 3, 1).contiguous()


@torch.no_grad()
def run_case(case):
    seed = zlib.crc32(case["name"].encode())
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    vc = VisionConfig(**case["vision"])
    tower = VisionTower(vc)
    cc = ConnectorConfig(**case["connector"])
    if cc.type == "c-abstractor":
        conn, prefix = CAbstractor(cc, vc, case["d"]), "connector."
    else:
        conn, prefix = MLPProjector(vc.hidden_size, case["d"]), "multi_modal_projector."
    randomise(tower, gen)
    randomise(conn, gen)
    if case["dtype"] == "BF16":  # round every weight to bf16; the reference computes in F32 on those values
        for m in (tower, conn):
            for p in m.parameters():
                p.copy_(p.bfloat16().float())
    tensors = {"vision_tower." + k: v for k, v in tower.state_dict().items()}
    tensors.update({prefix + k: v for k, v in conn.state_dict().items()})
    if case["dtype"] == "BF16":
        tensors = {k: v.bfloat16() for k, v in tensors.items()}

    vm = tower.vision_model
    expected = {}
    layers = vc.num_hidden_layers
    idx = case["feature_layer"] if case["feature_layer"] >= 0 else layers + 1 + case["feature_layer"]
    for r, (n, size) in enumerate(case["runs"]):
        pre = f"r{r}."
        px = torch.randn(n, 3, size, size, generator=gen)
        expected[pre + "pixel_values"] = px
        expected[pre + "vision.patch_embeds"] = vm.embeddings.patch_embedding(px).flatten(2).transpose(1, 2)
        h = vm.embeddings(px)
        expected[pre + "vision.embeddings"] = h
        h = vm.pre_layrnorm(h)
        expected[pre + "vision.pre_layrnorm"] = h
        for i, layer in enumerate(vm.encoder.layers[:idx]):
            h = layer(h)
            expected[pre + f"vision.layers.{i}"] = h
        f = vm(px, case["feature_layer"])
        assert torch.equal(f, h[:, 1:]), "feature layer bookkeeping"
        expected[pre + "vision.features"] = f
        emb = conn(f)
        expected[pre + "connector.embeddings"] = emb
        if cc.type == "c-abstractor":
            g = int(round(f.shape[1] ** 0.5))
            x = f
            if cc.pos_emb:
                x = x + resize_pos_grid(conn.pos_emb[0], vc.grid, g)
                expected[pre + "connector.pos"] = x
            x = x.transpose(1, 2).reshape(n, vc.hidden_size, g, g)
            for name, block in conn.net[0].named_children():
                x = block(x)
                expected[pre + f"connector.net.0.{name}"] = channels_last(x)
            x = conn.net[1](x)
            expected[pre + "connector.net.1"] = channels_last(x)
            for name, block in conn.net[2].named_children():
                x = block(x)
                expected[pre + f"connector.net.2.{name}"] = channels_last(x)
            assert torch.allclose(conn.readout(x.flatten(2).transpose(1, 2)), emb), "connector bookkeeping"

    out = os.path.join(OUT, case["name"])
    os.makedirs(out, exist_ok=True)
    config = {
        "model_type": "mm1",
        "vision_config": dict(case["vision"], num_channels=3),
        "connector_config": case["connector"],
        "text_config": {"hidden_size": case["d"], "intermediate_size": 2 * case["d"], "num_hidden_layers": 1,
                        "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 64},
        "vision_feature_layer": case["feature_layer"],
        "image_token_id": 63,
    }
    with open(os.path.join(out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=1)
    save_file(tensors, os.path.join(out, "model.safetensors"), {"generator": "tools/vision/make_model_golden.py"})
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(out, "expected.safetensors"),
              {"runs": json.dumps(case["runs"])})
    print(f"{case['name']}: {len(tensors)} weights, {len(expected)} expected tensors")


def main():
    torch.set_num_threads(1)
    for case in CASES:
        run_case(case)


if __name__ == "__main__":
    main()
