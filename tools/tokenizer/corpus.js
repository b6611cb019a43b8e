// The text corpus the tokenizer fixtures are made from: hand-written cases for each thing a tokenizer can
// get wrong (scripts, emoji, code, whitespace runs, digits, contractions, special tokens inside text, edge
// cases), plus seeded random mixtures of them. Deterministic: the same list on every run.
'use strict';

// mulberry32: a small seeded PRNG, so the random part of the corpus is reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const latin = [
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.',
  'hello world',
  'Hello World HELLO WORLD hElLo WoRlD',
  '  leading spaces',
  ' one leading space',
  'trailing spaces   ',
  'trailing space ',
  'Ça va? Très bien, merci. Où est la bibliothèque?',
  'Grüße aus Köln: Straße, Maß, Fußgängerübergänge.',
  '¿Dónde está el baño? ¡Señor Muñoz!',
  'Tiếng Việt có dấu: Người ta nói rằng.',
  'Zażółć gęślą jaźń. Łódź.',
  'İstanbul ıslak ığdır; Ağaç ŞİŞLİ.',
  'Þetta er íslenska: ð, þ, æ.',
  'naïve café résumé coöperate façade',
  'e\u0301 versus é (combining acute vs precomposed)',
  'A\u030A vs \u00C5 vs \u212B (Angstrom sign)',
  'ﬁne ﬂour ﬀ ligatures; ½ ² ³ ⁴ Ⅻ ㎏',
  'Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ　１２３',
  'I\'m sure you\'re right, they\'ve said we\'ll go, he\'d know, it\'s John\'s.',
  'DON\'T YOU\'RE THEY\'VE WE\'LL HE\'D IT\'S I\'M',
  'don\'t Don\'T dOn\'t \'S \'s \'t \'re \'ve \'m \'ll \'d \'x',
  'It’s curly: don’t, can’t, won’t.',
  '\'\'s \'\'\' \'s\'s "quoted" \'single\'',
  'rock \'n\' roll, \'90s, O\'Brien, y\'all',
  '\'ſ \'K \'\u212A (long s and Kelvin sign after an apostrophe)',
  'e-mail: someone@example.com, https://example.org/path?q=1&r=two#frag',
  'Mr. Smith paid $3.50 for 2 apples & 1 pear (approx. 50% off!).',
  'snake_case camelCase PascalCase kebab-case SCREAMING_CASE',
  'a b c d e f g h i j k l m n o p q r s t u v w x y z',
  '...!!!???,,,;;;:::---___***',
  '-- dashes — em – en ‐ hyphen ‑ non-breaking',
  '«guillemets» „Anführungszeichen“ “smart quotes” ‘single’',
  'tab\tseparated\tvalues\there',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.',
];

const scripts = [
  '你好，世界！今天天气很好。',
  '我爱北京天安门，天安门上太阳升。',
  '中文和English混合text，还有123数字。',
  '日本語のテキスト：ひらがな、カタカナ、漢字。東京タワー',
  'ｶﾀｶﾅ半角とカタカナ全角',
  '한국어 텍스트입니다. 안녕하세요!',
  '\u1100\u1161\u11A8 (decomposed jamo) vs 각',
  'مرحبا بالعالم! هذه جملة عربية.',
  'العربية مع أرقام ١٢٣٤٥ وعلامات التشكيل: مُحَمَّد',
  'שלום עולם! זה משפט בעברית.',
  'नमस्ते दुनिया! यह हिंदी में एक वाक्य है।',
  'क्षत्रिय श्री ज्ञान द्वार',
  'বাংলা ভাষা সুন্দর।',
  'தமிழ் மொழி அழகானது.',
  'สวัสดีครับ นี่คือภาษาไทย',
  'Привет, мир! Это предложение на русском языке.',
  'Съешь же ещё этих мягких французских булок, да выпей чаю.',
  'Українська мова: ґанок, їжак, євро.',
  'Γειά σου Κόσμε! Ελληνικά: αβγδε ΑΒΓΔΕ.',
  'ქართული ენა',
  'Հայերեն լեզու',
  'አማርኛ ቋንቋ',
  'ᚠᚢᚦᚨᚱᚲ runes and 𐌰𐌱𐌲 gothic',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝓼𝓬𝓻𝓲𝓹𝓽 𝟙𝟚𝟛',
  '𠀀𠀁𠀂 CJK extension B characters',
  'Mixed: Hello 你好 مرحبا नमस्ते Привет שלום 안녕 こんにちは',
];

const emoji = [
  '😀😃😄😁😆😅😂🤣',
  'I love 🍕 and 🍣!',
  'family: 👨‍👩‍👧‍👦 couple: 👩‍❤️‍👨 technologist: 👩🏽‍💻',
  'skin tones: 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿',
  'flags: 🇺🇸 🇯🇵 🇫🇷 🇩🇪 🏴‍☠️ 🏳️‍🌈',
  'keycaps: 1️⃣ 2️⃣ #️⃣ *️⃣',
  'variation selectors: ☺️ ☺︎ ❤️ ❤',
  '🧑‍🤝‍🧑🧑🏿‍🤝‍🧑🏻',
  'emoji🙂glued🙃to👍words',
  '🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥',
  '⚡️✨🌟💫⭐',
  '©®™ ♠♣♥♦ ☀☁☂ ♻ ✓ ✗ → ← ↑ ↓ ⇒ ∀ ∃ ∑ ∫ √ ∞ ≠ ≤ ≥',
];

const code = [
  'def hello(name):\n    print(f"Hello, {name}!")\n    return None\n',
  'public static void main(String[] args) {\n\tSystem.out.println("hi");\n}\n',
  'for (int i = 0; i < n; i++) {\n\t\tsum += a[i] * b[i];\n\t}',
  '{"key": "value", "list": [1, 2, 3], "nested": {"a": null, "b": true}}',
  '<html>\n  <body>\n    <div class="main">Text &amp; more</div>\n  </body>\n</html>',
  '#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do\n  echo "$f" | wc -c\ndone\n',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;',
  'x = [i**2 for i in range(10) if i % 2 == 0]  # comment',
  'fn main() -> Result<(), Box<dyn Error>> { let v: Vec<u8> = vec![0xFF; 16]; Ok(()) }',
  'const f = async (x) => { await g(x?.y ?? 0); };',
  '    indented with four spaces\n        and eight\n\t\tand two tabs\n',
  'line1\r\nline2\r\nline3\r\n',
  'a\rb\rc',
  'if (a != b && c == d || !e) { return a <<= 2 >>> 1; }',
  '/* block comment */ // line comment\n#include <stdio.h>\n',
  '```python\nimport numpy as np\nnp.zeros((3, 3))\n```',
  '\\documentclass{article}\n\\begin{equation} E = mc^2 \\end{equation}',
  'regex: ^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$',
  'path\\to\\file.txt and C:\\Windows\\System32',
  '0x1F 0b1010 0o777 1e-10 3.14159f 1_000_000',
];

const whitespace = [
  ' ', '  ', '   ', '    ', '     ', '        ', ' '.repeat(16), ' '.repeat(33),
  '\n', '\n\n', '\n\n\n', '\n'.repeat(10), '\t', '\t\t\t', '\r\n', '\r\n\r\n', '\r',
  ' \n', '\n ', ' \n ', '  \n  \n  ', '\n \n \n', '\t \t \n\t', 'a  b   c    d     e',
  'word\n\nword\n\n\nword', 'end with newline\n', 'end with spaces and newline  \n', '\n\nstart with newlines',
  'spaces before punctuation    !', 'x \n\ty', 'tabs\t\t\tinside', ' \t\n\r\f\v mixed',
  'NBSP:\u00A0a\u00A0\u00A0b', 'ideographic:\u3000a\u3000\u3000b', 'en/em spaces:\u2002\u2003\u2009\u200A|',
  'line sep\u2028para sep\u2029next', 'NEL\u0085next', 'zero width\u200Bspace\u200C\u200Djoiner\u2060wj',
  'BOM\uFEFFinside', '\uFEFFBOM at start', 'narrow nbsp\u202Fand medium math\u205Fspace',
  'info separators\u001C\u001D\u001E\u001Fend', 'ogham\u1680space', 'vt\u000Bff\u000Cend',
];

const numbers = [];
for (let n = 1; n <= 25; n++) {
  let s = '';
  for (let i = 0; i < n; i++) s += String((i * 7 + n) % 10);
  numbers.push(s);
}
numbers.push(
  '0', '00', '007', '1234567890', '3.14159265358979', '-42', '+1 (555) 123-4567', '1,234,567.89',
  '1.000.000,00 €', '2024-01-15T10:30:00Z', '12:34:56', 'v1.2.3-beta.4', '192.168.0.1', '1/2 3/4 7/8',
  '10^9 2^32 1e6', 'abc123def456', '123abc', 'ab12cd345ef6789', '٣٤٥٦٧ Arabic-Indic digits', '१२३४५ Devanagari digits',
  '１２３４５ fullwidth digits', '① ② ③ ⑩ circled', 'x² + y³ = z⁴', 'Ⅰ Ⅱ Ⅲ Ⅳ Ⅻ roman', '৳১২৩', '๑๒๓ Thai digits',
  'The year 1999 and 2000 and 20001 and 123456789012',
  'π ≈ 3.14159 and e ≈ 2.71828',
);

// Special-token look-alikes and special tokens inside text, for every tokenizer (each tokenizer only
// knows some of them; the others are plain text for it).
const specials = [
  '<|begin_of_text|>Hello',
  '<|begin_of_text|><|begin_of_text|>',
  'Hello<|end_of_text|>',
  'text <|eot_id|> more text',
  '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>',
  '<|reserved_special_token_5|> and <|reserved_special_token_250|>',
  '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|><|im_start|><|im_end|>',
  '<|endoftext|>',
  'before<|endoftext|>after',
  '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>',
  '<|fim_prefix|>def f():<|fim_suffix|>\n    return 1<|fim_middle|>',
  '<think>\nreasoning\n</think>\n\nanswer',
  '<|vision_start|><|image_pad|><|vision_end|>',
  '<s>',
  '</s>',
  '<unk>',
  '<pad>',
  '<s>Hello</s>',
  '<s> Hello </s>',
  'Hello<s>world',
  'Hello <s> world',
  'a</s>b</s>c',
  '<s><s></s></s>',
  '[INST] What is the capital of France? [/INST] Paris.</s><s>[INST] And Spain? [/INST]',
  '<<SYS>>\nsystem prompt\n<</SYS>>\n\n',
  '<image>\nQuestion: what is this?\nAnswer:',
  '<s><image><image>\nQuestion: two images\nAnswer: yes</s>',
  'x<image>y',
  '<|begin_of_text|',
  '|begin_of_text|>',
  '<|begin_of_text |>',
  '<|BEGIN_OF_TEXT|>',
  '<|im_start',
  '<|im_start|',
  'im_start|>',
  '< s>',
  '<s >',
  '<<s>>',
  '<</s>>',
  '<s',
  's>',
  '</ s>',
  '<|endoftext|><|endoftext|>x<|endoftext|>',
  '  <|im_start|>  ',
  '\n<s>\n',
  '<|eot_id|>\n',
  '<image><image><image>',
  '<imag e>',
  '<|end_of_text|><|begin_of_text|>new document',
  // flags (lstrip / rstrip / single_word / normalized) set on some Qwen3 tokens by the qwen3-misc fixture
  'hello   <|im_start|>   world',
  'a\t\n <|im_end|> \n\tb',
  'x  <|endoftext|>  y',
  'word<tool_call>word',
  'word <tool_call> word',
  '_<tool_call>_',
  'é<tool_call>',
  '<tool_call>',
  ' <tool_call>',
  'x<think>',
  ' <think> ',
  '<think>y',
  '<ｔｈｉｎｋ> fullwidth',
  '＜/tool_call＞ fullwidth brackets',
  '  <|fim_prefix|>x',
  'x  <|fim_prefix|>',
  '<|im_start|>   <|im_end|>',
];

const edge = [
  '',
  'a',
  'A',
  '.',
  '!',
  '\'',
  '\'s',
  '\u0000',
  'null\u0000byte',
  'bell\u0007 del\u007F c1\u0080\u009F',
  '\u00AD soft hyphen',
  '\uFFFD replacement char',
  '\uFFFF\uFFFE noncharacters \uFDD0',
  '\uE000 private use \uF8FF',
  '\u{10FFFF} last code point',
  '\u{1F600}',
  'x'.repeat(300),
  'supercalifragilisticexpialidocious'.repeat(30),
  'Pneumonoultramicroscopicsilicovolcanoconiosis',
  'a'.repeat(1000),
  ' '.repeat(200) + 'x',
  '\n'.repeat(100),
  '1234567890'.repeat(20),
  '中'.repeat(200),
  '🙂'.repeat(100),
  'ab'.repeat(500),
  'https://www.example.com/very/long/path/with/many/segments/and/a/query?param1=value1&param2=value2&param3=value3',
  'aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQgZW5jb2RlZCBkYXRhIHdpdGggc29tZSBwYWRkaW5nPT0=',
  'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ',
  'ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģ byte-level look-alikes ĠĊ',
  '▁ ▁▁ metaspace look-alike ▁hello',
  '<0x41> byte token look-alike <0xFF>',
  'Ġhello Ċ',
];

// A longer document (several paragraphs): the kind of input `mm1j tokenize` gets.
const longDoc = [
  'Chapter 1\n\nIt was a bright cold day in April, and the clocks were striking thirteen. ' +
    'Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly ' +
    'through the glass doors of Victory Mansions, though not quickly enough to prevent a swirl of gritty dust ' +
    'from entering along with him.\n\n' +
    'The hallway smelt of boiled cabbage and old rag mats. At one end of it a coloured poster, too large for ' +
    'indoor display, had been tacked to the wall. It depicted simply an enormous face, more than a metre wide: ' +
    'the face of a man of about forty-five, with a heavy black moustache and ruggedly handsome features.\n\n' +
    '    def f(x):\n        return x * 2  # 2x\n\n' +
    'Numbers: 1, 22, 333, 4444, 55555, 666666. Emoji: 🎉🎊. Chinese: 这是一个测试。 Arabic: هذا اختبار.\n',
];

function randomMixtures(count, seed) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const atoms = [
    'the', 'The', ' of', 'and', ' a', 'token', 'izer', 'Hello', 'world', 'über', 'naïve', '你好', '世界', '東京',
    'こんにちは', '안녕', 'Привет', 'мир', 'مرحبا', 'שלום', 'नमस्ते', 'ไทย', 'Ελλάδα', '😀', '👍🏽', '👨‍👩‍👧',
    '🇫🇷', '1', '12', '123', '1234', '12345', '3.14', '0x7F', ' ', '  ', '   ', '\n', '\n\n', '\t', '\r\n',
    '.', ',', '!', '?', '...', ';', ':', '-', '—', '(', ')', '[', ']', '{', '}', '"', '\'', '\'s', '\'ll',
    '\'RE', 'n\'t', '<', '>', '/', '\\', '|', '_', '=', '+', '*', '&', '#', '@', '$', '%', '^', '~', '`',
    '<s>', '</s>', '<|im_start|>', '<|im_end|>', '<|begin_of_text|>', '<|eot_id|>', '<|endoftext|>',
    '<image>', '<tool_call>', '<|begin_of_text', '<|im_', '\u00A0', '\u3000', '\u200B', 'é', 'e\u0301',
    'ß', 'İ', 'ﬁ', '½', '²', 'Ⅻ', '١٢٣', '▁', 'Ġ', 'ĊĠ', '\u0085', '\u2028',
  ];
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 24);
    let s = '';
    for (let j = 0; j < n; j++) s += pick(atoms);
    out.push(s);
  }
  return out;
}

// Random strings of single code points from many blocks (no lone surrogates: they are not valid text).
function randomCodePoints(count, seed) {
  const r = rng(seed);
  const ranges = [
    [0x20, 0x7e], [0x09, 0x0d], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x4ff], [0x590, 0x5ff],
    [0x600, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f], [0x1100, 0x11ff], [0x2000, 0x206f], [0x2190, 0x22ff],
    [0x3000, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xff00, 0xffef], [0x1f300, 0x1faff], [0x20000, 0x2a6df],
  ];
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 40);
    let s = '';
    for (let j = 0; j < n; j++) {
      const [lo, hi] = ranges[Math.floor(r() * ranges.length)];
      s += String.fromCodePoint(lo + Math.floor(r() * (hi - lo + 1)));
    }
    out.push(s);
  }
  return out;
}

function corpus() {
  const all = [
    ...latin, ...scripts, ...emoji, ...code, ...whitespace, ...numbers, ...specials, ...edge, ...longDoc,
    ...randomMixtures(120, 1234), ...randomCodePoints(60, 5678),
  ];
  const seen = new Set();
  return all.filter((t) => (seen.has(t) ? false : (seen.add(t), true)));
}

module.exports = { corpus, rng, specials };
