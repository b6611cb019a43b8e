"""A small byte-level BPE trainer and encoder that writes a Hugging Face `tokenizer.json`.

Conventions (those of GPT-2 / Llama 3 in the `tokenizers` library):
- added special tokens are split out of the text first (`<image>`, `<s>`, `</s>`, `<pad>`);
- the rest is pre-tokenized with the GPT-2 regex (ByteLevel pre-tokenizer, add_prefix_space
  false), each piece's UTF-8 bytes are mapped to printable characters (bytes_to_unicode);
- BPE merges are applied by rank (lowest rank first);
- a TemplateProcessing post-processor puts BOS `<s>` in front; EOS is not added.
Ids: 0 `<pad>`, 1 `<s>`, 2 `</s>`, 3..258 the 256 byte symbols (in byte order), then one id per
merge, and `<image>` last.
"""
import json
import re
from collections import Counter

SPECIALS = ["<pad>", "<s>", "</s>"]
IMAGE = "<image>"
# GPT-2's pattern; \p{L} -> [^\W\d_], \p{N} -> \d, [^\s\p{L}\p{N}] -> [^\s\w]|_ (exact for ASCII).
PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}


def pretokenize(text):
    return ["".join(BYTE_ENC[b] for b in piece.encode("utf-8")) for piece in PATTERN.findall(text)]


def train(texts, max_vocab=1024):
    """Learn merges until every word of the corpus is one token (or max_vocab is reached)."""
    words = Counter()
    for t in texts:
        for seg in _split_specials(t):
            if seg not in SPECIALS + [IMAGE]:
                words.update(pretokenize(seg))
    seqs = {w: list(w) for w in words}
    merges = []
    while len(SPECIALS) + 256 + len(merges) + 1 < max_vocab:
        pairs = Counter()
        for w, s in seqs.items():
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += words[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))  # most frequent, ties lexicographic
        merges.append(best)
        for w, s in seqs.items():
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


def _split_specials(text):
    pat = "(" + "|".join(re.escape(s) for s in SPECIALS + [IMAGE]) + ")"
    return [s for s in re.split(pat, text) if s]


class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        vocab = {s: i for i, s in enumerate(SPECIALS)}
        for b in range(256):
            vocab[BYTE_ENC[b]] = len(vocab)
        for a, b in self.merges:
            vocab.setdefault(a + b, len(vocab))
        vocab[IMAGE] = len(vocab)
        self.vocab = vocab
        self.inv = {i: s for s, i in vocab.items()}
        self.pad_id, self.bos_id, self.eos_id = 0, 1, 2
        self.image_id = vocab[IMAGE]

    @property
    def vocab_size(self):
        return len(self.vocab)

    def _bpe(self, word):
        parts = list(word)
        while len(parts) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts

    def encode(self, text, add_bos=True):
        ids = [self.bos_id] if add_bos else []
        for seg in _split_specials(text):
            if seg in self.vocab and seg in SPECIALS + [IMAGE]:
                ids.append(self.vocab[seg])
                continue
            for w in pretokenize(seg):
                ids.extend(self.vocab[p] for p in self._bpe(w))
        return ids

    def decode(self, ids, skip_special=True):
        out, buf = [], bytearray()
        for i in ids:
            s = self.inv[i]
            if s in SPECIALS or s == IMAGE:
                if not skip_special:
                    out.append(buf.decode("utf-8", "replace") + s)
                    buf = bytearray()
                continue
            buf.extend(BYTE_DEC[c] for c in s)
        out.append(buf.decode("utf-8", "replace"))
        return "".join(out)

    def to_hf_json(self):
        added = [{"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False,
                  "rstrip": False, "normalized": False, "special": True} for s in SPECIALS + [IMAGE]]
        bl = {"add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": dict(type="ByteLevel", **bl),
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "<s>", "type_id": 1}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [self.bos_id], "tokens": ["<s>"]}}},
            "decoder": dict(type="ByteLevel", **bl),
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": None, "end_of_word_suffix": None,
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False, indent=1)

    @staticmethod
    def load(path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in j["model"]["merges"]]
        tok = Tokenizer(merges)
        if tok.vocab != {k: v for k, v in j["model"]["vocab"].items()}:
            raise ValueError(f"{path}: vocabulary does not follow this trainer's layout")
        return tok
