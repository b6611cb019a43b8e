#!/usr/bin/python3
"""Small random LLaVA checkpoints in every layout mm1j reads, and what the engine must compute for them, from the
independent PyTorch implementation in tools/llava/llava_ref.py and the processor port in tools/llava/processors.py.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/lapack /usr/bin/python3 tools/llava/make_golden.py [OUT_DIR]
(default OUT_DIR: model/src/test/resources/golden/llava; the LD_LIBRARY_PATH is only needed where Debian's
liblapack.so.3 alternative is missing.)

Hugging Face folders (config.json with every key transformers writes, preprocessor_config.json, tokenizer.json =
models/mm1-demo's BPE tokenizer whose added token <image> is id 427, model.safetensors):
  llava15-legacy-f32  LlavaForConditionalGeneration, names as transformers < 4.52 wrote them, F32 (values that
                      F16 holds exactly, so that the GGUF pair below is the same model), Llama text with GQA,
                      vision_feature_layer -2, strategy default, gelu projector with biases
  llava15-new-bf16    names as transformers >= 4.52 writes them, BF16, Mistral text (1 kv head), vision layers
                      [-2, -3] concatenated, strategy full (the CLS row kept), projector without biases and silu,
                      a gelu CLIP, tied word embeddings (no lm_head.weight)
  next-legacy-bf16    LlavaNextForConditionalGeneration, legacy names (image_newline at the top), BF16, Mistral,
                      three images (wide, tall RGBA, tiny greyscale)
  next-new-f32        new names (model.image_newline), F32 (F16-exact), Llama, vision layers [-1, -3]
GGUF pairs (text GGUF + mmproj GGUF as llama.cpp's converters write them; spec §9.1 semantics):
  gguf-llava15        from llava15-legacy-f32: mmproj-f16.gguf (+ mmproj-q.gguf with Q8_0/Q4_0/Q4_K tensors),
                      text-f16.gguf; images pad-to-square with the mean colour
  gguf-llava16        from next-new-f32: mmproj-f16.gguf with (width, height) pinpoints, spatial_unpad,
                      clip.vision.feature_layer; mmproj-f16-names.gguf the same under gguf-py's tensor names
                      (fc1 = ffn_up, v.image_newline); text-f16.gguf

Every case folder holds expected.safetensors:
  ids I32 [T]; image_sizes I32 [N, 2] (height, width); rows_per_image I32 [N]
  pixel_values.{k} F32 [views, 3, S, S]; image_features.{k} F32 [views, tokens, W·layers] (selected, before the
  projector); image_embeds F32 [R, d] (every row spliced, in sequence order); logits F32 [T', V] of the expanded
  sequence; greedy I32 [12] (no EOS stop) and min_margin F32 [1]
and prompt.json: the ids and the image files (relative to the golden folder).
chat.json (tools/llava/chat_golden.py): conversations rendered and tokenized as each layout's own software does
(llava15-legacy-f32 and next-legacy-bf16 carry llava-hf's processor templates as chat_template.json; the other
folders none: the trained format; the text GGUFs carry a vocabulary without an image token, gguf-llava16's with
Mistral-7B-Instruct-v0.2's tokenizer.chat_template), their ids and the reference's greedy answer.
preprocess/ holds the processor fixtures (see make_preprocess.py).
"""
import json
import os
import shutil
import sys
import zlib

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import processors as P  # noqa: E402
from gguf_pair import to_torch, write_mmproj, write_text  # noqa: E402
from llava_ref import Llava, LlavaCfg, greedy, load_state, to_new_names  # noqa: E402
from mm1ref.safetensors_io import save_file  # noqa: E402
import chat_golden as C  # noqa: E402
from chat_golden import assistant, system, user  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model/src/test/resources/golden/llava")
IMAGE, VOCAB = 427, 428
PINPOINTS_HW = [[28, 56], [56, 28], [56, 56], [28, 84], [84, 28]]


def vision(intermediate=64, act="quick_gelu"):
    return {"hidden_size": 32, "image_size": 28, "intermediate_size": intermediate, "model_type": "clip_vision_model",
            "num_attention_heads": 2, "num_hidden_layers": 3, "patch_size": 7, "projection_dim": 16,
            "hidden_act": act, "layer_norm_eps": 1e-5, "vocab_size": 32000}


def llama():
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "vocab_size": VOCAB, "max_position_embeddings": 256, "torch_dtype": "float16"}


def mistral(tied=False):
    t = {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "rms_norm_eps": 1e-5,
         "rope_theta": 1000000.0, "vocab_size": VOCAB, "max_position_embeddings": 32768, "sliding_window": None,
         "torch_dtype": "bfloat16"}
    if tied:
        t["tie_word_embeddings"] = True
    return t


def llava_config(kind, text, vis, layer, strategy="default", act="gelu", bias=True, legacy=True):
    arch = "LlavaForConditionalGeneration" if kind == "llava" else "LlavaNextForConditionalGeneration"
    g = vis["image_size"] // vis["patch_size"]
    c = {"architectures": [arch], "ignore_index": -100, "image_token_index": IMAGE, "model_type": kind,
         "projector_hidden_act": act, "text_config": text, "vision_config": vis, "vision_feature_layer": layer,
         "vision_feature_select_strategy": strategy, "pad_token_id": 0,
         "tie_word_embeddings": bool(text.get("tie_word_embeddings", False)),
         "torch_dtype": text["torch_dtype"], "transformers_version": "4.36.0" if legacy else "4.52.4"}
    if legacy:
        c["vocab_size"] = VOCAB
    else:
        c["image_seq_length"] = g * g + (strategy == "full")
        c["multimodal_projector_bias"] = bias
    if kind == "llava_next":
        c["image_grid_pinpoints"] = PINPOINTS_HW
        c["use_image_newline_parameter"] = True
    return c


def processor_config(kind):
    p = {"crop_size": {"height": 28, "width": 28}, "do_center_crop": True, "do_convert_rgb": True,
         "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": P.CLIP_MEAN, "image_std": P.CLIP_STD,
         "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 28}}
    if kind == "llava":
        p.update(image_processor_type="CLIPImageProcessor", processor_class="LlavaProcessor")
    else:
        p.update(image_processor_type="LlavaNextImageProcessor", processor_class="LlavaNextProcessor",
                 image_grid_pinpoints=PINPOINTS_HW, do_pad=True)
    return p


Q = "What is shown in this image?"
CASES = [
    dict(name="llava15-legacy-f32", kind="llava", legacy=True, dtype="f16exact", gguf="gguf-llava15",
         config=lambda: llava_config("llava", llama(), vision(256), -2),
         images=["wide.png", "tall_rgba.png"], ids=[1, 35, IMAGE, 10, 200, 14, IMAGE, 99, 7],
         chat=(("processor", "llava-1.5-7b-hf"), [
             ("one-image", [user(None, Q)], ["wide.png"]),
             ("two-turns", [user(None, "Describe it."), assistant("A wide picture with stripes."), user(None, "And this one?")],
              ["wide.png", "tall_rgba.png"]),
             ("text-only", [user("Hello! Who are you?")], [])])),
    dict(name="llava15-new-bf16", kind="llava", legacy=False, dtype="bf16",
         config=lambda: llava_config("llava", mistral(tied=True), vision(64, "gelu"), [-2, -3], "full", "silu", False, False),
         images=["gray.png"], ids=[1, IMAGE, 50, 60, 70],
         chat=(("trained", "mistral"), [
             ("one-image", [user(None, "What colour is it?")], ["gray.png"]),
             ("system", [system("Answer briefly."), user(None, "What is this?")], ["gray.png"]),
             ("text-only", [user("Tell me a story.")], [])])),
    dict(name="next-legacy-bf16", kind="llava_next", legacy=True, dtype="bf16",
         config=lambda: llava_config("llava_next", mistral(), vision(64), -2),
         images=["wide.png", "tall_rgba.png", "tiny_gray.png"], ids=[1, IMAGE, 20, IMAGE, 30, 40, IMAGE, 5],
         chat=(("processor", "llava-v1.6-mistral-7b-hf"), [
             ("one-image", [user(None, Q)], ["tall_rgba.png"]),
             ("system", [system("You are a helpful assistant."), user(None, None, "Compare these.")], ["wide.png", "tiny_gray.png"]),
             ("text-only", [user("Hello! Who are you?")], [])])),
    dict(name="next-new-f32", kind="llava_next", legacy=False, dtype="f16exact", gguf="gguf-llava16",
         config=lambda: llava_config("llava_next", llama(), vision(64), [-1, -3], legacy=False),
         images=["square.png", "extreme_wide.png"], ids=[1, 22, IMAGE, 33, IMAGE, 44],
         chat=(("trained", "vicuna"), [
             ("two-images", [user(None, None, "Compare the two images.")], ["square.png", "extreme_wide.png"]),
             ("text-only", [user("Hello! Who are you?")], [])])),
]
GGUF_CHAT = {
    "gguf-llava15": (None, "vicuna", [
        ("one-image", [user(None, Q)], ["wide.png"]),
        ("two-turns", [user(None, "Describe it."), assistant("A square."), user(None, "And this one?")], ["square.png", "wide.png"]),
        ("text-only", [user("Hello! Who are you?")], [])]),
    "gguf-llava16": ("mistral-7b-instruct-v0.2", None, [
        ("one-image", [user(None, Q)], ["small_square.png"]),
        ("two-images", [user(None, None, "Which one is wider?")], ["small_square.png", "wide.png"]),
        ("text-only", [user("Hello! Who are you?")], [])]),
}


# ------------------------------------------------------------------------------------------- images

def content(h, w, seed, channels=3):
    """Gradients, noise, a hard checkerboard and saturated blocks."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        p = 127.5 + 100 * np.sin(x / (3.0 + 2 * c) + y / (5.0 + c)) + rng.normal(0, 25, (h, w))
        p[((x // 3 + y // 3) % 2 == 0) & (x > w * 0.6)] = 255 if c % 2 == 0 else 0
        p[(y < h * 0.2) & (x < w * 0.3)] = 0 if c == 1 else 255
        planes.append(p)
    return np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)


def write_images(folder):
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(content(28, 45, 1)).save(os.path.join(folder, "wide.png"))
    rgba = content(41, 22, 2, 4)
    rgba[..., 3] = np.linspace(0, 255, 22, dtype=np.uint8)[None, :]
    Image.fromarray(rgba, "RGBA").save(os.path.join(folder, "tall_rgba.png"))
    Image.fromarray(content(19, 33, 3, 1)[..., 0], "L").save(os.path.join(folder, "gray.png"))
    Image.fromarray(content(7, 9, 4, 1)[..., 0], "L").save(os.path.join(folder, "tiny_gray.png"))
    Image.fromarray(content(30, 30, 5)).save(os.path.join(folder, "square.png"))
    Image.fromarray(content(20, 20, 7)).save(os.path.join(folder, "small_square.png"))
    Image.fromarray(content(12, 100, 6)).save(os.path.join(folder, "extreme_wide.png"))


# ------------------------------------------------------------------------------------------- weights

def randomise(model, gen):
    """PyTorch's default init for linears and convs; non-trivial norms, biases, embeddings and image_newline."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(("class_embedding", "position_embedding.weight", "image_newline")):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("embed_tokens.weight") and model.c.text.get("tie_word_embeddings", False):
                p.mul_(0.05)  # tied head: smaller embeddings, so the last token does not win every step by far


def round_weights(model, dtype):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.float16 if dtype == "f16exact" else torch.bfloat16).float())


def state_dict_to_save(model, c: LlavaCfg, legacy, dtype):
    sd = dict(model.state_dict())
    if c.text.get("tie_word_embeddings", False):
        sd.pop("language_model.lm_head.weight", None)
    if not legacy:
        sd = to_new_names(sd)
    cast = torch.bfloat16 if dtype == "bf16" else torch.float32
    return {k: v.to(cast).contiguous() for k, v in sd.items()}


# ------------------------------------------------------------------------------------------- one case

def pixels_for(kind, path, proc=None, gguf=None):
    img = Image.open(path)
    if gguf is not None:
        px, size, _ = P.gguf_preprocess(img, *gguf)
        return torch.from_numpy(px), size
    if kind == "llava":
        rgb = P.to_rgb(img)
        return torch.from_numpy(P.clip_preprocess(rgb, proc)[None]), (rgb.size[1], rgb.size[0])
    px, size, _ = P.next_preprocess(img, proc)
    return torch.from_numpy(px), size


@torch.no_grad()
def expected_for(model, ids, images, kind, proc=None, gguf=None):
    pix, sizes = [], []
    for path in images:
        px, size = pixels_for(kind, path, proc, gguf)
        pix.append(px)
        sizes.append(size)
    rows, counts = model.image_rows(pix, sizes)
    expanded = model.expand(ids, counts)
    logits = model(expanded, rows)
    toks, margin = greedy(model, expanded, rows, 12)
    out = {"ids": torch.tensor(ids, dtype=torch.int32), "image_sizes": torch.tensor(sizes, dtype=torch.int32),
           "rows_per_image": torch.tensor(counts, dtype=torch.int32), "image_embeds": rows, "logits": logits,
           "greedy": torch.tensor(toks, dtype=torch.int32), "min_margin": torch.tensor([margin])}
    for k, px in enumerate(pix):
        out[f"pixel_values.{k}"] = px
        out[f"image_features.{k}"] = model.selected(px)
    return out, counts


def write_case(case, images_dir):
    seed = zlib.crc32(case["name"].encode())
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    config = case["config"]()
    c = LlavaCfg(config)
    model = Llava(c).eval()
    randomise(model, gen)
    round_weights(model, case["dtype"])
    folder = os.path.join(OUT, case["name"])
    os.makedirs(folder, exist_ok=True)
    proc = processor_config(case["kind"])
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(proc, f, indent=2, sort_keys=True)
    shutil.copy(os.path.join(ROOT, "models/mm1-demo/tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    how, conversations = case["chat"]
    if how[0] == "processor":  # as a llava-hf processor saves its template
        with open(os.path.join(folder, "chat_template.json"), "w", encoding="utf-8") as f:
            json.dump({"chat_template": C.template(how[1])}, f, indent=2)
        how = ("processor", C.template(how[1]))
    sd = state_dict_to_save(model, c, case["legacy"], case["dtype"])
    save_file(sd, os.path.join(folder, "model.safetensors"), {"format": "pt", "generator": "tools/llava/make_golden.py"})
    # the reference runs on exactly what was saved
    check = Llava(c).eval()
    load_state(check, sd)
    images = [os.path.join(images_dir, i) for i in case["images"]]
    exp, counts = expected_for(check, case["ids"], images, case["kind"], P.ProcessorConfig(proc))
    save_file({k: v.contiguous() for k, v in exp.items()}, os.path.join(folder, "expected.safetensors"),
              {"generator": "tools/llava/make_golden.py"})
    with open(os.path.join(folder, "prompt.json"), "w") as f:
        json.dump({"ids": case["ids"], "images": ["images/" + i for i in case["images"]]}, f)
    C.write(folder, check, case["kind"], conversations, images_dir, how, IMAGE, proc=P.ProcessorConfig(proc))
    print(f"{case['name']}: {len(sd)} tensors, rows per image {counts}, logits {list(exp['logits'].shape)}, "
          f"greedy {exp['greedy'].tolist()} (margin {float(exp['min_margin']):.3f})")
    return check, c


# ------------------------------------------------------------------------------------------- GGUF pairs

@torch.no_grad()
def write_gguf_pair(name, hf_model, c, images_dir, images, ids, next_, rng):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    sd = {k: v.numpy() for k, v in hf_model.state_dict().items()}
    pin_wh = [[w, h] for h, w in PINPOINTS_HW] if next_ else None  # the original LLaVA config's (w, h) list
    f16 = lambda hf, shape: "F16"
    variants = [("mmproj-f16.gguf", f16, "expected.safetensors", False)]
    if next_:  # the same values under gguf-py's names (fc1 = ffn_up, v.image_newline): the same expected outputs
        variants.append(("mmproj-f16-names.gguf", f16, "expected.safetensors", True))
    if not next_:
        quant = lambda hf, shape: {"self_attn.q_proj": "Q8_0", "self_attn.k_proj": "Q4_0", "self_attn.v_proj": "Q8_0",
                                   "self_attn.out_proj": "Q4_0", "mlp.fc1": "Q8_0", "mlp.fc2": "Q4_K",
                                   "linear_1": "Q8_0", "linear_2": "Q4_0"}[hf]
        variants.append(("mmproj-q.gguf", quant, "expected-q.safetensors", False))
    text_type = "F16"
    text_name = f"text-{text_type.lower()}.gguf"
    tmpl_name, fmt, conversations = GGUF_CHAT[name]
    tmpl = C.template(tmpl_name) if tmpl_name else None
    text_held = write_text(os.path.join(folder, text_name), sd, c, text_type, rng, C.gguf_vocabulary(C.tokenizer(), tmpl))
    for mmproj, types, exp_name, modern in variants:
        held, blocks = write_mmproj(os.path.join(folder, mmproj), sd, c, types, rng, pin_wh, feature_layer_meta=next_, modern_names=modern)
        gc = LlavaCfg(json.loads(json.dumps(c_dict(c))))
        if next_:
            gc.pinpoints = [[h, w] for w, h in pin_wh]  # (w, h) read back into (h, w) candidates, order kept
            gc.unpad_round7 = False  # original LLaVA: int(x)
        n = c.vision["num_hidden_layers"]
        gc.vision_feature_layer = [l if l >= 0 else n + l + 1 for l in c.layers]
        m = Llava(gc, vision_layers=blocks, post_layernorm=False).eval()
        load_state(m, to_torch(held) | to_torch(text_held))
        v = c.vision
        gguf = (v["image_size"], P.CLIP_MEAN, P.CLIP_STD, pin_wh)
        exp, counts = expected_for(m, ids, [os.path.join(images_dir, i) for i in images], "gguf", gguf=gguf)
        save_file({k: t.contiguous() for k, t in exp.items()}, os.path.join(folder, exp_name),
                  {"generator": "tools/llava/make_golden.py"})
        if mmproj == "mmproj-f16.gguf":  # the image id of a pair is vocab_size (no image token in the vocabulary)
            C.write(folder, m, "gguf", conversations, images_dir, ("gguf", tmpl, fmt), VOCAB, gguf=gguf)
        if not next_ and mmproj == "mmproj-f16.gguf":  # images[0] is square: the HF folder's rows, to the bit
            px, size = pixels_for("llava", os.path.join(images_dir, images[0]), P.ProcessorConfig(processor_config("llava")))
            hf_rows = hf_model.image_rows([px], [size])[0]
            diff = float((hf_rows - exp["image_embeds"][:counts[0]]).abs().max())
            assert diff == 0, f"square image: GGUF rows differ from the HF folder's by {diff}"
        print(f"{name}/{mmproj} + {text_name}: {blocks} blocks, rows per image {counts}, greedy {exp['greedy'].tolist()} "
              f"(margin {float(exp['min_margin']):.3f})")
    with open(os.path.join(folder, "prompt.json"), "w") as f:
        json.dump({"ids": ids, "images": ["images/" + i for i in images], "text": text_name,
                   "mmproj": [v[0] for v in variants], "expected": [v[2] for v in variants]}, f)
    return exp


def c_dict(c: LlavaCfg):
    return {"model_type": c.model_type, "vision_config": c.vision, "text_config": c.text,
            "image_token_index": c.image_token_index, "projector_hidden_act": c.projector_hidden_act,
            "vision_feature_layer": c.vision_feature_layer, "vision_feature_select_strategy": c.strategy,
            "multimodal_projector_bias": c.projector_bias, "image_grid_pinpoints": c.pinpoints}


@torch.no_grad()
def cross_check_square(hf_model, c, images_dir):
    """A square image is the same pixels under HF's resize+crop and §9.1's pad+resize: the GGUF rows must equal the HF rows."""
    path = os.path.join(images_dir, "square.png")
    img = Image.open(path)
    hf = P.clip_preprocess(P.to_rgb(img), P.ProcessorConfig(processor_config("llava")))
    gg = P.gguf_preprocess(img, 28, P.CLIP_MEAN, P.CLIP_STD)[0][0]
    assert np.array_equal(hf, gg), "square image: HF and §9.1 pixels differ"


def main():
    torch.set_num_threads(1)
    images_dir = os.path.join(OUT, "images")
    write_images(images_dir)
    models = {}
    for case in CASES:
        models[case["name"]] = write_case(case, images_dir)
    rng = np.random.default_rng(20250101)
    m15, c15 = models["llava15-legacy-f32"]
    cross_check_square(m15, c15, images_dir)
    write_gguf_pair("gguf-llava15", m15, c15, images_dir, ["square.png", "wide.png"], [1, 35, IMAGE, 10, IMAGE, 99], False, rng)
    m16, c16 = models["next-new-f32"]
    write_gguf_pair("gguf-llava16", m16, c16, images_dir, ["small_square.png", "wide.png"], [1, IMAGE, 22, IMAGE, 9], True, rng)


if __name__ == "__main__":
    main()
