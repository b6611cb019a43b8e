"""Chat fixtures for the LLaVA golden cases: conversations turned into prompt ids the way each layout's own software
does it, independently of mm1j, and the PyTorch reference's greedy answer to them (make_golden.py writes them as
chat.json beside each case).

- Hugging Face folders with a processor template (chat_template.json): transformers' processor path,
  `processor.apply_chat_template(conversation, add_generation_prompt=True)` then `processor(text=prompt)`: the
  template rendered with jinja2 as transformers sets it up (tools/jinja/check_jinja2.py), message content as a list of
  {"type": "image"} / {"type": "text", "text": ...} parts; the tokenizer adds BOS unless the text starts with it;
  `<image>` is an added token (the image_token_index).
- Folders without a template: the format the model was trained with, written here by hand from the original LLaVA
  conversation templates (conv_vicuna_v1 for llava-1.5 and the Vicuna llava-v1.6, conv_mistral_instruct for
  llava-v1.6-mistral), each image as `<image>\\n` before the message's text, BOS first.
- GGUF pairs (the text vocabulary has no image token): llama.cpp's mtmd path: the prompt (the GGUF's
  tokenizer.chat_template rendered with each image written into the message text as `<image>\\n`, or the family
  default format) split at each `<image>`, every piece tokenized alone (BOS on the first unless the text starts with
  it), the image id (vocab_size) between them.

Tokenization is tools/demo/bpe.py (the byte-level BPE that wrote the fixtures' tokenizer.json), independent of mm1j.
"""
import json
import os
import sys
from datetime import datetime

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from demo.bpe import Tokenizer  # noqa: E402
from jinja.check_jinja2 import environment  # noqa: E402
import processors as P  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TEMPLATES = os.path.join(ROOT, "model/src/test/resources/dev/mm1j/model/generation/jinja/templates")
MARKER = "<image>"
BOS, EOS = "<s>", "</s>"
MAX_NEW = 8


def template(name):
    """The source of a template of the jinja corpus (real checkpoints' templates; origins in its README)."""
    with open(os.path.join(TEMPLATES, name + ".jinja"), encoding="utf-8") as f:
        return f.read()


def tokenizer():
    with open(os.path.join(ROOT, "models/mm1-demo/tokenizer.json"), encoding="utf-8") as f:
        t = json.load(f)
    tok = Tokenizer([m.split(" ") for m in t["model"]["merges"]])
    assert tok.vocab == {**t["model"]["vocab"], **{a["content"]: a["id"] for a in t["added_tokens"]}}, "bpe.py rebuilds tokenizer.json's vocabulary"
    return tok


# ------------------------------------------------------------------------------------------- conversations

def user(*parts):
    return {"role": "user", "content": [{"type": "image"} if p is None else {"type": "text", "text": p} for p in parts]}


def assistant(text):
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def system(text):
    return {"role": "system", "content": [{"type": "text", "text": text}]}


def text_of(m):
    return "".join(p["text"] for p in m["content"] if p["type"] == "text")


def body(m):
    """The message's parts in order, each image as `<image>\\n` (LLaVA's convention)."""
    return "".join(p["text"] if p["type"] == "text" else MARKER + "\n" for p in m["content"])


# ------------------------------------------------------------------------------------------- rendering

def render_processor(source, messages):
    """transformers' processor.apply_chat_template: content as parts."""
    env = environment(datetime(2025, 2, 3, 4, 5, 6))
    return env.from_string(source).render(messages=messages, add_generation_prompt=True, bos_token=BOS, eos_token=EOS,
                                          unk_token="<unk>")


def render_inline(source, messages):
    """A text template (content a string) as llama.cpp's mtmd feeds it: each image written into the text."""
    env = environment(datetime(2025, 2, 3, 4, 5, 6))
    msgs = [{"role": m["role"], "content": body(m)} for m in messages]
    return env.from_string(source).render(messages=msgs, add_generation_prompt=True, bos_token=BOS, eos_token=EOS)


def render_trained(fmt, messages):
    """The original LLaVA conversation formats, BOS first."""
    out = BOS
    if fmt == "vicuna":  # conv_vicuna_v1 (SeparatorStyle.TWO, seps " " and "</s>"), the system message when given
        for m in messages:
            if m["role"] == "system":
                out += text_of(m) + " "
            elif m["role"] == "user":
                out += "USER: " + body(m) + " "
            else:
                out += "ASSISTANT: " + text_of(m) + EOS
        return out + "ASSISTANT:"
    if fmt == "mistral":  # [INST] q [/INST]answer</s>, a system message before the first question
        sys_text = None
        for m in messages:
            if m["role"] == "system":
                sys_text = text_of(m)
            elif m["role"] == "user":
                q = body(m) if sys_text is None else sys_text + "\n\n" + body(m)
                sys_text = None
                out += "[INST] " + q + " [/INST]"
            else:
                out += text_of(m) + EOS
        return out
    raise ValueError(fmt)


# ------------------------------------------------------------------------------------------- ids

def ids_folder(tok, text):
    """processor(text=...): BOS unless the text starts with it; `<image>` is the added token."""
    return tok.encode(text, add_bos=not text.startswith(BOS))


def ids_gguf(tok, text, image_id):
    """mtmd: split at each marker, each piece tokenized alone (BOS on the first unless given), the image id between."""
    pieces = text.split(MARKER)
    out = []
    for i, piece in enumerate(pieces):
        if i > 0:
            out.append(image_id)
        if i == 0 or piece:
            out += tok.encode(piece, add_bos=i == 0 and not text.startswith(BOS))
    return out


# ------------------------------------------------------------------------------------------- expected answers

@torch.no_grad()
def greedy_answer(model, ids, image_token, pixels, sizes):
    """The reference's MAX_NEW greedy tokens (no EOS stop) and the smallest top-1 minus top-2 margin."""
    from llava_ref import greedy
    rows, counts = model.image_rows(pixels, sizes) if pixels else (None, [])
    ref_ids = [model.c.image_token_index if i == image_token else i for i in ids]
    return greedy(model, model.expand(ref_ids, counts), rows, MAX_NEW)


def write(folder, model, kind, conversations, images_dir, how, image_token, proc=None, gguf=None):
    """Renders, tokenizes and answers each conversation; writes folder/chat.json.

    how: ("processor", template source) | ("trained", "vicuna"|"mistral") | ("gguf", template source or None, format)
    """
    tok = tokenizer()
    out = []
    for name, messages, images in conversations:
        if how[0] == "processor":
            text = render_processor(how[1], messages)
        elif how[0] == "trained":
            text = render_trained(how[1], messages)
        else:
            text = render_inline(how[1], messages) if how[1] is not None else render_trained(how[2], messages)
        ids = ids_gguf(tok, text, image_token) if how[0] == "gguf" else ids_folder(tok, text)
        assert ids.count(image_token) == len(images), (name, ids)
        pixels, sizes = [], []
        for f in images:
            px, size = pixels_for(kind, os.path.join(images_dir, f), proc, gguf)
            pixels.append(px)
            sizes.append(size)
        toks, margin = greedy_answer(model, ids, image_token, pixels, sizes)
        out.append({"name": name, "messages": messages, "images": ["images/" + f for f in images], "text": text, "ids": ids,
                    "greedy": toks, "min_margin": round(margin, 6)})
        print(f"  chat {os.path.basename(folder)}/{name}: {len(ids)} ids, greedy {toks} (margin {margin:.4f})")
    fmt = {"processor": "chat_template.json (processor)", "trained": how[1] if how[0] == "trained" else None,
           "gguf": "tokenizer.chat_template, images inline" if how[0] == "gguf" and how[1] else (how[2] if how[0] == "gguf" else None)}[how[0]]
    with open(os.path.join(folder, "chat.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/llava/chat_golden.py", "format": fmt, "image_token": image_token, "max_new": MAX_NEW,
                   "conversations": out}, f, indent=1, ensure_ascii=False)
    write_eval(folder, tok, out)


def write_eval(folder, tok, conversations):
    """eval.jsonl for `mm1j eval --cases`: each conversation as a case (its messages with their image counts, the
    images, PyTorch's prompt ids and greedy answer, cut after EOS as mm1j eval stops there; the expected answer is
    PyTorch's: the weights are random)."""
    with open(os.path.join(folder, "eval.jsonl"), "w", encoding="utf-8") as f:
        for i, c in enumerate(conversations):
            toks = c["greedy"]
            if tok.eos_id in toks:
                toks = toks[:toks.index(tok.eos_id) + 1]
            answer = tok.decode([t for t in toks if t != tok.eos_id]).strip()
            msgs = [{"role": m["role"], "content": text_of(m), "images": sum(p["type"] == "image" for p in m["content"])}
                    for m in c["messages"]]
            f.write(json.dumps({"id": i, "category": c["name"], "images": ["../" + p for p in c["images"]], "messages": msgs,
                                "prompt_ids": c["ids"], "expected": answer, "torch_answer": answer, "torch_ids": toks,
                                "max_new": MAX_NEW}, ensure_ascii=False) + "\n")


def pixels_for(kind, path, proc, gguf):
    from PIL import Image
    img = Image.open(path)
    if gguf is not None:
        px, size, _ = P.gguf_preprocess(img, *gguf)
        return torch.from_numpy(px), size
    if kind == "llava":
        rgb = P.to_rgb(img)
        return torch.from_numpy(P.clip_preprocess(rgb, proc)[None]), (rgb.size[1], rgb.size[0])
    px, size, _ = P.next_preprocess(img, proc)
    return torch.from_numpy(px), size


def gguf_vocabulary(tok, template_source=None):
    """tokenizer.ggml.* for a text GGUF: the fixtures' BPE without an image token (id 427 becomes an unused control
    token, as real LLaVA GGUFs have no `<image>`), BOS added like Llama's; optionally a chat template."""
    from gguf_pair import ARR, BOOL, I32, S, U32
    inv = {i: s for s, i in tok.vocab.items()}
    tokens = [inv[i] for i in range(len(inv))]
    tokens[tok.image_id] = "<unused0>"
    types = [3 if t in ("<pad>", BOS, EOS, "<unused0>") else 1 for t in tokens]  # CONTROL / NORMAL
    merges = [a + " " + b for a, b in tok.merges]
    kvs = [("tokenizer.ggml.model", S, "gpt2"), ("tokenizer.ggml.pre", S, "default"),
           ("tokenizer.ggml.tokens", ARR, (S, tokens)), ("tokenizer.ggml.token_type", ARR, (I32, types)),
           ("tokenizer.ggml.merges", ARR, (S, merges)), ("tokenizer.ggml.bos_token_id", U32, tok.bos_id),
           ("tokenizer.ggml.eos_token_id", U32, tok.eos_id), ("tokenizer.ggml.padding_token_id", U32, tok.pad_id),
           ("tokenizer.ggml.add_bos_token", BOOL, True), ("tokenizer.ggml.add_eos_token", BOOL, False)]
    if template_source is not None:
        kvs.append(("tokenizer.chat_template", S, template_source))
    return kvs
