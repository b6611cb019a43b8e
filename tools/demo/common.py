"""Shared pieces of the demo tooling: the demo config, example encoding, checkpoint export."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tools/ (for mm1ref)
sys.path.insert(0, HERE)

import torch  # noqa: E402

import world  # noqa: E402
from bpe import Tokenizer  # noqa: E402
from mm1ref.mm1_torch import MM1, config_from_dict  # noqa: E402
from mm1ref.preprocess import preprocess  # noqa: E402
from mm1ref.safetensors_io import save_file  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MODEL_DIR = os.path.join(REPO, "models", "mm1-demo")
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
IMAGE_SIZE = 84


def demo_config(tok):
    """The config.json of the demo model (spec §3)."""
    return {
        "model_type": "mm1",
        "architectures": ["MM1ForConditionalGeneration"],
        "vision_config": {"hidden_size": 96, "intermediate_size": 384, "num_hidden_layers": 4,
                          "num_attention_heads": 4, "image_size": IMAGE_SIZE, "patch_size": 14,
                          "num_channels": 3, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
        "connector_config": {"type": "c-abstractor", "hidden_size": 128, "depth": 1, "mlp_depth": 2,
                             "num_image_tokens": 9, "pos_emb": True, "se_ratio": 0.25,
                             "layer_norm_eps": 1e-5},
        "text_config": {"hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 4,
                        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
                        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": tok.vocab_size,
                        "max_position_embeddings": 256, "tie_word_embeddings": True,
                        "hidden_act": "silu", "attention_bias": False, "num_local_experts": 4,
                        "num_experts_per_tok": 2, "moe_layer_frequency": 2},
        "vision_feature_layer": -1,
        "image_token_id": tok.image_id,
        "image_preprocess": {"mean": MEAN, "std": STD, "resize": "squash", "resample": "bicubic"},
        "image_split": {"enabled": False, "sub_image_size": IMAGE_SIZE, "grid": [2, 2], "overview": "after"},
        "bos_token_id": tok.bos_id, "eos_token_id": tok.eos_id, "pad_token_id": tok.pad_id,
    }


def load_tokenizer():
    return Tokenizer.load(os.path.join(MODEL_DIR, "tokenizer.json"))


def build_model(tok):
    return MM1(config_from_dict(demo_config(tok)))


def pixels(img):
    return preprocess(img, IMAGE_SIZE, MEAN, STD)


def export(model, tok, out_dir, metadata=None):
    """Write config.json and model.safetensors (F32) into out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(demo_config(tok), f, indent=2)
    save_file({k: v.float() for k, v in model.state_dict().items()},
              os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt", **(metadata or {})})
