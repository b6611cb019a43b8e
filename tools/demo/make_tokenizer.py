"""Train the demo tokenizer on the synthetic corpus and write tokenizer.json + tokenizer_config.json.

    /usr/bin/python3 tools/demo/make_tokenizer.py models/mm1-demo
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402
from bpe import Tokenizer, train  # noqa: E402

SEED = 1234


def corpus(n=6000, seed=SEED):
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        scenes, q, a = world.make_example(rng, world.CATEGORIES[i % len(world.CATEGORIES)])
        texts.append(world.prompt_text(len(scenes), q) + world.answer_text(a))
    # make sure every word of the world's vocabulary is seen, whatever the sample
    for s in world.SHAPES:
        texts += [f"How many {world.PLURAL[s]} are there?", f"What colour is the {s}?",
                  f"Where is the {s}?", f"Which image has a {s}?"]
    for c in world.COLOUR_NAMES:
        texts += [f"Is there a {c} {s}?" for s in world.SHAPES] + [f"How many {c} shapes are there?", " " + c]
    texts += [" " + w for w in world.NUMBERS + world.POSITIONS + ["yes", "no", "none", "nothing"]]
    texts += [f"What is at the {p}?" for p in world.POSITIONS]
    return texts


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tok = Tokenizer(train(corpus()))
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    # MM1 plain format: <s>Question: {question}\n<image>…<image>\nAnswer: {answer}</s>
    template = ("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                "Question: {{ message['content'] }}\n{{ '<image>' * (message['images'] | default(1)) }}\nAnswer:"
                "{% else %} {{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}")
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
           "pad_token": "<pad>", "add_bos_token": True, "add_eos_token": False,
           "model_max_length": 256, "clean_up_tokenization_spaces": False,
           "extra_special_tokens": {"image_token": "<image>"},
           "chat_template": template,
           "prompt_format": "<s>Question: {question}\\n<image>\\nAnswer:  (one <image> per image); "
                            "the model answers ' {answer}' then </s>"}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print(f"vocab {tok.vocab_size}, merges {len(tok.merges)}, image id {tok.image_id}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/mm1-demo")
