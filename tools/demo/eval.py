"""Evaluates the demo checkpoint on 200 fresh examples and writes the Java evaluation fixture.

Every image is rendered larger than the model's input (96-168 px), saved as PNG, read back from
the PNG and preprocessed as spec §7 says (Pillow BICUBIC squash-resize to 84x84, [0,1], mean/std,
channels first). Decoding is PyTorch greedy without a KV cache (mm1ref.generate), at most 48 new
tokens. An answer is exact when the generated ids decode to " " + expected and end with EOS.

    /usr/bin/python3 tools/demo/eval.py [MODEL_DIR]      # writes MODEL_DIR/eval/{*.png,cases.jsonl,golden.safetensors}
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread per process (set before numpy/torch load)

import json
import random
import sys

import torch
from PIL import Image

from common import MODEL_DIR, load_tokenizer, pixels, world
from mm1ref.mm1_torch import generate, load_checkpoint
from mm1ref.preprocess import preprocess
from mm1ref.safetensors_io import save_file

EVAL_SEED = 777  # training uses 20240611 (and +1 for its held-out set)
COUNTS = {"caption": 40, "count": 40, "colour": 30, "where": 30, "yesno": 30, "compare": 30}
EVAL_SIZES = [96, 112, 126, 168]
MAX_NEW = 48
GOLDEN_CASES = 3


def main(model_dir):
    torch.set_num_threads(1)
    tok = load_tokenizer()
    model = load_checkpoint(model_dir)
    out_dir = os.path.join(model_dir, "eval")
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".png") or f in ("cases.jsonl", "golden.safetensors"):
            os.remove(os.path.join(out_dir, f))
    rng = random.Random(EVAL_SEED)
    cats = [c for c, n in COUNTS.items() for _ in range(n)]
    rng.shuffle(cats)
    cases, golden, right = [], {}, {c: 0 for c in COUNTS}
    golden_idx = {}  # first caption, first count and first compare case
    for i, cat in enumerate(cats):
        scenes, q, a = world.make_example(rng, cat)
        files = []
        for k, s in enumerate(scenes):
            name = f"case{i:03d}_{k}.png"
            world.render(s, rng.choice(EVAL_SIZES)).save(os.path.join(out_dir, name), optimize=True)
            files.append(name)
        pix = torch.stack([pixels(os.path.join(out_dir, f)) for f in files])  # read back from PNG
        prompt = world.prompt_text(len(scenes), q)
        ids = tok.encode(prompt)
        new = generate(model, ids, pix, max_new_tokens=MAX_NEW, eos_token_id=tok.eos_id)
        ended = bool(new) and new[-1] == tok.eos_id
        text = tok.decode(new[:-1] if ended else new)
        exact = ended and text == world.answer_text(a)
        right[cat] += exact
        cases.append({"id": i, "category": cat, "images": files, "prompt": prompt,
                      "prompt_ids": ids, "expected": a, "torch_answer": text.strip(),
                      "torch_ids": new, "torch_exact": exact})
        if cat in ("caption", "count", "compare") and cat not in golden_idx and len(golden_idx) < GOLDEN_CASES:
            golden_idx[cat] = i
            with torch.no_grad():
                out = model(torch.tensor([ids]), pix)
            g = f"case{len(golden_idx) - 1}."
            golden[g + "prompt_ids"] = torch.tensor(ids, dtype=torch.int32)
            golden[g + "generated_ids"] = torch.tensor(new, dtype=torch.int32)
            golden[g + "pixel_values"] = pix
            golden[g + "logits"] = out["logits"][0]
            golden[g + "last_logits"] = out["logits"][0, -1]
            golden[g + "vision_features"] = out["vision_features"]
            golden[g + "image_embeds"] = out["image_embeds"]
        if (i + 1) % 25 == 0:
            print(f"{i + 1}/{len(cats)} done", flush=True)
    # one more golden at a non-native size (112 px, g = 8 != G = 6): exercises the bicubic
    # position-embedding resize of §4/§5 and overlapping adaptive-pooling bins.
    c0 = cases[golden_idx["caption"]]
    img = Image.open(os.path.join(out_dir, c0["images"][0])).convert("RGB").resize((112, 112), Image.BICUBIC)
    pix = preprocess(img, 112, model.config.mean, model.config.std)[None]
    with torch.no_grad():
        out = model(torch.tensor([c0["prompt_ids"]]), pix)
    golden["resize112.prompt_ids"] = torch.tensor(c0["prompt_ids"], dtype=torch.int32)
    golden["resize112.pixel_values"] = pix
    golden["resize112.logits"] = out["logits"][0]
    golden["resize112.vision_features"] = out["vision_features"]
    golden["resize112.image_embeds"] = out["image_embeds"]
    with open(os.path.join(out_dir, "cases.jsonl"), "w") as f:
        for c in cases:
            f.write(json.dumps(c) + "\n")
    save_file(golden, os.path.join(out_dir, "golden.safetensors"),
              metadata={"cases": ",".join(str(golden_idx[c]) for c in golden_idx),
                        "note": "caseK.* = the K-th of these cases.jsonl ids; logits [T', V] over the "
                                "expanded sequence, last_logits = its last row"})
    total = sum(right.values())
    print("exact match per category:")
    for c, n in COUNTS.items():
        print(f"  {c:8s} {right[c]:3d}/{n} = {right[c] / n:.3f}")
    print(f"  overall  {total}/{len(cats)} = {total / len(cats):.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else MODEL_DIR)
