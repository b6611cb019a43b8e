"""Evaluates the demo checkpoint on fresh draws of the world and writes the Java evaluation fixture.

Two sections, drawn with a seed that training never used (training: 20240611 and its worker streams,
held-out 20240612; tokenizer corpus 1234):
- main: PER_CATEGORY conversations for each category of world.CATEGORIES and for "multiturn" (2-4 questions,
  the images sent with the first, the last one evaluated), every question in a random style (the training mix
  of paraphrases, spelling, case, punctuation, whitespace);
- variants: PER_VARIANT single questions for each phrasing variant of language.VARIANTS (the canonical
  wording with exactly one change; us-spelling asks colour questions or what is at the centre).
Images are drawn on square and non-square canvases (longer side 96-168 px), saved as PNG, read back and
preprocessed as spec §7 says. Decoding is PyTorch greedy without a KV cache (mm1ref.generate), at most
MAX_NEW new tokens; an answer is exact when the generated ids decode to " " + expected and end with EOS.

    /usr/bin/python3 tools/demo/eval.py [MODEL_DIR]                 # writes MODEL_DIR/eval/ (the fixture)
    /usr/bin/python3 tools/demo/eval.py --seed 4242 --fast [MODEL_DIR]   # another fresh draw, scores only

--fast scores by teacher forcing (every answer token and EOS argmax-correct, which is greedy exact match),
batched, and writes nothing.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread per process (set before numpy/torch load)

import argparse
import json
import random
from collections import defaultdict

import torch
from PIL import Image

import chat
import language
from bpe import Tokenizer
from common import MODEL_DIR, pixels, world
from mm1ref.mm1_torch import generate, load_checkpoint
from mm1ref.preprocess import preprocess
from mm1ref.safetensors_io import save_file

EVAL_SEED = 777
PER_CATEGORY = 150
PER_VARIANT = 50
EVAL_SIZES = [96, 112, 126, 168]
MAX_NEW = 64
MAIN_CATEGORIES = world.CATEGORIES + ["multiturn"]
FIRST_MIX = {"caption": 0.12, "count": 0.2, "colour": 0.1, "where": 0.12, "yesno": 0.22, "compare": 0.12,
             "offworld": 0.12}


def draw_cases(seed, per_category=PER_CATEGORY, per_variant=PER_VARIANT):
    """The cases (without images rendered): dicts with section, category, variant, scenes, canvases,
    messages (ending with the question), expected."""
    rng = random.Random(seed)
    cases = []
    for cat in MAIN_CATEGORIES:
        for _ in range(per_category):
            if cat == "multiturn":
                first = rng.choices(list(FIRST_MIX), list(FIRST_MIX.values()))[0]
                scenes, messages, intents = chat.conversation(rng, first, rng.randint(2, 4), language.random_style)
            else:
                scenes, messages, intents = chat.conversation(rng, cat, 1, language.random_style)
            cases.append({"section": "main", "category": cat, "variant": "mixed", "scenes": scenes,
                          "messages": messages[:-1], "expected": messages[-1]["content"],
                          "last_category": world.category(intents[-1])})
    for variant in language.VARIANTS:
        style = language.variant_style(variant)
        for _ in range(per_variant):
            if variant == "us-spelling" and rng.random() < 0.4:
                scenes, intent = [world.random_scene(rng)], ("what_at", 4)  # "centre" / "center"
            else:
                cat = "colour" if variant == "us-spelling" else rng.choice(world.CATEGORIES)
                scenes, intent = world.make_first(rng, cat)
            q = language.phrase(rng, intent, style)
            cases.append({"section": "variants", "category": world.category(intent), "variant": variant,
                          "scenes": scenes, "messages": [{"role": "user", "content": q, "images": len(scenes)}],
                          "expected": world.answer(intent, scenes), "last_category": world.category(intent)})
    for c in cases:
        c["canvases"] = [world.canvas(rng, EVAL_SIZES) for _ in c["scenes"]]
    rng.shuffle(cases)
    return cases


def canvas_of(c):
    kinds = {world.canvas_kind(w, h) for w, h in c["canvases"]}
    return "none" if not kinds else (kinds.pop() if len(kinds) == 1 else "mixed")


def report(cases, key_right):
    """Accuracy tables: per category (main), per variant, per canvas, per number of shapes."""
    groups = [("category (main section)", lambda c: c["category"] if c["section"] == "main" else None),
              ("phrasing variant (variants section)", lambda c: c["variant"] if c["section"] == "variants" else None),
              ("category of the question asked (all)", lambda c: c["last_category"]),
              ("canvas (all)", canvas_of),
              ("shapes in the image (single-image questions)",
               lambda c: str(len(c["scenes"][0])) if len(c["scenes"]) == 1 and c["last_category"] != "offworld" else None)]
    lines = []
    for title, key in groups:
        t = defaultdict(lambda: [0, 0])
        for c in cases:
            k = key(c)
            if k is not None:
                t[k][0] += 1
                t[k][1] += key_right(c)
        lines.append(f"{title}:")
        for k in sorted(t, key=str):
            n, r = t[k]
            lines.append(f"  {k:14s} {r:4d}/{n:<4d} = {r / n:.3f}")
    n, r = len(cases), sum(key_right(c) for c in cases)
    lines.append(f"overall {r}/{n} = {r / n:.4f}")
    return "\n".join(lines)


def teacher_forced(model, tok, cases):
    """Greedy exact match by teacher forcing, batched (rows right-padded: causal attention keeps them exact)."""
    tpi = model.config.tokens_per_image
    out = []
    model.eval()
    with torch.no_grad():
        for k in range(0, len(cases), 32):
            part = cases[k:k + 32]
            rows, lens, ans_lens = [], [], []
            for c in part:
                p = tok.encode(chat.render_chat(c["messages"], bos=""))
                a = tok.encode(" " + c["expected"], add_bos=False) + [tok.eos_id]
                rows.append(p + a)
                lens.append(len(p))
                ans_lens.append(len(a))
            t = max(map(len, rows))
            ids = torch.tensor([r + [tok.pad_id] * (t - len(r)) for r in rows])
            pix = [torch.stack([pixels(world.render(s, *cv)) for s, cv in zip(c["scenes"], c["canvases"])])
                   for c in part if c["scenes"]]
            emb = model.encode_images(torch.cat(pix))[1] if pix else None
            logits = model.language_model.forward_embeds(model.splice(ids, emb))
            for i, c in enumerate(part):
                n_img = len(c["scenes"])
                start = lens[i] + n_img * (tpi - 1)  # expanded position of the first answer token
                pred = logits[i, start - 1:start - 1 + ans_lens[i]].argmax(-1).tolist()
                out.append(pred == rows[i][lens[i]:])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", nargs="?", default=MODEL_DIR)
    ap.add_argument("--seed", type=int, default=EVAL_SEED)
    ap.add_argument("--fast", action="store_true", help="teacher-forced scores only, no fixture")
    ap.add_argument("--per-category", type=int, default=PER_CATEGORY)
    ap.add_argument("--per-variant", type=int, default=PER_VARIANT)
    ap.add_argument("--out", default=None, help="fixture folder (default MODEL_DIR/eval)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    tok = Tokenizer.load(os.path.join(args.model_dir, "tokenizer.json"))  # the checkpoint's own
    model = load_checkpoint(args.model_dir)
    cases = draw_cases(args.seed, args.per_category, args.per_variant)
    print(f"{len(cases)} cases (seed {args.seed}) of {args.model_dir}", flush=True)
    if args.fast:
        for c, ok in zip(cases, teacher_forced(model, tok, cases)):
            c["ok"] = ok
        print(report(cases, lambda c: c["ok"]))
        return
    write_fixture(model, tok, cases, args.out or os.path.join(args.model_dir, "eval"))


def write_fixture(model, tok, cases, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".png") or f in ("cases.jsonl", "golden.safetensors"):
            os.remove(os.path.join(out_dir, f))
    rows, golden, golden_idx = [], {}, {}
    for i, c in enumerate(cases):
        files = []
        for k, (s, (w, h)) in enumerate(zip(c["scenes"], c["canvases"])):
            name = f"case{i:04d}_{k}.png"
            world.render(s, w, h).save(os.path.join(out_dir, name), optimize=True)
            files.append(name)
        pix = torch.stack([pixels(os.path.join(out_dir, f)) for f in files]) if files else None  # read back
        prompt = chat.render_chat(c["messages"], bos="")
        ids = tok.encode(prompt)
        new = generate(model, ids, pix, max_new_tokens=MAX_NEW, eos_token_id=tok.eos_id)
        ended = bool(new) and new[-1] == tok.eos_id
        text = tok.decode(new[:-1] if ended else new)
        c["ok"] = ended and text == " " + c["expected"]
        rows.append({"id": i, "section": c["section"], "category": c["category"], "variant": c["variant"],
                     "canvas": canvas_of(c), "shapes": [len(s) for s in c["scenes"]],
                     "turns": sum(m["role"] == "user" for m in c["messages"]), "images": files,
                     "messages": c["messages"], "prompt": prompt, "prompt_ids": ids, "expected": c["expected"],
                     "torch_answer": text.strip(), "torch_ids": new, "torch_exact": c["ok"]})
        cat = c["category"]
        if c["section"] == "main" and cat in ("caption", "count", "compare") and cat not in golden_idx:
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
        if (i + 1) % 100 == 0:
            print(f"{i + 1}/{len(cases)} done", flush=True)
    # one more golden at a non-native size (112 px, g = 8 != G = 6): the bicubic position-embedding resize of
    # §4/§5 and overlapping adaptive-pooling bins
    c0 = rows[golden_idx["caption"]]
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
        for r in rows:
            f.write(json.dumps(r) + "\n")
    save_file(golden, os.path.join(out_dir, "golden.safetensors"),
              metadata={"cases": ",".join(str(v) for v in golden_idx.values()),
                        "note": "caseK.* = the K-th of these cases.jsonl ids; logits [T', V] over the "
                                "expanded sequence, last_logits = its last row"})
    print(report(cases, lambda c: c["ok"]))


if __name__ == "__main__":
    main()
