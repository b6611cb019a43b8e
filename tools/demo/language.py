"""Words for the intents of world.py: paraphrases, British/American spelling, letter case, punctuation and
whitespace, and questions from outside the world (answered with world.FALLBACK).

A question is phrase(rng, intent, style): template 0 of each intent is the canonical wording (the one of the
first demo model, e.g. "What colour is the star?"); a style picks the template and the surface form:
    para     template index (None: drawn, 0 = canonical)
    spelling 'uk' (colour, centre) or 'us' (color, center)
    case     'sentence' (as written), 'lower', 'upper', 'title'
    punct    'keep', 'none' (final mark dropped), 'extra' ('??', ' ?', '?!', ...)
    space    'plain', 'extra' (double spaces or tabs inside, spaces around)
VARIANTS names the single-change styles that the evaluation reports one by one.
"""
from world import COLOUR_NAMES, NUMBERS, PLURAL, POSITIONS, SHAPES

NOUNS = ["shapes", "objects", "things", "items"]  # "how many shapes": the words for all objects
POSITION_WORDS = {
    "top left": ["top left", "top-left", "upper left", "top left corner"],
    "top": ["top", "top middle", "top edge"],
    "top right": ["top right", "top-right", "upper right", "top right corner"],
    "left": ["left", "left side", "middle left"],
    "center": ["center", "middle"],
    "right": ["right", "right side", "middle right"],
    "bottom left": ["bottom left", "bottom-left", "lower left", "bottom left corner"],
    "bottom": ["bottom", "bottom middle", "bottom edge"],
    "bottom right": ["bottom right", "bottom-right", "lower right", "bottom right corner"],
}

# {s} shape, {ss} plural shape, {c} colour, {p} position, {n} noun for all objects; 'colour' and 'centre'
# are written British and respelled for 'us'.
TEMPLATES = {
    "caption": ["Describe the image.", "Describe this image.", "Describe the picture.", "Describe this picture.",
                "What is in the picture?", "What is in the image?", "What's in the picture?",
                "What's in this image?", "What do you see?", "What can you see in the image?",
                "What does the image show?", "What is shown in the picture?", "Tell me what you see.",
                "Caption this image.", "Give a description of the image.", "Can you describe the image?",
                "Please describe the picture.", "What is on the picture?"],
    "count_shape": ["How many {ss} are there?", "How many {ss} do you see?", "How many {ss} can you see?",
                    "How many {ss} are in the image?", "How many {ss} are in the picture?",
                    "How many {ss} are there in the image?", "Count the {ss}.", "What is the number of {ss}?",
                    "How many {ss} does the image have?", "How many {ss} does the picture contain?",
                    "Number of {ss}?", "How many {ss} are shown?"],
    "count_colour": ["How many {c} shapes are there?", "How many {c} {n} do you see?",
                     "How many {c} {n} can you see?", "How many {c} {n} are in the image?",
                     "How many {c} {n} are there?", "Count the {c} {n}.", "What is the number of {c} {n}?",
                     "How many {n} are {c}?", "How many {c} {n} does the picture contain?",
                     "How many {n} have the colour {c}?"],
    "count_all": ["How many shapes are there?", "How many {n} do you see?", "How many {n} can you see?",
                  "How many {n} are in the image?", "How many {n} are there?", "Count the {n}.",
                  "What is the number of {n}?", "How many {n} are in the picture?",
                  "How many {n} does the image contain?", "How many {n} are shown?"],
    "colour": ["What colour is the {s}?", "What colour is the {s} in the image?", "What's the colour of the {s}?",
               "What is the colour of the {s}?", "Which colour is the {s}?", "What colour does the {s} have?",
               "The {s} is what colour?", "Tell me the colour of the {s}.", "What colour is the {s} in the picture?",
               "Which colour does the {s} have?"],
    "where_shape": ["Where is the {s}?", "Where's the {s}?", "Where is the {s} located?",
                    "Where is the {s} in the image?", "Where can I find the {s}?", "Where do you see the {s}?",
                    "In which part of the image is the {s}?", "What is the position of the {s}?",
                    "Where is the {s} placed?", "Where in the picture is the {s}?"],
    "what_at": ["What is at the {p}?", "What's at the {p}?", "What is in the {p}?", "What is at the {p} of the image?",
                "What do you see at the {p}?", "What is shown at the {p}?", "Which shape is at the {p}?",
                "What can you see in the {p}?", "What is in the {p} of the picture?", "What's in the {p}?"],
    "yesno": ["Is there a {c} {s}?", "Is there a {c} {s} in the image?", "Is there any {c} {s}?",
              "Do you see a {c} {s}?", "Can you see a {c} {s}?", "Does the image contain a {c} {s}?",
              "Does the picture have a {c} {s}?", "Is a {c} {s} in the picture?", "Are there any {c} {ss}?",
              "Is there at least one {c} {s}?", "Is there a {s} that is {c}?", "Is there a {c} {s} in the picture?"],
    "compare_more": ["Which image has more shapes?", "Which picture has more {n}?", "Which of the two images has more {n}?",
                     "Which image contains more {n}?", "Which image has more {n}?", "Which image shows more {n}?",
                     "Which one has more {n}?", "In which image are there more {n}?"],
    "compare_has": ["Which image has a {s}?", "Which picture has a {s}?", "Which image contains a {s}?",
                    "Which image shows a {s}?", "In which image is there a {s}?", "Which of the images has a {s}?",
                    "Which one has a {s}?", "Which of the two pictures contains a {s}?"],
}

VARIANTS = ["canonical", "paraphrase", "us-spelling", "lower", "upper", "title", "no-punct", "extra-punct",
            "whitespace"]
CANONICAL = {"para": 0, "spelling": "uk", "case": "sentence", "punct": "keep", "space": "plain"}


def variant_style(variant):
    """The style of one evaluation variant: the canonical style with one change."""
    s = dict(CANONICAL)
    change = {"paraphrase": ("para", None), "us-spelling": ("spelling", "us"), "lower": ("case", "lower"),
              "upper": ("case", "upper"), "title": ("case", "title"), "no-punct": ("punct", "none"),
              "extra-punct": ("punct", "extra"), "whitespace": ("space", "extra")}
    if variant != "canonical":
        k, v = change[variant]
        s[k] = v
        if variant == "paraphrase":
            s["nonzero"] = True
    return s


def random_style(rng):
    """The training mixture of styles (every change also in combination with the others)."""
    return {"para": 0 if rng.random() < 0.25 else None,
            "spelling": "us" if rng.random() < 0.5 else "uk",
            "case": rng.choices(["sentence", "lower", "upper", "title"], [0.55, 0.2, 0.1, 0.15])[0],
            "punct": rng.choices(["keep", "none", "extra"], [0.65, 0.15, 0.2])[0],
            "space": "extra" if rng.random() < 0.2 else "plain"}


def phrase(rng, intent, style, offworld_text=None):
    """The question for an intent, in the given style."""
    kind = intent[0]
    if kind == "offworld":
        text = offworld_text if offworld_text is not None else offworld(rng)
        if style.get("spelling") == "us":
            text = text.replace("colour", "color").replace("favourite", "favorite")
        return surface(rng, text, style)
    temps = TEMPLATES[kind]
    para = style.get("para")
    if para is None:
        para = rng.randrange(1 if style.get("nonzero") else 0, len(temps)) if len(temps) > 1 else 0
    t = temps[para]
    canonical = para == 0
    slots = {"n": "shapes" if canonical else rng.choice(NOUNS)}
    if kind in ("count_shape", "colour", "where_shape", "compare_has"):
        slots["s"], slots["ss"] = intent[1], PLURAL[intent[1]]
    elif kind == "count_colour":
        slots["c"] = intent[1]
    elif kind == "yesno":
        slots["c"], slots["s"], slots["ss"] = intent[1], intent[2], PLURAL[intent[2]]
    elif kind == "what_at":
        name = POSITIONS[intent[1]]
        slots["p"] = name if canonical else rng.choice(POSITION_WORDS[name])
    q = t.format(**slots)
    if style.get("spelling") == "us":
        q = q.replace("colour", "color")
    else:
        q = q.replace("center", "centre")
    return surface(rng, q, style)


def surface(rng, q, style):
    """Case, punctuation and whitespace of a question."""
    if style.get("punct") == "none":
        q = q.rstrip("?.!")
    elif style.get("punct") == "extra":
        if q.endswith("?"):
            q = q[:-1] + rng.choice(["??", " ?", "?!", "???", "?.", " ? "])
        elif q.endswith("."):
            q = q[:-1] + rng.choice(["!", "..", " .", "...", "!!"])
        else:
            q = q + rng.choice(["?", "!", "."])
    case = style.get("case")
    if case == "lower":
        q = q.lower()
    elif case == "upper":
        q = q.upper()
    elif case == "title":
        q = " ".join(w[:1].upper() + w[1:] for w in q.split(" "))
    if style.get("space") == "extra":
        words = q.split(" ")
        for _ in range(rng.randint(1, 2)):
            if len(words) > 1:
                i = rng.randrange(1, len(words))
                words[i] = rng.choice([" ", "  ", "\t"]) + words[i]  # joined by " ": a double space, " \t", ...
        q = " ".join(words)
        q = rng.choice(["", " ", "  ", "\n", "\t"]) + q + rng.choice(["", " ", "  ", "\n", " \n"])
    return q


# ---------------------------------------------------------------------------------------------
# Questions from outside the world

COUNTRIES = ["France", "Spain", "Japan", "Brazil", "Canada", "Italy", "Egypt", "Kenya", "India", "Norway",
             "Peru", "Germany", "Australia", "Mexico", "China", "Poland"]
THINGS = ["dogs", "cats", "cars", "trees", "houses", "people", "birds", "apples", "flowers", "books", "chairs",
          "phones", "cups", "horses", "boats", "trains", "planes", "bananas", "bicycles", "windows", "fish"]
THING = {"people": "person", "fish": "fish", "boats": "boat", "cups": "cup", "bananas": "banana",
         "bicycles": "bicycle"}
TOPICS = ["the sea", "love", "winter", "my cat", "the moon landing", "coffee", "friendship", "the city", "rain",
          "football", "history", "music", "robots", "autumn"]
LANGS = ["French", "German", "Spanish", "Italian", "Japanese", "Dutch"]
WORDS = ["hello", "thank you", "good morning", "cheese", "house", "water", "bread", "goodbye"]
PEOPLE = ["Shakespeare", "Einstein", "Mozart", "Napoleon", "Marie Curie", "Picasso", "Newton", "Cleopatra"]
CONCEPTS = ["gravity", "photosynthesis", "inflation", "a black hole", "democracy", "machine learning", "DNA",
            "electricity", "a volcano", "the internet", "an atom", "evolution"]
FEELINGS = ["happy", "sad", "angry", "tired", "hungry", "friendly", "alive", "beautiful"]

OFFWORLD = [
    "What is the capital of {country}?", "Who wrote {book}?", "When was {person} born?", "Who was {person}?",
    "What is {a} plus {b}?", "What is {a} times {b}?", "How much is {a} minus {b}?", "What is the weather like today?",
    "What time is it?", "Tell me a joke.", "Write a poem about {topic}.", "Write a story about {topic}.",
    "Translate '{word}' into {lang}.", "How do you say {word} in {lang}?", "Who are you?", "What is your name?",
    "Hello!", "Hi", "Hi there", "How are you?", "Good morning!", "Thanks!", "Thank you.", "What is the meaning of life?",
    "Can you help me with my homework?", "Recommend a good movie.", "What should I cook for dinner?",
    "How do I bake bread?", "Explain {concept}.", "What is {concept}?", "Why is the sky blue?",
    "How many {things} are there?", "How many {things} do you see?", "Is there a {thing} in the image?",
    "What colour is the {thing}?", "Where is the {thing}?", "What is the {thing} doing?", "Is the {s} {feeling}?",
    "Why is the {s} {c}?", "Who drew this picture?", "Who made this image?", "Where was this photo taken?",
    "Is this a photo of {country}?", "What year is it?", "Can you play chess?", "What is your favourite {fav}?",
    "Do you like {topic}?", "Tell me about {person}.", "How far is the moon?", "What is the biggest animal?",
    "How old are you?", "What does the {s} think?", "Would you eat the {s}?", "Is the {s} expensive?",
    "What is {country} famous for?", "Summarize {book}.", "Which is better, {things} or {things2}?",
    "I like {topic}.", "The weather is nice today.", "Please list three {things}.", "What is the square root of {a}?",
    "Who won the world cup?", "Sing a song.", "What is love?", "Can I trust you?", "What is 2+2?", "asdf",
    "Is it going to rain tomorrow?", "What smell does the {s} have?", "How heavy is the {s}?",
]
BOOKS = ["Hamlet", "Don Quixote", "War and Peace", "Moby Dick", "The Odyssey", "Pride and Prejudice"]
FAVS = ["food", "colour", "song", "book", "animal", "city"]


def offworld(rng):
    """A question from outside the world (general knowledge, chat, other objects, feelings of shapes,
    gibberish)."""
    if rng.random() < 0.06:  # gibberish
        letters = "abcdefghijklmnopqrstuvwxyz"
        return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 7)))
                        for _ in range(rng.randint(1, 4))) + rng.choice(["", "?", "."])
    t = rng.choice(OFFWORLD)
    things = rng.choice(THINGS)
    return t.format(country=rng.choice(COUNTRIES), book=rng.choice(BOOKS), person=rng.choice(PEOPLE),
                    a=rng.randint(0, 99), b=rng.randint(0, 99), topic=rng.choice(TOPICS), word=rng.choice(WORDS),
                    lang=rng.choice(LANGS), concept=rng.choice(CONCEPTS), things=things,
                    things2=rng.choice([t2 for t2 in THINGS if t2 != things]),
                    thing=THING.get(things, things[:-1]), s=rng.choice(SHAPES), c=rng.choice(COLOUR_NAMES),
                    feeling=rng.choice(FEELINGS), fav=rng.choice(FAVS))


def vocabulary_texts():
    """Every template with every filler once (for the tokenizer's corpus)."""
    out = []
    for kind, temps in TEMPLATES.items():
        for t in temps:
            out.append(t)
    out += OFFWORLD + COUNTRIES + THINGS + TOPICS + LANGS + WORDS + PEOPLE + CONCEPTS + FEELINGS + BOOKS + FAVS
    out += [w for ws in POSITION_WORDS.values() for w in ws] + NOUNS + NUMBERS + SHAPES + list(PLURAL.values())
    out += COLOUR_NAMES + ["colour", "color", "centre", "center"]
    return out

