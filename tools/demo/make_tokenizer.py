"""Train the demo tokenizer on the synthetic corpus and write tokenizer.json + tokenizer_config.json.

The corpus is what training sees: conversations of every category in every style (paraphrases, spelling,
case, punctuation, whitespace) and questions from outside the world, plus every template and filler word in
each letter case, so that the merges cover the vocabulary in lower, upper, title and sentence case.

    /usr/bin/python3 tools/demo/make_tokenizer.py models/mm1-demo
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat  # noqa: E402
import language  # noqa: E402
import world  # noqa: E402
from bpe import Tokenizer, train  # noqa: E402

SEED = 1234
MAX_VOCAB = 1024

# The MM1 chat format of chat.render_chat as a Jinja template (content: a string, with an optional 'images'
# count, or a list of {"type": "image"} / {"type": "text", "text": ...} parts).
CHAT_TEMPLATE = (
    "{%- set ns = namespace(text='', images=0, nl=true) -%}"
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['content'] is string -%}"
    "{%- set text = message['content'] -%}"
    "{%- set images = message['images'] if message['images'] is defined else 0 -%}"
    "{%- else -%}"
    "{%- set text = message['content'] | selectattr('type', 'equalto', 'text') | map(attribute='text') | join('\\n') -%}"
    "{%- set images = message['content'] | selectattr('type', 'equalto', 'image') | list | length -%}"
    "{%- endif -%}"
    "{%- set text = text | trim -%}"
    "{%- if message['role'] == 'user' -%}"
    "{%- if text -%}{%- set ns.text = ns.text ~ ('\\n' if ns.text else '') ~ text -%}{%- endif -%}"
    "{%- set ns.images = ns.images + images -%}"
    "{%- if loop.last or messages[loop.index0 + 1]['role'] != 'user' -%}"
    "{{- ('' if ns.nl else '\\n') ~ 'Question: ' ~ ns.text ~ '\\n' ~ ('<image>' * ns.images) ~ ('\\n' if ns.images else '') ~ 'Answer:' -}}"
    "{%- set ns.text = '' -%}{%- set ns.images = 0 -%}{%- set ns.nl = false -%}"
    "{%- endif -%}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{- ' ' ~ text ~ eos_token -}}{%- set ns.nl = false -%}"
    "{%- else -%}"
    "{{- ('' if ns.nl else '\\n') ~ text ~ '\\n' -}}{%- set ns.nl = true -%}"
    "{%- endif -%}"
    "{%- endfor -%}")


def corpus(n=12000, seed=SEED):
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        cat = world.CATEGORIES[i % len(world.CATEGORIES)]
        _, messages, _ = chat.conversation(rng, cat, rng.randint(1, 3), language.random_style)
        texts.append(chat.render_chat(messages))
    for w in language.vocabulary_texts():
        for f in (str, str.lower, str.upper, lambda s: " ".join(x[:1].upper() + x[1:] for x in s.split(" "))):
            texts += [f(w), " " + f(w)]
    texts.append(" " + world.FALLBACK)
    return texts


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tok = Tokenizer(train(corpus(), max_vocab=MAX_VOCAB))
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
           "pad_token": "<pad>", "add_bos_token": True, "add_eos_token": False,
           "model_max_length": 256, "clean_up_tokenization_spaces": False,
           "extra_special_tokens": {"image_token": "<image>"},
           "chat_template": CHAT_TEMPLATE,
           "prompt_format": "<s>Question: {question}\\n<image>\\nAnswer:  (one <image> per image; no image line "
                            "without images); the model answers ' {answer}' then </s>; a later question follows "
                            "as \\nQuestion: ...\\nAnswer: (tools/demo/chat.py)"}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print(f"vocab {tok.vocab_size}, merges {len(tok.merges)}, image id {tok.image_id}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/mm1-demo")
