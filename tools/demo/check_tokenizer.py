"""Writes encode/decode cases from bpe.py and runs check_tokenizer.js on them (HF tokenizers).

    NODE_PATH=/tmp/tok/node_modules /usr/bin/python3 tools/demo/check_tokenizer.py models/mm1-demo/tokenizer.json
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat  # noqa: E402
import language  # noqa: E402
import world  # noqa: E402
from bpe import Tokenizer  # noqa: E402


def main(path):
    tok = Tokenizer.load(path)
    rng = random.Random(99)
    texts = []
    for i in range(3000):
        _, messages, _ = chat.conversation(rng, world.CATEGORIES[i % len(world.CATEGORIES)], rng.randint(1, 3),
                                           language.random_style)
        texts.append(chat.render_chat(messages[:-1], bos=""))
        texts.append(chat.render_chat(messages, bos=""))
    texts += ["", " ", "hello world", "Unknown words: zebra, 42 QUICK!  spaces  \n\n tabs\t",
              "café ünïcödé 日本 🙂", "don't it's we'll", "<image> <s> x</s><pad>", "a_b __init__",
              "<image><image>\nQuestion: Which image has more shapes?\nAnswer: the first"]
    cases = []
    for t in texts:
        ids = tok.encode(t)
        cases.append({"text": t, "ids": ids, "decoded": tok.decode(ids)})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cases, f)
    js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_tokenizer.js")
    sys.exit(subprocess.call(["node", js, path, f.name]))


if __name__ == "__main__":
    main(sys.argv[1])
