"""Conversations -> token ids, labels and images; the stage-2 forward pass with its losses (train.py)."""
import random

import torch
import torch.nn.functional as F

import chat
import language
import world
from common import pixels

CHUNK = 8  # conversations per forward pass (sorted by length, so that padding stays small)


def encode(tok, conv, tpi):
    """A conversation (scenes, messages ending with an answer, intents) -> {ids, labels, lab_ans (answer index
    per label position), n_answers, image_starts (expanded position of each image), scenes, intent (the
    first question's), length (expanded)}."""
    scenes, messages, intents = conv
    ids, ans = [], []
    pairs = chat.prompt_and_answers(messages)
    for j, (prompt, answer) in enumerate(pairs):
        p = tok.encode(prompt, add_bos=False)
        a = tok.encode(answer, add_bos=False) + [tok.eos_id]
        ids += p + a
        ans += [-1] * len(p) + [j] * len(a)
    exp_tok, exp_ans, image_starts = [], [], []
    for t, a in zip(ids, ans):
        if t == tok.image_id:
            image_starts.append(len(exp_tok))
            exp_tok += [-1] * tpi
            exp_ans += [-1] * tpi
        else:
            exp_tok.append(t)
            exp_ans.append(a)
    labels = [exp_tok[t + 1] if exp_ans[t + 1] >= 0 else -100 for t in range(len(exp_tok) - 1)] + [-100]
    lab_ans = [exp_ans[t + 1] if exp_ans[t + 1] >= 0 else -1 for t in range(len(exp_tok) - 1)] + [-1]
    return {"ids": ids, "labels": labels, "lab_ans": lab_ans, "n_answers": len(pairs), "image_starts": image_starts,
            "scenes": scenes, "intent": intents[0], "length": len(exp_tok)}


def render_images(rng, scenes, sizes):
    """The scenes drawn on random canvases (longer side from `sizes`), preprocessed: [k, 3, 84, 84] or None."""
    if not scenes:
        return None
    return torch.stack([pixels(world.render(s, *world.canvas(rng, sizes))) for s in scenes])


def self_check(tok, n=300):
    """Encoding a conversation piece by piece (as training does) gives the ids of encoding it whole (as the
    engine does), and the rendering splits at the answers."""
    rng = random.Random(7)
    for i in range(n):
        _, messages, _ = chat.conversation(rng, world.CATEGORIES[i % len(world.CATEGORIES)], rng.randint(1, 4),
                                           language.random_style)
        whole = tok.encode(chat.render_chat(messages), add_bos=False)
        pieces = []
        for prompt, answer in chat.prompt_and_answers(messages):
            pieces += tok.encode(prompt, add_bos=False) + tok.encode(answer, add_bos=False) + [tok.eos_id]
        if whole != pieces:
            raise AssertionError(f"piecewise encoding differs for {messages!r}")


def decoder(model, h, capture):
    """The decoder of mm1ref's LanguageModel.forward_embeds, also returning the hidden state after `capture`
    layers (before the final norm)."""
    lm = model.language_model
    pos = torch.arange(h.shape[1], dtype=torch.float32)
    freqs = torch.outer(pos, lm.inv_freq)
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos(), emb.sin()
    mid = None
    for i, layer in enumerate(lm.model.layers):
        h = layer(h, cos, sin)
        if i + 1 == capture:
            mid = h
    return lm.model.norm(h), mid


def forward(model, probe, enc, pix, args, train):
    """Losses over a batch of encoded conversations (backward when train); returns means and, per
    conversation, whether its last answer is exact."""
    order = sorted(range(len(enc)), key=lambda i: enc[i]["length"])
    total_answers = sum(e["n_answers"] for e in enc)
    total_images = sum(0 if p is None else p.shape[0] for p in pix)
    head = model.language_model.model.embed_tokens.weight
    tpi = model.config.tokens_per_image
    stats = {"loss": 0.0, "aux": 0.0, "match": 0.0}
    exact_answers, last_exact = 0, [False] * len(enc)
    for k in range(0, len(order), CHUNK):
        idx = order[k:k + CHUNK]
        t = max(len(enc[i]["ids"]) for i in idx)
        ids = torch.tensor([enc[i]["ids"] + [0] * (t - len(enc[i]["ids"])) for i in idx])
        # padded rows expand to at most this many positions (a padded row with images is longer than its text)
        te = max(t + (tpi - 1) * sum(1 for x in enc[i]["ids"] if x == model.config.image_token_id) for i in idx)
        labels = torch.tensor([enc[i]["labels"] + [-100] * (te - enc[i]["length"]) for i in idx])
        base, lab_ans = 0, []
        for i in idx:
            lab_ans.append([a + base if a >= 0 else -1 for a in enc[i]["lab_ans"]] + [-1] * (te - enc[i]["length"]))
            base += enc[i]["n_answers"]
        lab_ans = torch.tensor(lab_ans)
        imgs = [pix[i] for i in idx if pix[i] is not None]
        emb = None
        loss = torch.zeros(())
        if imgs:
            x = torch.cat(imgs)
            with torch.no_grad():  # the ViT is frozen in stage 2
                f = model.vision_tower.vision_model(x, model.config.vision_feature_layer)
            emb = model.connector(f)
        h, mid = decoder(model, model.splice(ids, emb), args.match_layer)
        assert h.shape[1] == te, (h.shape, te)
        mask = labels != -100
        logits = h[mask] @ head.t()
        tgt, who = labels[mask], lab_ans[mask]
        ce = F.cross_entropy(logits, tgt, reduction="none")
        count = torch.zeros(base).index_add_(0, who, torch.ones_like(ce))
        per_answer = torch.zeros(base).index_add(0, who, ce) / count
        loss = loss + per_answer.sum() / total_answers
        stats["loss"] += per_answer.sum().item() / total_answers
        wrong = torch.zeros(base).index_add_(0, who, (logits.argmax(-1) != tgt).float())
        ok = wrong == 0
        exact_answers += int(ok.sum())
        base = 0
        for i in idx:
            last_exact[i] = bool(ok[base + enc[i]["n_answers"] - 1])
            base += enc[i]["n_answers"]
        if emb is not None:
            scenes, pos_rows, pos_cols, targets = [], [], [], []
            for r, i in enumerate(idx):
                if pix[i] is None:
                    continue
                sc = enc[i]["scenes"]
                scenes += sc
                for s, start in zip(sc, enc[i]["image_starts"]):
                    pos_rows += [r] * 9
                    pos_cols += list(range(start, start + 9))
                    targets += world.cell_match(enc[i]["intent"], s)
            share = emb.shape[0] / max(1, total_images)
            aux, _, _ = probe.loss(emb, scenes, with_cell=True)
            if args.embed_rms > 0:
                aux = aux + F.relu(emb.pow(2).mean(-1).sqrt() - args.embed_rms).pow(2).mean() / 0.3
            m_logit = probe.match(mid[torch.tensor(pos_rows), torch.tensor(pos_cols)]).squeeze(-1)
            m_loss = F.binary_cross_entropy_with_logits(m_logit, torch.tensor(targets, dtype=torch.float32))
            loss = loss + (0.3 * aux + args.match_weight * m_loss) * share
            stats["aux"] += aux.item() * share
            stats["match"] += m_loss.item() * share
        if train:
            loss.backward()
    stats["exact"] = exact_answers / total_answers
    stats["last_exact"] = last_exact
    return stats
