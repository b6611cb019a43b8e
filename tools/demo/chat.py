"""The MM1 chat format of the demo model, and conversations about the world.

A conversation is a list of messages {"role": "system"|"user"|"assistant", "content": ...}, where content is a
string (with an optional "images": k, the images attached to that message) or a list of parts
{"type": "image"} / {"type": "text", "text": ...} as Hugging Face's LLaVA processors use (text parts joined
with "\\n", images counted). Rendering (render_chat; the Jinja chat_template of tokenizer_config.json and Java's
ChatTemplate.MM1 give the same text):

    <s>                                                  BOS (the template writes it)
    {system}\\n                                           a system message, trimmed, on its own line
    Question: {question}\\n<image>...<image>\\nAnswer:     a user message: trimmed text, then one <image> per
                                                         image, then "Answer:" (no image line without images)
     {answer}</s>                                        an assistant message: a space, the trimmed text, EOS
    \\n                                                   before a system or user block that does not start a
                                                         line (after an answer)

Consecutive user messages are one block (their trimmed, non-empty texts joined with "\\n", their images added),
so an image sent alone and then a question read as one question about that image. Images stay in the message
that sent them: in a conversation whose images came with an earlier question, the later questions are
answered from the images above them (the model is trained on such conversations). Trimming is Python's
str.strip() (Jinja's `trim`).
"""
import language
import world

BOS, EOS, IMAGE = "<s>", "</s>", "<image>"

SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a helpful assistant that answers questions about images.",
                  "Answer the question about the image.", "Answer briefly.", "You are MM1, a small vision model."]


def parts(m):
    """(text, number of images) of one message."""
    c = m["content"]
    if isinstance(c, str):
        return c, m.get("images", 0)
    text = "\n".join(p["text"] for p in c if p["type"] == "text")
    return text, sum(1 for p in c if p["type"] == "image")


def render_chat(messages, bos=BOS, eos=EOS):
    """The conversation as the model reads it; a conversation ending with a user message ends with 'Answer:'."""
    out = [bos]
    at_line_start = True
    texts, images = [], 0
    for i, m in enumerate(messages):
        text, k = parts(m)
        text = text.strip()
        role = m["role"]
        if role == "user":
            if text:
                texts.append(text)
            images += k
            if i + 1 == len(messages) or messages[i + 1]["role"] != "user":
                out.append(("" if at_line_start else "\n") + "Question: " + "\n".join(texts) + "\n"
                           + (IMAGE * images + "\n" if images else "") + "Answer:")
                texts, images, at_line_start = [], 0, False
        elif role == "assistant":
            out.append(" " + text + eos)
            at_line_start = False
        elif role == "system":
            out.append(("" if at_line_start else "\n") + text + "\n")
            at_line_start = True
        else:
            raise ValueError(f"unknown role {role!r}")
    return "".join(out)


def prompt_and_answers(messages):
    """Splits a conversation (ending with an assistant message) into [(prompt_text, answer_text)]: the text
    before each answer since the previous one (the first with BOS) and ' ' + answer (EOS not included).
    Concatenating prompt + answer + EOS over all pairs gives render_chat(messages)."""
    full = render_chat(messages)
    pairs, done = [], 0
    for j, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = render_chat(messages[:j])
        if not full.startswith(before) or len(before) < done:
            raise AssertionError("the rendering is not incremental")
        ans = " " + parts(m)[0].strip()
        pairs.append((before[done:], ans))
        done = len(before) + len(ans) + len(EOS)
    if done != len(full):
        raise AssertionError("the conversation must end with an answer")
    return pairs


# ---------------------------------------------------------------------------------------------
# Conversations about the world

def follow_up_categories(n_images):
    """The categories that can be asked about n images."""
    if n_images == 0:
        return ["offworld"]
    if n_images == 2:
        return ["compare", "offworld"]
    return ["caption", "count", "colour", "where", "yesno", "offworld"]


FOLLOW_WEIGHTS = {"caption": 0.08, "count": 0.27, "colour": 0.13, "where": 0.15, "yesno": 0.27, "compare": 1.0,
                  "offworld": 0.1}


def conversation(rng, first_cat, turns, style_fn, follow_cats=None, system=None):
    """A conversation of `turns` questions: the first of category first_cat, with the images; the others
    follow-ups about the same images (categories drawn by FOLLOW_WEIGHTS, or follow_cats[i] when given).
    style_fn(rng) gives each question's style. Returns (scenes, messages, intents); messages end with the last
    answer."""
    scenes, intent = world.make_first(rng, first_cat)
    intents = [intent]
    cats = follow_up_categories(len(scenes))
    for t in range(1, turns):
        for _ in range(20):
            cat = follow_cats[t - 1] if follow_cats else rng.choices(cats, [FOLLOW_WEIGHTS[c] for c in cats])[0]
            it = world.ask(rng, cat, scenes)
            if it is not None and world.answer(it, scenes) is not None:
                intents.append(it)
                break
        else:
            raise RuntimeError(f"no follow-up of category {cat} for {scenes}")
    messages = [{"role": "system", "content": system}] if system else []
    for k, it in enumerate(intents):
        q = language.phrase(rng, it, style_fn(rng))
        messages.append({"role": "user", "content": q, "images": len(scenes) if k == 0 else 0})
        messages.append({"role": "assistant", "content": world.answer(it, scenes)})
    return scenes, messages, intents


def as_parts(rng, messages):
    """The same conversation with some contents as lists of parts (Hugging Face style); the image part goes
    before or after the text, and an image can be sent in a message of its own."""
    out = []
    for m in messages:
        text, k = parts(m)
        if m["role"] == "user" and k and rng.random() < 0.3:  # the images alone first, then the text
            out.append({"role": "user", "content": [{"type": "image"} for _ in range(k)]})
            out.append({"role": "user", "content": text} if rng.random() < 0.5 else
                       {"role": "user", "content": [{"type": "text", "text": text}]})
        elif rng.random() < 0.5:
            ps = [{"type": "text", "text": text}] if text or rng.random() < 0.5 else []
            imgs = [{"type": "image"} for _ in range(k)]
            out.append({"role": m["role"], "content": imgs + ps if rng.random() < 0.5 else ps + imgs})
        else:
            out.append(dict(m))
    return out
