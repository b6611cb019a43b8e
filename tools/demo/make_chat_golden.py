"""Golden renderings of the MM1 chat format for Java's ChatTemplate.MM1 (ChatTemplateMm1Test), from chat.py's
render_chat; also checks that the Jinja chat_template of models/mm1-demo/tokenizer_config.json renders the same
text (with jinja2, Debian's python3-jinja2), for contents given as strings and as lists of parts.

    /usr/bin/python3 tools/demo/make_chat_golden.py
writes model/src/test/resources/dev/mm1j/model/generation/mm1-chat.jsonl and python-isspace.json (the BMP
characters Python's str.isspace() accepts, which the template's trim removes).
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat  # noqa: E402
import language  # noqa: E402
import world  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "model/src/test/resources/dev/mm1j/model/generation/mm1-chat.jsonl")
SPACES = os.path.join(os.path.dirname(OUT), "python-isspace.json")  # what str.strip() / Jinja's trim removes
SEED = 31337
TEXTS = ["How many stars are there?", "  what colour is the circle?  ", "\tIs there a red cross?\n", "", " ",
         "Describe the image.", "two", " yes ", "line one\nline two", "\u00a0non-breaking\u00a0", "\u3000ideographic\u3000",
         "tabs\tinside", "émoji 🙂 and ünïcödé", "<b>not special</b>", "Answer: trick", "Question: trick\n",
         "\u2003em space", "x\u0085", "\u001cfile sep\u001f"]


def random_conversation(rng):
    """Any shape: system messages anywhere, consecutive users or assistants, image-only messages, empty texts."""
    msgs = []
    for _ in range(rng.randint(1, 7)):
        role = rng.choices(["user", "assistant", "system"], [0.5, 0.35, 0.15])[0]
        text = rng.choice(TEXTS)
        k = rng.choice([0, 0, 1, 2]) if role == "user" else 0
        if rng.random() < 0.4:  # parts: text pieces and images interleaved
            pieces = [{"type": "text", "text": t} for t in (text, rng.choice(TEXTS))[:rng.randint(1, 2)]]
            for _ in range(k):
                pieces.insert(rng.randint(0, len(pieces)), {"type": "image"})
            msgs.append({"role": role, "content": pieces})
        else:
            msgs.append({"role": role, "content": text, "images": k})
    return msgs


def flat(messages):
    """For Java: role, text (parts joined with "\n"), images, and "parts" in order when the content is a list."""
    out = []
    for m in messages:
        text, k = chat.parts(m)
        j = {"role": m["role"], "content": text, "images": k}
        if not isinstance(m["content"], str):
            j["parts"] = m["content"]
        out.append(j)
    return out


def main():
    rng = random.Random(SEED)
    cases = []
    for i in range(150):
        _, msgs, _ = chat.conversation(rng, world.CATEGORIES[i % len(world.CATEGORIES)], rng.randint(1, 4),
                                       language.random_style,
                                       system=rng.choice(chat.SYSTEM_PROMPTS) if rng.random() < 0.2 else None)
        if rng.random() < 0.5:
            msgs = msgs[:-1]  # ends with a question, as a prompt does
        cases.append(msgs)
        cases.append(chat.as_parts(rng, msgs))
    for _ in range(150):
        cases.append(random_conversation(rng))
    cases.append([])
    try:
        import jinja2
        with open(os.path.join(REPO, "models/mm1-demo/tokenizer_config.json")) as f:
            tpl = jinja2.Environment().from_string(json.load(f)["chat_template"])
    except ImportError:
        tpl = None
        print("jinja2 missing (apt-get install python3-jinja2): the Jinja template is not checked")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        for msgs in cases:
            text = chat.render_chat(msgs)
            if chat.render_chat([{k: v for k, v in m.items() if k != "parts"} for m in flat(msgs)]) != text:
                raise AssertionError(f"parts and flat forms differ: {msgs!r}")
            if tpl is not None:
                jt = tpl.render(messages=msgs, bos_token=chat.BOS, eos_token=chat.EOS)
                if jt != text:
                    raise AssertionError(f"the Jinja template renders {jt!r}, render_chat {text!r}")
            f.write(json.dumps({"messages": flat(msgs), "text": text}, ensure_ascii=False) + "\n")
    with open(SPACES, "w") as f:
        json.dump({"python": sys.version.split()[0],
                   "isspace": [c for c in range(0x10000) if chr(c).isspace()]}, f)
        f.write("\n")
    print(f"{len(cases)} conversations -> {OUT}" + ("" if tpl is None else " (Jinja template agrees on all)"))


if __name__ == "__main__":
    main()
