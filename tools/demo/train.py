"""Trains the demo MM1 on the synthetic world (CPU, one thread), in two stages:

1. vision head start: the ViT + C-Abstractor learn a dense target, the shape and the colour in
   each of the 9 grid cells, read from the 9 image embeddings by a linear probe (the probe is a
   training helper, not part of the checkpoint). Each image token thus comes to describe one cell.
2. the whole model on the question/caption mixture (loss on the answer tokens + EOS, each example
   weighted equally), the probe loss kept as a small auxiliary term so the vision stays sharp.

The defaults are the whole recipe, from step 0: question-first prompts (world.prompt_text); at the
start of stage 2 the image embeddings are scaled down 10x, exactly (the readout's last layer / 10,
the probe heads x 10: they were ~50x the RMS of the text embeddings, so nothing the decoder wrote
at image positions survived its RMSNorms) and a penalty keeps their RMS under 0.4; the ViT is
frozen in stage 2; the probe also predicts each image token's own cell; the mixture has more
count/colour/yes-no than captions. Seeded and deterministic (one torch thread): the same command
gives the same log and checkpoint, also across resumes.

Held-out per-category exact match (teacher forced: all answer tokens and EOS argmax-correct, the
same as greedy exact match) is logged every --eval-every stage-2 steps; the best checkpoint so far
(by the eval-weighted mean) is kept in RUN/best/ and exported to --out. Killed and restarted with
the same command, it resumes from RUN/state.pt (saved at every evaluation) with its best so far.

    nohup nice /usr/bin/python3 tools/demo/train.py > /dev/null 2>&1 &    # log: tools/demo/train.log
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread per process (set before numpy/torch load)

import argparse
import hashlib
import math
import random
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import (HERE, MODEL_DIR, build_model, export, load_tokenizer, pixels, world)

SEED = 20240611
MIX = {"caption": 0.15, "count": 0.25, "colour": 0.15, "where": 0.15, "yesno": 0.2, "compare": 0.1}
EVAL_WEIGHTS = {"caption": 40, "count": 40, "colour": 30, "where": 30, "yesno": 30, "compare": 30}  # eval.py
HELD_OUT_PER_CATEGORY = 100
SIZES = [84, 96, 112, 126, 168, 224, 252]  # rendered sizes; every image is resized to 84


class Probe(nn.Module):
    """Training helper: per image token, logits for (empty + 5 shapes), 5 colours and (stage 2)
    the token's own grid cell, so that every image embedding says what is where."""

    def __init__(self, d):
        super().__init__()
        self.shape = nn.Linear(d, len(world.SHAPES) + 1)
        self.colour = nn.Linear(d, len(world.COLOUR_NAMES))
        self.cell = nn.Linear(d, 9)

    def loss(self, embeds, scenes, with_cell=False):
        tgt = [world.cell_targets(s) for s in scenes]
        shape = torch.tensor([t[0] for t in tgt])
        colour = torch.tensor([t[1] for t in tgt])
        ls, lc = self.shape(embeds), self.colour(embeds)
        loss = F.cross_entropy(ls.reshape(-1, ls.shape[-1]), shape.reshape(-1)) + \
            F.cross_entropy(lc.reshape(-1, lc.shape[-1]), colour.reshape(-1), ignore_index=-1)
        if with_cell:
            lp = self.cell(embeds)
            loss = loss + F.cross_entropy(lp.reshape(-1, 9), torch.arange(9).repeat(lp.shape[0]))
        ok_shape = ls.argmax(-1) == shape
        ok_col = (lc.argmax(-1) == colour) | (colour < 0)
        cell_ok = ok_shape & ok_col
        return loss, cell_ok.float().mean().item(), cell_ok.all(-1).float().mean().item()


def image_batch(rng, scenes):
    return torch.stack([pixels(world.render(s, rng.choice(SIZES))) for s in scenes])


def encode_batch(tok, examples, tpi):
    """examples: [(scenes, q, a)] -> ids [B, T] (pad 0), labels [B, T'] in expanded positions."""
    rows, labels = [], []
    for scenes, q, a in examples:
        p = tok.encode(world.prompt_text(len(scenes), q))
        ans = tok.encode(world.answer_text(a), add_bos=False) + [tok.eos_id]
        rows.append(p + ans)
        exp_prompt = len(p) + len(scenes) * (tpi - 1)
        labels.append([-100] * (exp_prompt - 1) + ans + [-100])
    t = max(map(len, rows))
    te = max(map(len, labels))
    ids = torch.tensor([r + [tok.pad_id] * (t - len(r)) for r in rows])
    lab = torch.tensor([l + [-100] * (te - len(l)) for l in labels])
    return ids, lab


def answer_loss(logits, lab):
    """Mean over examples of the mean token loss of each answer; also per-example exactness."""
    t = min(logits.shape[1], lab.shape[1])
    logits, lab = logits[:, :t], lab[:, :t]
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1),
                         ignore_index=-100, reduction="none").view(lab.shape)
    mask = (lab != -100).float()
    per_ex = (ce * mask).sum(1) / mask.sum(1)
    exact = ((logits.argmax(-1) == lab) | (lab == -100)).all(1)
    return per_ex.mean(), exact


def make_examples(rng, n, categories=None):
    cats = categories or rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    return [(c,) + world.make_example(rng, c) for c in cats]


def lr_at(step, total, base, warm=200):
    if step < warm:
        return base * (step + 1) / warm
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm))))


def sources_digest():
    """sha256 (12 hex) of the scripts that define the run, logged so a log names its code."""
    h = hashlib.sha256()
    for f in ("train.py", "world.py", "common.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:12]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--stage1-steps", type=int, default=1500)
    ap.add_argument("--stage2-steps", type=int, default=6000,
                    help="length of the stage-2 learning-rate schedule (warm-up 200, cosine to 0.1x)")
    ap.add_argument("--stop-at", type=int, default=-1,
                    help="end after this stage-2 step (the schedule still spans --stage2-steps)")
    ap.add_argument("--batch1", type=int, default=64)
    ap.add_argument("--batch2", type=int, default=16)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--embed-scale", type=float, default=10.0,
                    help="at the start of stage 2 the image embeddings are divided by this, exactly "
                         "(readout.last / k, probe heads * k); 1 = off")
    ap.add_argument("--embed-rms", type=float, default=0.4,
                    help="stage 2: penalise image embeddings whose RMS exceeds this (0 = off)")
    ap.add_argument("--mix", default="",
                    help="stage-2 category weights, e.g. caption=0.1,count=0.3 (others as MIX)")
    ap.add_argument("--sched-from", type=int, default=-1,
                    help="restart the stage-2 learning-rate schedule (50-step warm-up, cosine) here")
    ap.add_argument("--resume-from", default="",
                    help="start from this state.pt (another run's) when RUN/state.pt does not exist")
    ap.add_argument("--run", default=os.path.join(HERE, "run"))
    ap.add_argument("--log", default=os.path.join(HERE, "train.log"))
    ap.add_argument("--out", default=MODEL_DIR, help="where the best checkpoint is exported ('' = RUN/best only)")
    return ap.parse_args(argv)


def held_out_sets(seed, tok):
    """Fixed held-out images (stage 1) and examples (stage 2), from their own seed."""
    hrng = random.Random(seed + 1)
    scenes = [world.random_scene(hrng) for _ in range(256)]
    pix = image_batch(hrng, scenes)
    exs = make_examples(hrng, 0, [c for c in world.CATEGORIES for _ in range(HELD_OUT_PER_CATEGORY)])
    imgs = [image_batch(hrng, ex[1]) for ex in exs]
    return scenes, pix, exs, imgs


def evaluate(model, tok, tpi, held_ex, held_img):
    """Held-out exact match per category (teacher forced = greedy exact match)."""
    model.eval()
    res = {}
    with torch.no_grad():
        for c in world.CATEGORIES:
            idx = [i for i, e in enumerate(held_ex) if e[0] == c]
            exact = []
            for k in range(0, len(idx), 50):
                part = idx[k:k + 50]
                ids, lab = encode_batch(tok, [held_ex[i][1:] for i in part], tpi)
                x = torch.cat([held_img[i] for i in part])
                exact.append(answer_loss(model(ids, x)["logits"], lab)[1])
            res[c] = torch.cat(exact).float().mean().item()
    weighted = sum(res[c] * w for c, w in EVAL_WEIGHTS.items()) / sum(EVAL_WEIGHTS.values())
    return res, weighted


def stage2_step(args, model, probe, tok, tpi, opt2, rng):
    """One stage-2 optimiser step on a fresh batch; returns (answer loss, aux loss, exact [B])."""
    model.train()
    exs = make_examples(rng, args.batch2)
    opt2.zero_grad()
    # two sub-batches (captions, the rest) so that short answers are not padded to caption length
    loss = aux = 0.0
    exact_all = []
    for grp in ([e for e in exs if e[0] == "caption"], [e for e in exs if e[0] != "caption"]):
        if not grp:
            continue
        scenes = [s for _, ss, _, _ in grp for s in ss]
        x = image_batch(rng, scenes)
        ids, lab = encode_batch(tok, [e[1:] for e in grp], tpi)
        with torch.no_grad():  # the ViT is frozen in stage 2
            f = model.vision_tower.vision_model(x, model.config.vision_feature_layer)
        emb = model.connector(f)
        logits = model.language_model.forward_embeds(model.splice(ids, emb))
        l_ans, exact = answer_loss(logits, lab)
        l_aux, _, _ = probe.loss(emb, scenes, with_cell=True)
        if args.embed_rms > 0:
            l_aux = l_aux + F.relu(emb.pow(2).mean(-1).sqrt() - args.embed_rms).pow(2).mean() / 0.3
        share = len(grp) / len(exs)
        ((l_ans + 0.3 * l_aux) * share).backward()
        loss, aux = loss + l_ans.detach() * share, aux + l_aux.detach() * share
        exact_all.append(exact)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt2.step()
    return loss, aux, torch.cat(exact_all)


def main():
    args = parse_args()
    torch.set_num_threads(1)
    for kv in filter(None, args.mix.split(",")):
        k, v = kv.split("=")
        if k not in MIX:
            sys.exit(f"--mix: unknown category {k!r} (known: {', '.join(MIX)})")
        MIX[k] = float(v)
    os.makedirs(args.run, exist_ok=True)
    logf = open(args.log, "a")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    torch.manual_seed(args.seed)
    tok = load_tokenizer()
    model = build_model(tok)
    for name, mod in model.language_model.named_modules():
        if isinstance(mod, (nn.Linear, nn.Embedding)):
            nn.init.normal_(mod.weight, std=0.02)
    tpi = model.config.tokens_per_image
    probe = Probe(model.config.text.hidden_size)
    n_params = sum(p.numel() for p in model.parameters())
    state_path = os.path.join(args.run, "state.pt")
    best_dir = os.path.join(args.run, "best")
    step1 = step2 = 0
    best, best_step = -1.0, -1
    vis_params = list(model.vision_tower.parameters()) + list(model.connector.parameters())
    lm_params = list(model.language_model.parameters())
    opt1 = torch.optim.AdamW(vis_params + list(probe.parameters()), lr=1e-3, weight_decay=0.01)
    opt2 = torch.optim.AdamW([{"params": vis_params, "lr": 3e-4},
                              {"params": lm_params + list(probe.parameters()), "lr": 1e-3}],
                             weight_decay=0.01)
    rng = random.Random(args.seed)
    how = f"code {sources_digest()}, args {vars(args)}"
    src = state_path if os.path.exists(state_path) else args.resume_from
    if src:
        st = torch.load(src)
        model.load_state_dict(st["model"])
        probe.load_state_dict(st["probe"])
        opt1.load_state_dict(st["opt1"])
        opt2.load_state_dict(st["opt2"])
        step1, step2 = st["step1"], st["step2"]
        best, best_step = st.get("best", -1.0), st.get("best_step", -1)
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        log(f"resumed from {src} at stage-1 step {step1}, stage-2 step {step2} "
            f"(best so far {best:.3f} at step {best_step}); {how}")
    else:
        log(f"start: seed {args.seed}, params {n_params}, torch {torch.__version__}, {how}")

    def save_state():
        torch.save({"model": model.state_dict(), "probe": probe.state_dict(), "opt1": opt1.state_dict(),
                    "opt2": opt2.state_dict(), "step1": step1, "step2": step2, "best": best,
                    "best_step": best_step, "rng": rng.getstate(), "torch_rng": torch.get_rng_state()},
                   state_path + ".tmp")
        os.replace(state_path + ".tmp", state_path)

    held_scenes, held_pix, held_ex, held_img = held_out_sets(args.seed, tok)

    # ---- stage 1
    t0 = time.time()
    while step1 < args.stage1_steps:
        model.train()
        scenes = [world.random_scene(rng) for _ in range(args.batch1)]
        x = image_batch(rng, scenes)
        for g in opt1.param_groups:
            g["lr"] = lr_at(step1, args.stage1_steps, 1e-3, warm=100)
        _, emb = model.encode_images(x)
        loss, cell_acc, img_acc = probe.loss(emb, scenes)
        opt1.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vis_params, 1.0)
        opt1.step()
        step1 += 1
        if step1 % 50 == 0:
            log(f"stage1 step {step1} loss {loss.item():.4f} cell {cell_acc:.4f} image {img_acc:.3f} "
                f"({(time.time() - t0) / 50:.2f} s/step)")
            t0 = time.time()
        if step1 % 250 == 0 or step1 == args.stage1_steps:
            model.eval()
            with torch.no_grad():
                _, emb = model.encode_images(held_pix)
                l, ca, ia = probe.loss(emb, held_scenes)
            log(f"stage1 HELD-OUT step {step1}: loss {l.item():.4f} cell acc {ca:.4f} image all-correct {ia:.3f}")
            save_state()

    # ---- stage 2
    if step2 == 0 and args.embed_scale != 1:
        # image embeddings are ~50x the text embeddings in size after stage 1, so nothing the
        # decoder adds at image positions (e.g. "do I match the question") would survive its
        # RMSNorms: scale them down (exactly: the probe sees the same logits).
        last = model.connector.readout[-1]
        with torch.no_grad():
            last.weight /= args.embed_scale
            last.bias /= args.embed_scale
            for head in (probe.shape, probe.colour, probe.cell):
                head.weight *= args.embed_scale
        log(f"stage 2: image embeddings scaled by 1/{args.embed_scale:g}")
    for p in model.vision_tower.parameters():
        p.requires_grad_(False)
        p.grad = None  # a zero grad left by stage 1 would let AdamW's weight decay shrink it
    end = args.stage2_steps if args.stop_at < 0 else min(args.stop_at, args.stage2_steps)
    t0 = time.time()
    while step2 < end:
        for i, g in enumerate(opt2.param_groups):
            base = [3e-4, 1e-3][i]
            if 0 <= args.sched_from <= step2:
                g["lr"] = lr_at(step2 - args.sched_from, args.stage2_steps - args.sched_from, base, warm=50)
            else:
                g["lr"] = lr_at(step2, args.stage2_steps, base)
        loss, aux, exact = stage2_step(args, model, probe, tok, tpi, opt2, rng)
        step2 += 1
        if step2 % 50 == 0:
            log(f"stage2 step {step2} loss {loss.item():.4f} aux {aux.item():.4f} "
                f"batch exact {exact.float().mean().item():.3f} ({(time.time() - t0) / 50:.2f} s/step)")
            t0 = time.time()
        if step2 % args.eval_every == 0 or step2 == end:
            res, weighted = evaluate(model, tok, tpi, held_ex, held_img)
            log(f"stage2 HELD-OUT step {step2}: " + " ".join(f"{k} {v:.3f}" for k, v in res.items())
                + f" | weighted {weighted:.3f}")
            if weighted >= best:
                best, best_step = weighted, step2
                meta = {"stage2_step": str(step2), "heldout_weighted": f"{weighted:.4f}",
                        "seed": str(args.seed), "code": sources_digest()}
                export(model, tok, best_dir, meta)
                if args.out and os.path.abspath(args.out) != os.path.abspath(best_dir):
                    os.makedirs(args.out, exist_ok=True)
                    for f in ("config.json", "model.safetensors"):
                        shutil.copyfile(os.path.join(best_dir, f), os.path.join(args.out, f))
                log(f"best so far: step {step2} (held-out weighted {weighted:.3f}), exported to "
                    f"{best_dir}" + (f" and {args.out}" if args.out else ""))
            save_state()
    log(f"done at stage-2 step {step2}; best step {best_step} (held-out weighted {best:.3f})")


if __name__ == "__main__":
    main()
