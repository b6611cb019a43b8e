"""Trains the demo MM1 from step 0 on the synthetic world (CPU; --workers one-thread processes, data parallel).

1. vision head start: the ViT + C-Abstractor learn a dense target, the shape and the colour in each of the 9
   grid cells, read from the 9 image embeddings by a linear probe (a training helper, not in the checkpoint),
   on scenes of 1-6 shapes drawn on square and non-square canvases.
2. the whole model (ViT frozen) on conversations (chat.py): a first question with its 1-2 images (or none),
   then 0-3 follow-up questions about the same images, each phrased in a random style (language.py), some
   from outside the world (answered with world.FALLBACK). Loss: every answer (its tokens + EOS), each answer
   weighted equally; plus the probe (0.3) and a "match" head (--match-weight) that reads, at the image
   positions right after the first question, whether each cell is what the question asks about (dense
   supervision of the question-image binding that counting and yes/no need).
   At the start of stage 2 the image embeddings are scaled down 10x, exactly, and a penalty keeps their RMS
   under 0.4 (see models/mm1-demo/README.md).

Held-out exact match (teacher forced: every answer token and EOS argmax-correct = greedy exact) of the last
answer, per category and for follow-up questions ("multiturn"), is logged every --eval-every steps; the best
checkpoint (by the mean over those) is kept in RUN/best/ and exported to --out. Seeded and deterministic for
a given --workers (each worker one torch thread, its own random stream; gradients are summed in a fixed
order); killed and restarted with the same command it resumes from RUN/state.pt.

    nohup nice -n 5 /usr/bin/python3 tools/demo/train.py > /dev/null 2>&1 &    # log: tools/demo/train.log
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
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from common import HERE, MODEL_DIR, build_model, export, load_tokenizer, pixels, world
import batches
import chat
import language

SEED = 20240611
MIX = {"caption": 0.12, "count": 0.2, "colour": 0.1, "where": 0.12, "yesno": 0.22, "compare": 0.12, "offworld": 0.12}
TURNS = {1: 0.35, 2: 0.3, 3: 0.2, 4: 0.15}  # questions per conversation
SYSTEM_RATE = 0.04
SIZES = [84, 96, 112, 126, 168, 224]  # the longer side of a rendered image; every image is resized to 84x84
HELD_OUT = 48  # held-out conversations per category (and as many multi-turn ones)
HELD_CATS = world.CATEGORIES + ["multiturn"]


class Probe(nn.Module):
    """Training helper: per image token, logits for (empty + 5 shapes), 5 colours and (stage 2) the token's
    own grid cell; and the match head on the decoder's hidden state at image positions."""

    def __init__(self, d):
        super().__init__()
        self.shape = nn.Linear(d, len(world.SHAPES) + 1)
        self.colour = nn.Linear(d, len(world.COLOUR_NAMES))
        self.cell = nn.Linear(d, 9)
        self.match = nn.Linear(d, 1)

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
        cell_ok = (ls.argmax(-1) == shape) & ((lc.argmax(-1) == colour) | (colour < 0))
        return loss, cell_ok.float().mean().item(), cell_ok.all(-1).float().mean().item()


def lr_at(step, total, base, warm=200):
    if step < warm:
        return base * (step + 1) / warm
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm))))


def sources_digest():
    """sha256 (12 hex) of the scripts that define the run, logged so a log names its code."""
    h = hashlib.sha256()
    for f in ("train.py", "batches.py", "world.py", "language.py", "chat.py", "common.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:12]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workers", type=int, default=2, help="data-parallel one-thread processes")
    ap.add_argument("--stage1-steps", type=int, default=1000)
    ap.add_argument("--stage2-steps", type=int, default=7000,
                    help="length of the stage-2 learning-rate schedule (warm-up 200, cosine to 0.1x)")
    ap.add_argument("--stop-at", type=int, default=-1, help="end after this stage-2 step")
    ap.add_argument("--batch1", type=int, default=64, help="images per stage-1 step (all workers)")
    ap.add_argument("--batch2", type=int, default=24, help="conversations per stage-2 step (all workers)")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--embed-scale", type=float, default=10.0)
    ap.add_argument("--embed-rms", type=float, default=0.4)
    ap.add_argument("--match-weight", type=float, default=0.3)
    ap.add_argument("--match-layer", type=int, default=2, help="decoder layers before the match head reads")
    ap.add_argument("--mix", default="", help="first-question category weights, e.g. count=0.3 (others as MIX)")
    ap.add_argument("--run", default=os.path.join(HERE, "run"))
    ap.add_argument("--log", default=os.path.join(HERE, "train.log"))
    ap.add_argument("--out", default=MODEL_DIR, help="where the best checkpoint is exported ('' = RUN/best only)")
    ap.add_argument("--port", type=int, default=29517)
    return ap.parse_args(argv)


# ---------------------------------------------------------------------------------------------

def held_out_sets(seed):
    """Fixed held-out conversations (their own seed): per category single questions, and 'multiturn' ones
    whose last question is a follow-up; with their images pre-rendered."""
    hrng = random.Random(seed + 1)
    stage1 = [world.random_scene(hrng) for _ in range(256)]
    stage1_pix = torch.stack([pixels(world.render(s, *world.canvas(hrng, SIZES))) for s in stage1])
    convs = []
    for cat in HELD_CATS:
        for _ in range(HELD_OUT):
            if cat == "multiturn":
                first = hrng.choices(list(MIX), list(MIX.values()))[0]
                conv = chat.conversation(hrng, first, hrng.randint(2, 4), language.random_style)
            else:
                conv = chat.conversation(hrng, cat, 1, language.random_style)
            convs.append((cat,) + conv + (batches.render_images(hrng, conv[0], SIZES),))
    return stage1, stage1_pix, convs


def all_reduce(params, world_size):
    if world_size == 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world_size
    k = 0
    for p in params:
        n = p.numel()
        p.grad = flat[k:k + n].view_as(p).clone()
        k += n


def evaluate(model, probe, tok, args, held, rank, world_size):
    """Held-out exact match of the last answer, per category (this worker's share, summed over workers)."""
    model.eval()
    right = torch.zeros(len(HELD_CATS))
    total = torch.zeros(len(HELD_CATS))
    mine = [h for i, h in enumerate(held) if i % world_size == rank]
    with torch.no_grad():
        for k in range(0, len(mine), 16):
            part = mine[k:k + 16]
            enc = [batches.encode(tok, h[1:4], model.config.tokens_per_image) for h in part]
            pix = [h[4] for h in part]
            out = batches.forward(model, probe, enc, pix, args, train=False)
            for h, ex in zip(part, out["last_exact"]):
                i = HELD_CATS.index(h[0])
                total[i] += 1
                right[i] += float(ex)
    if world_size > 1:
        dist.all_reduce(right)
        dist.all_reduce(total)
    res = {c: (right[i] / total[i]).item() for i, c in enumerate(HELD_CATS)}
    return res, sum(res.values()) / len(res)


def main_worker(rank, args):
    world_size = args.workers
    torch.set_num_threads(1)
    if world_size > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(args.port))
        dist.init_process_group("gloo", rank=rank, world_size=world_size)
    for kv in filter(None, args.mix.split(",")):
        k, v = kv.split("=")
        if k not in MIX:
            sys.exit(f"--mix: unknown category {k!r} (known: {', '.join(MIX)})")
        MIX[k] = float(v)
    os.makedirs(args.run, exist_ok=True)
    logf = open(args.log, "a") if rank == 0 else None

    def log(msg):
        if rank == 0:
            line = f"[{time.strftime('%H:%M:%S')}] {msg}"
            print(line, flush=True)
            logf.write(line + "\n")
            logf.flush()

    torch.manual_seed(args.seed)  # the same initial weights on every worker
    tok = load_tokenizer()
    batches.self_check(tok)
    model = build_model(tok)
    for name, mod in model.language_model.named_modules():
        if isinstance(mod, (nn.Linear, nn.Embedding)):
            nn.init.normal_(mod.weight, std=0.02)
    tpi = model.config.tokens_per_image
    probe = Probe(model.config.text.hidden_size)
    n_params = sum(p.numel() for p in model.parameters())
    state_path = os.path.join(args.run, "state.pt")
    rng_path = os.path.join(args.run, f"rng{rank}.pt")
    best_dir = os.path.join(args.run, "best")
    step1 = step2 = 0
    best, best_step = -1.0, -1
    vis_params = list(model.vision_tower.parameters()) + list(model.connector.parameters())
    lm_params = list(model.language_model.parameters())
    opt1 = torch.optim.AdamW(vis_params + list(probe.parameters()), lr=1e-3, weight_decay=0.01)
    opt2 = torch.optim.AdamW([{"params": list(model.connector.parameters()), "lr": 3e-4},
                              {"params": lm_params + list(probe.parameters()), "lr": 1e-3}], weight_decay=0.01)
    rng = random.Random(args.seed * 1000 + rank)
    torch.manual_seed(args.seed * 1000 + rank)
    how = f"code {sources_digest()}, args {vars(args)}"
    if os.path.exists(state_path):
        st = torch.load(state_path)
        model.load_state_dict(st["model"])
        probe.load_state_dict(st["probe"])
        opt1.load_state_dict(st["opt1"])
        opt2.load_state_dict(st["opt2"])
        step1, step2 = st["step1"], st["step2"]
        best, best_step = st.get("best", -1.0), st.get("best_step", -1)
        r = torch.load(rng_path)
        rng.setstate(r["rng"])
        torch.set_rng_state(r["torch_rng"])
        log(f"resumed at stage-1 step {step1}, stage-2 step {step2} (best so far {best:.3f} at {best_step}); {how}")
    else:
        log(f"start: seed {args.seed}, params {n_params}, vocab {tok.vocab_size}, workers {world_size}, "
            f"torch {torch.__version__}, {how}")

    def save_state():
        if world_size > 1:
            dist.barrier()
        torch.save({"rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, rng_path + ".tmp")
        os.replace(rng_path + ".tmp", rng_path)
        if rank == 0:
            torch.save({"model": model.state_dict(), "probe": probe.state_dict(), "opt1": opt1.state_dict(),
                        "opt2": opt2.state_dict(), "step1": step1, "step2": step2, "best": best,
                        "best_step": best_step}, state_path + ".tmp")
            os.replace(state_path + ".tmp", state_path)
        if world_size > 1:
            dist.barrier()

    held_scenes, held_pix, held = held_out_sets(args.seed)

    # ---- stage 1
    t0 = time.time()
    local1 = args.batch1 // world_size
    train1 = vis_params + list(probe.parameters())
    while step1 < args.stage1_steps:
        model.train()
        scenes = [world.random_scene(rng) for _ in range(local1)]
        x = torch.stack([pixels(world.render(s, *world.canvas(rng, SIZES))) for s in scenes])
        for g in opt1.param_groups:
            g["lr"] = lr_at(step1, args.stage1_steps, 1e-3, warm=100)
        _, emb = model.encode_images(x)
        loss, cell_acc, img_acc = probe.loss(emb, scenes)
        opt1.zero_grad()
        loss.backward()
        all_reduce(train1, world_size)
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
        last = model.connector.readout[-1]
        with torch.no_grad():
            last.weight /= args.embed_scale
            last.bias /= args.embed_scale
            for head in (probe.shape, probe.colour, probe.cell):
                head.weight *= args.embed_scale
        log(f"stage 2: image embeddings scaled by 1/{args.embed_scale:g}")
    for p in model.vision_tower.parameters():
        p.requires_grad_(False)
        p.grad = None
    train2 = list(model.connector.parameters()) + lm_params + list(probe.parameters())
    end = args.stage2_steps if args.stop_at < 0 else min(args.stop_at, args.stage2_steps)
    local2 = args.batch2 // world_size
    t0 = time.time()
    acc = {"loss": 0.0, "aux": 0.0, "match": 0.0, "exact": 0.0, "n": 0}
    while step2 < end:
        for i, g in enumerate(opt2.param_groups):
            g["lr"] = lr_at(step2, args.stage2_steps, [3e-4, 1e-3][i])
        model.train()
        convs = []
        for _ in range(local2):
            cat = rng.choices(list(MIX), list(MIX.values()))[0]
            turns = rng.choices(list(TURNS), list(TURNS.values()))[0]
            system = rng.choice(chat.SYSTEM_PROMPTS) if rng.random() < SYSTEM_RATE else None
            convs.append(chat.conversation(rng, cat, turns, language.random_style, system=system))
        enc = [batches.encode(tok, c, tpi) for c in convs]
        pix = [batches.render_images(rng, c[0], SIZES) for c in convs]
        opt2.zero_grad()
        out = batches.forward(model, probe, enc, pix, args, train=True)
        all_reduce(train2, world_size)
        torch.nn.utils.clip_grad_norm_(train2, 1.0)
        opt2.step()
        step2 += 1
        for k in ("loss", "aux", "match"):
            acc[k] += out[k]
        acc["exact"] += out["exact"]
        acc["n"] += 1
        if step2 % 50 == 0:
            n = acc["n"]
            log(f"stage2 step {step2} loss {acc['loss'] / n:.4f} aux {acc['aux'] / n:.4f} match {acc['match'] / n:.4f} "
                f"answers exact {acc['exact'] / n:.3f} ({(time.time() - t0) / 50:.2f} s/step)")
            acc = {k: 0.0 for k in acc}
            acc["n"] = 0
            t0 = time.time()
        if step2 % args.eval_every == 0 or step2 == end:
            res, mean = evaluate(model, probe, tok, args, held, rank, world_size)
            log(f"stage2 HELD-OUT step {step2}: " + " ".join(f"{k} {v:.3f}" for k, v in res.items())
                + f" | mean {mean:.3f}")
            if mean >= best:
                best, best_step = mean, step2
                if rank == 0:
                    meta = {"stage2_step": str(step2), "heldout_mean": f"{mean:.4f}", "seed": str(args.seed),
                            "code": sources_digest()}
                    export(model, tok, best_dir, meta)
                    if args.out and os.path.abspath(args.out) != os.path.abspath(best_dir):
                        os.makedirs(args.out, exist_ok=True)
                        for f in ("config.json", "model.safetensors"):
                            shutil.copyfile(os.path.join(best_dir, f), os.path.join(args.out, f))
                log(f"best so far: step {step2} (held-out mean {mean:.3f}), exported to {best_dir}"
                    + (f" and {args.out}" if args.out else ""))
            save_state()
            t0 = time.time()
    log(f"done at stage-2 step {step2}; best step {best_step} (held-out mean {best:.3f})")
    if world_size > 1:
        dist.destroy_process_group()


def main():
    args = parse_args()
    if args.workers > 1:
        import torch.multiprocessing as mp
        mp.spawn(main_worker, args=(args,), nprocs=args.workers, join=True)
    else:
        main_worker(0, args)


if __name__ == "__main__":
    main()
