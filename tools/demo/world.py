"""The synthetic visual world of the demo model: flat shapes on a 3x3 grid, with text about them.

An image is a white square split into a 3x3 grid of cells; each of 1-4 shapes sits in its own
cell (jittered, several sizes). Shapes: circle, square, triangle, star, cross; colours: red, green,
blue, yellow, purple. The text uses one fixed grammar so that answers can be checked by exact match.

Prompt format ("MM1 plain format", BOS added by the tokenizer): the question first, then one
`<image>` per image, then "Answer:". The question comes before the images so that, under causal
attention, every image position can already match itself against what is asked (a small decoder
trained for an hour on a CPU learns yes/no, colour and counting questions far faster that way).
    Question: How many triangles are there?\n<image>\nAnswer:      -> " two" + EOS
    Question: Which image has more shapes?\n<image><image>\nAnswer: -> " the first" + EOS
"""
import random

from PIL import Image, ImageDraw

SHAPES = ["circle", "square", "triangle", "star", "cross"]
PLURAL = {"circle": "circles", "square": "squares", "triangle": "triangles", "star": "stars",
          "cross": "crosses"}
COLOURS = {"red": (220, 30, 30), "green": (20, 150, 40), "blue": (30, 70, 230),
           "yellow": (235, 195, 0), "purple": (150, 40, 190)}
COLOUR_NAMES = list(COLOURS)
POSITIONS = ["top left", "top", "top right", "left", "center", "right",
             "bottom left", "bottom", "bottom right"]
NUMBERS = ["zero", "one", "two", "three", "four"]
CATEGORIES = ["caption", "count", "colour", "where", "yesno", "compare"]


# ---------------------------------------------------------------------------------------------
# Scenes and rendering

def random_scene(rng, n=None, fixed=()):
    """A scene: list of objects {cell, shape, colour, size, dx, dy}; `fixed` = (shape, colour)
    pairs that must appear; the rest is drawn at random. n = number of objects (1-4)."""
    n = n if n is not None else rng.randint(1, 4)
    cells = rng.sample(range(9), n)
    kinds = list(fixed) + [(rng.choice(SHAPES), rng.choice(COLOUR_NAMES))
                           for _ in range(n - len(fixed))]
    rng.shuffle(kinds)
    return [{"cell": c, "shape": s, "colour": col, "size": rng.uniform(0.62, 0.9),
             "dx": rng.uniform(-1, 1), "dy": rng.uniform(-1, 1)}
            for c, (s, col) in zip(cells, kinds)]


def _star(cx, cy, r):
    import math
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def render(scene, px=84):
    """Draw the scene at px x px (any size; the model resizes to its image_size)."""
    img = Image.new("RGB", (px, px), (255, 255, 255))
    d = ImageDraw.Draw(img)
    cell = px / 3
    for o in scene:
        size = o["size"] * cell
        slack = (cell - size) / 2 * 0.9
        cx = (o["cell"] % 3 + 0.5) * cell + o["dx"] * slack
        cy = (o["cell"] // 3 + 0.5) * cell + o["dy"] * slack
        r = size / 2
        fill = COLOURS[o["colour"]]
        s = o["shape"]
        if s == "circle":
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        elif s == "square":
            q = r * 0.88
            d.rectangle([cx - q, cy - q, cx + q, cy + q], fill=fill)
        elif s == "triangle":
            d.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=fill)
        elif s == "star":
            d.polygon(_star(cx, cy + r * 0.08, r * 1.05), fill=fill)
        elif s == "cross":
            t = r * 0.36
            d.rectangle([cx - r, cy - t, cx + r, cy + t], fill=fill)
            d.rectangle([cx - t, cy - r, cx + t, cy + r], fill=fill)
    return img


def cell_targets(scene):
    """Dense labels per grid cell (row-major): shape index+1 (0 = empty), colour index (-1)."""
    shape, colour = [0] * 9, [-1] * 9
    for o in scene:
        shape[o["cell"]] = SHAPES.index(o["shape"]) + 1
        colour[o["cell"]] = COLOUR_NAMES.index(o["colour"])
    return shape, colour


# ---------------------------------------------------------------------------------------------
# Text

def describe(o):
    return f"a {o['colour']} {o['shape']}"


def caption(scene):
    """Reading order (cell index), fixed grammar: 'a red circle at the top left, a blue square at
    the center and a green star at the bottom right'."""
    parts = [f"{describe(o)} at the {POSITIONS[o['cell']]}" for o in sorted(scene, key=lambda o: o["cell"])]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _other_shapes(rng, k, exclude):
    return [(rng.choice([s for s in SHAPES if s != exclude]), rng.choice(COLOUR_NAMES))
            for _ in range(k)]


def make_caption(rng):
    scene = random_scene(rng)
    return [scene], "Describe the image.", caption(scene)


def make_count(rng):
    kind = rng.random()
    if kind < 0.6:  # a shape, counts 0-4 balanced
        shape, c = rng.choice(SHAPES), rng.randint(0, 4)
        n = rng.randint(max(1, c), 4)
        fixed = [(shape, rng.choice(COLOUR_NAMES)) for _ in range(c)] + _other_shapes(rng, n - c, shape)
        scene = random_scene(rng, n, fixed)
        return [scene], f"How many {PLURAL[shape]} are there?", NUMBERS[c]
    if kind < 0.8:  # a colour, counts 0-4 balanced
        col, c = rng.choice(COLOUR_NAMES), rng.randint(0, 4)
        n = rng.randint(max(1, c), 4)
        fixed = [(rng.choice(SHAPES), col) for _ in range(c)] + [
            (rng.choice(SHAPES), rng.choice([x for x in COLOUR_NAMES if x != col])) for _ in range(n - c)]
        scene = random_scene(rng, n, fixed)
        return [scene], f"How many {col} shapes are there?", NUMBERS[c]
    scene = random_scene(rng)
    return [scene], "How many shapes are there?", NUMBERS[len(scene)]


def make_colour(rng):
    shape = rng.choice(SHAPES)
    n = rng.randint(1, 4)
    if rng.random() < 0.2:  # absent shape
        scene = random_scene(rng, n, _other_shapes(rng, n, shape))
        return [scene], f"What colour is the {shape}?", "none"
    col = rng.choice(COLOUR_NAMES)
    scene = random_scene(rng, n, [(shape, col)] + _other_shapes(rng, n - 1, shape))
    return [scene], f"What colour is the {shape}?", col


def make_where(rng):
    if rng.random() < 0.5:  # where is a (unique) shape
        shape, n = rng.choice(SHAPES), rng.randint(1, 4)
        scene = random_scene(rng, n, [(shape, rng.choice(COLOUR_NAMES))] + _other_shapes(rng, n - 1, shape))
        cell = next(o["cell"] for o in scene if o["shape"] == shape)
        return [scene], f"Where is the {shape}?", POSITIONS[cell]
    scene = random_scene(rng)
    cell = rng.choice([o["cell"] for o in scene]) if rng.random() < 0.75 else rng.randrange(9)
    obj = next((o for o in scene if o["cell"] == cell), None)
    return [scene], f"What is at the {POSITIONS[cell]}?", describe(obj) if obj else "nothing"


def make_yesno(rng):
    """Half yes, half no. Every answer needs the shape and the colour bound to one object: a yes
    scene often holds a near miss too, and the no scenes are, in equal parts, the shape in other
    colours only, the colour on other shapes only, and both on different objects ("a red circle and
    a blue star" for "a red star?"). Answering from the shape alone, the colour alone or "both words
    appear somewhere" is right at most 5/6 of the time."""
    shape, col, n = rng.choice(SHAPES), rng.choice(COLOUR_NAMES), rng.randint(1, 4)

    def other_shape():
        return rng.choice([s for s in SHAPES if s != shape])

    def other_colour():
        return rng.choice([c for c in COLOUR_NAMES if c != col])

    if rng.random() < 0.5:
        fixed = [(shape, col)]
        if n > 1 and rng.random() < 0.5:
            fixed.append((shape, other_colour()) if rng.random() < 0.5 else (other_shape(), col))
        rest = [(rng.choice(SHAPES), rng.choice(COLOUR_NAMES)) for _ in range(n - len(fixed))]
        return [random_scene(rng, n, fixed + rest)], f"Is there a {col} {shape}?", "yes"
    kind = rng.randrange(3)
    if kind == 0:  # the shape, never in this colour; the colour nowhere
        fixed = [(shape, other_colour())]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if c != col]
    elif kind == 1:  # the colour, never on this shape; the shape nowhere
        fixed = [(other_shape(), col)]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if s != shape]
    else:  # both, on different objects
        n = max(n, 2)
        fixed = [(shape, other_colour()), (other_shape(), col)]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if (s, c) != (shape, col)]
    rest = [rng.choice(pool) for _ in range(n - len(fixed))]
    return [random_scene(rng, n, fixed + rest)], f"Is there a {col} {shape}?", "no"


def make_compare(rng):
    if rng.random() < 0.5:
        a, b = rng.sample(range(1, 5), 2)
        s1, s2 = random_scene(rng, a), random_scene(rng, b)
        return [s1, s2], "Which image has more shapes?", "the first" if a > b else "the second"
    shape = rng.choice(SHAPES)
    has1, has2 = rng.random() < 0.5, rng.random() < 0.5
    scenes = []
    for has in (has1, has2):
        n = rng.randint(1, 4)
        fixed = ([(shape, rng.choice(COLOUR_NAMES))] if has else []) + _other_shapes(rng, n - has, shape)
        scenes.append(random_scene(rng, n, fixed))
    ans = {(1, 0): "the first", (0, 1): "the second", (1, 1): "both", (0, 0): "neither"}[(has1, has2)]
    return scenes, f"Which image has a {shape}?", ans


MAKERS = {"caption": make_caption, "count": make_count, "colour": make_colour,
          "where": make_where, "yesno": make_yesno, "compare": make_compare}


def make_example(rng, category):
    """Returns (scenes, question, answer)."""
    return MAKERS[category](rng)


def prompt_text(n_images, question):
    """The MM1 plain format prompt (without BOS, which the tokenizer adds)."""
    return f"Question: {question}\n" + "<image>" * n_images + "\nAnswer:"


def answer_text(answer):
    return " " + answer
