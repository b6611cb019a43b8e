"""Writes models/mm1-demo/examples/: six PNGs (larger than the model's 84 px input, so that the resize is
exercised; two on non-square canvases) and questions.txt with questions as people ask them (paraphrases,
spelling, case, follow-ups about an image sent earlier, a question from outside the world), the true answers
and, when a checkpoint is there, the PyTorch greedy answers. A line's question may be a conversation:
"Q1 >> Q2" asks Q2 after Q1 and its true answer, the images sent with Q1.

    /usr/bin/python3 tools/demo/make_examples.py [MODEL_DIR]
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread per process (set before numpy/torch load)

import sys

import torch

import chat
from common import MODEL_DIR, load_tokenizer, pixels, world
from mm1ref.mm1_torch import generate, load_checkpoint


def obj(cell, shape, colour, size=0.8, dx=0.0, dy=0.0):
    return {"cell": cell, "shape": shape, "colour": colour, "size": size, "dx": dx, "dy": dy}


SCENES = {
    "shapes1.png": (336, [obj(0, "circle", "red"), obj(4, "square", "blue", 0.7),
                          obj(8, "star", "yellow", 0.9)]),
    "shapes2.png": (300, [obj(1, "triangle", "green", 0.85, 0.3), obj(3, "triangle", "purple", 0.7, -0.4),
                          obj(5, "cross", "red", 0.75), obj(7, "triangle", "blue", 0.65, 0.5, 0.5)]),
    "shapes3.png": (224, [obj(6, "cross", "yellow", 0.9)]),
    "shapes4.png": (400, [obj(2, "star", "purple", 0.7), obj(4, "circle", "green", 0.9)]),
    "shapes5.png": ((400, 300), [obj(0, "star", "red", 0.8), obj(1, "star", "blue", 0.7, 0.3), obj(2, "circle", "yellow"),
                                 obj(4, "star", "green", 0.75, -0.3), obj(6, "cross", "purple", 0.85),
                                 obj(8, "star", "yellow", 0.7, 0.4, 0.4)]),
    "shapes6.png": ((240, 360), [obj(1, "square", "green", 0.8), obj(3, "triangle", "red", 0.7), obj(7, "circle", "blue")]),
}
QUESTIONS = [
    (["shapes1.png"], "Describe the image.", "a red circle at the top left, a blue square at the center and a yellow star at the bottom right"),
    (["shapes1.png"], "What colour is the star?", "yellow"),
    (["shapes1.png"], "Where is the square?", "center"),
    (["shapes1.png"], "How many triangles are there?", "zero"),
    (["shapes2.png"], "How many triangles are there?", "three"),
    (["shapes2.png"], "Describe the image.", "a green triangle at the top, a purple triangle at the left, a red cross at the right and a blue triangle at the bottom"),
    (["shapes2.png"], "Is there a red cross?", "yes"),
    (["shapes2.png"], "What is at the center?", "nothing"),
    (["shapes3.png"], "Describe the image.", "a yellow cross at the bottom left"),
    (["shapes3.png"], "How many shapes are there?", "one"),
    (["shapes4.png"], "What is at the top right?", "a purple star"),
    (["shapes4.png"], "Is there a blue circle?", "no"),
    (["shapes4.png"], "How many shapes are there?", "two"),
    (["shapes4.png"], "How many green shapes are there?", "one"),
    (["shapes1.png", "shapes2.png"], "Which image has more shapes?", "the second"),
    (["shapes3.png", "shapes4.png"], "Which image has a star?", "the second"),
    (["shapes1.png"], "What is in the picture?", "a red circle at the top left, a blue square at the center and a yellow star at the bottom right"),
    (["shapes1.png"], "what color is the star", "yellow"),
    (["shapes2.png"], "HOW MANY TRIANGLES DO YOU SEE?", "three"),
    (["shapes4.png"], "What's in the centre?", "a green circle"),
    (["shapes5.png"], "How many stars are there?", "four"),
    (["shapes5.png"], "How many shapes can you see?", "six"),
    (["shapes5.png"], "Describe this image.", "a red star at the top left, a blue star at the top, a yellow circle at the top right, a green star at the center, a purple cross at the bottom left and a yellow star at the bottom right"),
    (["shapes6.png"], "Where is the triangle?", "left"),
    (["shapes6.png"], "Is there a blue circle?", "yes"),
    (["shapes2.png"], "Describe the image. >> Is there a red cross?", "yes"),
    (["shapes4.png"], "How many shapes are there? >> What colour is the star?", "purple"),
    (["shapes1.png"], "What is the capital of France?", world.FALLBACK),
]


def conversation(files, question):
    """The messages of a line: its questions, the earlier ones with their true answers, the images with the first."""
    turns = question.split(" >> ")
    msgs = []
    for k, q in enumerate(turns):
        msgs.append({"role": "user", "content": q, "images": len(files) if k == 0 else 0})
        if k + 1 < len(turns):
            msgs.append({"role": "assistant", "content": truth(files, q)})
    return msgs


def truth(files, q):
    return next(a for f, qq, a in QUESTIONS if f == files and qq == q)


def main(model_dir):
    torch.set_num_threads(1)
    out = os.path.join(model_dir, "examples")
    os.makedirs(out, exist_ok=True)
    for name, (px, scene) in SCENES.items():
        w, h = px if isinstance(px, tuple) else (px, px)
        world.render(scene, w, h).save(os.path.join(out, name), optimize=True)
    tok = load_tokenizer()
    model = load_checkpoint(model_dir) if os.path.exists(os.path.join(model_dir, "model.safetensors")) else None
    lines = ["# MM1 chat format: <s>Question: {question}\\n<image>...<image>\\nAnswer:  (one <image> per image;",
             "# a follow-up: ... Answer: {answer}</s>\\nQuestion: {question}\\nAnswer:), tools/demo/chat.py",
             "# line format: images | question (Q1 >> Q2: a follow-up) | expected answer | PyTorch greedy answer", ""]
    for files, q, a in QUESTIONS:
        got = ""
        if model is not None:
            pix = torch.stack([pixels(os.path.join(out, f)) for f in files])
            new = generate(model, tok.encode(chat.render_chat(conversation(files, q), bos="")), pix, 64, tok.eos_id)
            got = tok.decode([i for i in new if i != tok.eos_id]).strip()
        lines.append(f"{' '.join(files)} | {q} | {a} | {got}")
    with open(os.path.join(out, "questions.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else MODEL_DIR)
