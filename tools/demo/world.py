"""The synthetic visual world of the demo model: flat shapes on a 3x3 grid, and what can be asked about them.

A scene is a list of 1-6 objects, each in its own cell of a 3x3 grid laid over the canvas (any aspect ratio:
the grid is stretched, the shapes keep their proportions: their size follows the shorter side of a cell).
Shapes: circle, square, triangle, star, cross; colours: red, green, blue, yellow, purple.

A question is an *intent* (what is asked, e.g. ("count_shape", "star")) with its answer, computed from the
scenes; language.py turns an intent into words (paraphrases, spelling, case, punctuation, whitespace) and
chat.py renders conversations in the MM1 chat format. Answers use one fixed grammar (exact match):
    caption   'a red circle at the top left, a blue square at the center and a yellow star at the bottom right'
    count     'zero' ... 'six'
    colour    'red' ... 'purple', 'none' (no such shape)
    where     'top left' ... (where is the star?), 'a red circle' / 'nothing' (what is at the top left?)
    yesno     'yes', 'no'
    compare   'the first', 'the second', 'both', 'neither' (two images)
    offworld  FALLBACK, for any question outside this world
"""
import math

from PIL import Image, ImageDraw

SHAPES = ["circle", "square", "triangle", "star", "cross"]
PLURAL = {"circle": "circles", "square": "squares", "triangle": "triangles", "star": "stars",
          "cross": "crosses"}
COLOURS = {"red": (220, 30, 30), "green": (20, 150, 40), "blue": (30, 70, 230),
           "yellow": (235, 195, 0), "purple": (150, 40, 190)}
COLOUR_NAMES = list(COLOURS)
POSITIONS = ["top left", "top", "top right", "left", "center", "right",
             "bottom left", "bottom", "bottom right"]
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six"]
MAX_OBJECTS = 6
CATEGORIES = ["caption", "count", "colour", "where", "yesno", "compare", "offworld"]
FALLBACK = "I can only answer questions about shapes and colours."
# canvas aspect ratios (width / height) besides square; shapes keep their proportions on them
ASPECTS = [4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3, 9 / 16]


# ---------------------------------------------------------------------------------------------
# Scenes and rendering

def random_scene(rng, n=None, fixed=()):
    """A scene: list of objects {cell, shape, colour, size, dx, dy}; `fixed` = (shape, colour) pairs that
    must appear; the rest is drawn at random. n = number of objects (1-6)."""
    n = n if n is not None else rng.randint(1, MAX_OBJECTS)
    cells = rng.sample(range(9), n)
    kinds = list(fixed) + [(rng.choice(SHAPES), rng.choice(COLOUR_NAMES)) for _ in range(n - len(fixed))]
    rng.shuffle(kinds)
    return [{"cell": c, "shape": s, "colour": col, "size": rng.uniform(0.62, 0.9),
             "dx": rng.uniform(-1, 1), "dy": rng.uniform(-1, 1)}
            for c, (s, col) in zip(cells, kinds)]


def canvas(rng, sizes, square=0.5):
    """A canvas size (w, h): the longer side from `sizes`, square with probability `square`, else one of
    ASPECTS."""
    long_side = rng.choice(sizes)
    if rng.random() < square:
        return long_side, long_side
    a = rng.choice(ASPECTS)
    return (long_side, max(1, round(long_side / a))) if a >= 1 else (max(1, round(long_side * a)), long_side)


def canvas_kind(w, h):
    return "square" if w == h else ("wide" if w > h else "tall")


def _star(cx, cy, r):
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def render(scene, w=84, h=None):
    """Draw the scene on a white w x h canvas (h = w if None); the model squash-resizes it to its input."""
    h = w if h is None else h
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    cw, ch = w / 3, h / 3
    for o in scene:
        size = o["size"] * min(cw, ch)
        cx = (o["cell"] % 3 + 0.5) * cw + o["dx"] * (cw - size) / 2 * 0.9
        cy = (o["cell"] // 3 + 0.5) * ch + o["dy"] * (ch - size) / 2 * 0.9
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
# Answers of intents

def describe(o):
    return f"a {o['colour']} {o['shape']}"


def caption(scene):
    """Reading order (cell index), fixed grammar: 'a red circle at the top left, a blue square at the center
    and a green star at the bottom right'."""
    parts = [f"{describe(o)} at the {POSITIONS[o['cell']]}" for o in sorted(scene, key=lambda o: o["cell"])]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def answer(intent, scenes):
    """The answer to an intent about these scenes (None when the question does not apply, e.g. 'what colour
    is the star' with two stars)."""
    kind, args = intent[0], intent[1:]
    if kind == "offworld":
        return FALLBACK
    if kind.startswith("compare"):
        if len(scenes) != 2:
            return None
        if kind == "compare_more":
            a, b = len(scenes[0]), len(scenes[1])
            return None if a == b else ("the first" if a > b else "the second")
        has = [any(o["shape"] == args[0] for o in s) for s in scenes]
        return {(True, False): "the first", (False, True): "the second", (True, True): "both",
                (False, False): "neither"}[tuple(has)]
    if len(scenes) != 1:
        return None
    scene = scenes[0]
    if kind == "caption":
        return caption(scene)
    if kind == "count_shape":
        return NUMBERS[sum(o["shape"] == args[0] for o in scene)]
    if kind == "count_colour":
        return NUMBERS[sum(o["colour"] == args[0] for o in scene)]
    if kind == "count_all":
        return NUMBERS[len(scene)]
    if kind in ("colour", "where_shape"):
        objs = [o for o in scene if o["shape"] == args[0]]
        if len(objs) > 1 or (kind == "where_shape" and not objs):
            return None
        if not objs:
            return "none"
        return objs[0]["colour"] if kind == "colour" else POSITIONS[objs[0]["cell"]]
    if kind == "what_at":
        obj = next((o for o in scene if o["cell"] == args[0]), None)
        return describe(obj) if obj else "nothing"
    if kind == "yesno":
        return "yes" if any(o["colour"] == args[0] and o["shape"] == args[1] for o in scene) else "no"
    raise ValueError(f"unknown intent {intent!r}")


def category(intent):
    k = intent[0]
    if k.startswith("count"):
        return "count"
    if k in ("where_shape", "what_at"):
        return "where"
    if k.startswith("compare"):
        return "compare"
    return k


def cell_match(intent, scene):
    """Per grid cell, whether it is what the intent asks about (1), not (0): a training signal for the image
    positions that follow the question. None for intents without one."""
    kind, args = intent[0], intent[1:]
    cells = {o["cell"]: o for o in scene}

    def m(f):
        return [1 if c in cells and f(cells[c]) else 0 for c in range(9)]
    if kind in ("caption", "count_all", "compare_more"):
        return m(lambda o: True)
    if kind in ("count_shape", "colour", "where_shape", "compare_has"):
        return m(lambda o: o["shape"] == args[0])
    if kind == "count_colour":
        return m(lambda o: o["colour"] == args[0])
    if kind == "yesno":
        return m(lambda o: o["colour"] == args[0] and o["shape"] == args[1])
    if kind == "what_at":
        return [1 if c == args[0] else 0 for c in range(9)]
    return [0] * 9


# ---------------------------------------------------------------------------------------------
# First questions: the scenes are drawn for the question, so that answers are balanced

def _other_shapes(rng, k, exclude):
    return [(rng.choice([s for s in SHAPES if s != exclude]), rng.choice(COLOUR_NAMES)) for _ in range(k)]


def make_caption(rng):
    return [random_scene(rng)], ("caption",)


def make_count(rng):
    kind = rng.random()
    c = rng.randint(0, MAX_OBJECTS)
    if kind < 0.55:  # a shape, counts 0-6 balanced
        shape = rng.choice(SHAPES)
        n = rng.randint(max(1, c), MAX_OBJECTS)
        fixed = [(shape, rng.choice(COLOUR_NAMES)) for _ in range(c)] + _other_shapes(rng, n - c, shape)
        return [random_scene(rng, n, fixed)], ("count_shape", shape)
    if kind < 0.8:  # a colour
        col = rng.choice(COLOUR_NAMES)
        n = rng.randint(max(1, c), MAX_OBJECTS)
        fixed = [(rng.choice(SHAPES), col) for _ in range(c)] + [
            (rng.choice(SHAPES), rng.choice([x for x in COLOUR_NAMES if x != col])) for _ in range(n - c)]
        return [random_scene(rng, n, fixed)], ("count_colour", col)
    return [random_scene(rng, max(1, c))], ("count_all",)


def make_colour(rng):
    shape = rng.choice(SHAPES)
    n = rng.randint(1, MAX_OBJECTS)
    if rng.random() < 0.2:  # absent shape
        return [random_scene(rng, n, _other_shapes(rng, n, shape))], ("colour", shape)
    fixed = [(shape, rng.choice(COLOUR_NAMES))] + _other_shapes(rng, n - 1, shape)
    return [random_scene(rng, n, fixed)], ("colour", shape)


def make_where(rng):
    if rng.random() < 0.5:  # where is a (unique) shape
        shape, n = rng.choice(SHAPES), rng.randint(1, MAX_OBJECTS)
        fixed = [(shape, rng.choice(COLOUR_NAMES))] + _other_shapes(rng, n - 1, shape)
        return [random_scene(rng, n, fixed)], ("where_shape", shape)
    scene = random_scene(rng)
    cell = rng.choice([o["cell"] for o in scene]) if rng.random() < 0.75 else rng.randrange(9)
    return [scene], ("what_at", cell)


def make_yesno(rng):
    """Half yes, half no; the no scenes hold the shape in other colours, the colour on other shapes, or both
    on different objects, so that only binding shape and colour to one object answers right."""
    shape, col, n = rng.choice(SHAPES), rng.choice(COLOUR_NAMES), rng.randint(1, MAX_OBJECTS)

    def other_shape():
        return rng.choice([s for s in SHAPES if s != shape])

    def other_colour():
        return rng.choice([c for c in COLOUR_NAMES if c != col])

    if rng.random() < 0.5:
        fixed = [(shape, col)]
        if n > 1 and rng.random() < 0.5:
            fixed.append((shape, other_colour()) if rng.random() < 0.5 else (other_shape(), col))
        rest = [(rng.choice(SHAPES), rng.choice(COLOUR_NAMES)) for _ in range(n - len(fixed))]
        return [random_scene(rng, n, fixed + rest)], ("yesno", col, shape)
    kind = rng.randrange(3)
    if kind == 0:
        fixed = [(shape, other_colour())]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if c != col]
    elif kind == 1:
        fixed = [(other_shape(), col)]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if s != shape]
    else:
        n = max(n, 2)
        fixed = [(shape, other_colour()), (other_shape(), col)]
        pool = [(s, c) for s in SHAPES for c in COLOUR_NAMES if (s, c) != (shape, col)]
    rest = [rng.choice(pool) for _ in range(n - len(fixed))]
    return [random_scene(rng, n, fixed + rest)], ("yesno", col, shape)


def make_compare(rng):
    if rng.random() < 0.5:
        a, b = rng.sample(range(1, MAX_OBJECTS + 1), 2)
        return [random_scene(rng, a), random_scene(rng, b)], ("compare_more",)
    shape = rng.choice(SHAPES)
    scenes = []
    for has in (rng.random() < 0.5, rng.random() < 0.5):
        n = rng.randint(1, MAX_OBJECTS)
        fixed = ([(shape, rng.choice(COLOUR_NAMES))] if has else []) + _other_shapes(rng, n - has, shape)
        scenes.append(random_scene(rng, n, fixed))
    return scenes, ("compare_has", shape)


def make_offworld(rng):
    """An off-world question, with one image (60 %), two (10 %) or none."""
    r = rng.random()
    k = 1 if r < 0.6 else (2 if r < 0.7 else 0)
    return [random_scene(rng) for _ in range(k)], ("offworld",)


MAKERS = {"caption": make_caption, "count": make_count, "colour": make_colour, "where": make_where,
          "yesno": make_yesno, "compare": make_compare, "offworld": make_offworld}


def make_first(rng, cat):
    """(scenes, intent) for a first question of category `cat`."""
    return MAKERS[cat](rng)


# ---------------------------------------------------------------------------------------------
# Follow-up questions: asked about given scenes (answers as balanced as the scenes allow)

def ask(rng, cat, scenes):
    """An intent of category `cat` about these scenes, or None when none applies."""
    if cat == "offworld":
        return ("offworld",)
    if cat == "compare":
        if len(scenes) != 2:
            return None
        if rng.random() < 0.4 and len(scenes[0]) != len(scenes[1]):
            return ("compare_more",)
        return ("compare_has", rng.choice(SHAPES))
    if len(scenes) != 1:
        return None
    scene = scenes[0]
    present = sorted({o["shape"] for o in scene})
    if cat == "caption":
        return ("caption",)
    if cat == "count":
        r = rng.random()
        if r < 0.45:
            return ("count_shape", rng.choice(present) if rng.random() < 0.75 else rng.choice(SHAPES))
        if r < 0.75:
            cols = sorted({o["colour"] for o in scene})
            return ("count_colour", rng.choice(cols) if rng.random() < 0.75 else rng.choice(COLOUR_NAMES))
        return ("count_all",)
    unique = [s for s in present if sum(o["shape"] == s for o in scene) == 1]
    absent = [s for s in SHAPES if s not in present]
    if cat == "colour":
        pool = unique if (unique and (rng.random() < 0.8 or not absent)) else absent
        return ("colour", rng.choice(pool)) if pool else None
    if cat == "where":
        if unique and rng.random() < 0.5:
            return ("where_shape", rng.choice(unique))
        cells = [o["cell"] for o in scene]
        return ("what_at", rng.choice(cells) if rng.random() < 0.75 else rng.randrange(9))
    if cat == "yesno":
        o = rng.choice(scene)
        if rng.random() < 0.5:
            return ("yesno", o["colour"], o["shape"])
        misses = [(c, s) for s in SHAPES for c in COLOUR_NAMES
                  if not any(p["shape"] == s and p["colour"] == c for p in scene)
                  and (s == o["shape"] or c == o["colour"])]
        c, s = rng.choice(misses) if misses else (rng.choice(COLOUR_NAMES), rng.choice(SHAPES))
        return ("yesno", c, s)
    raise ValueError(f"unknown category {cat!r}")
