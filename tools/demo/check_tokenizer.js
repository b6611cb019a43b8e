// Checks that the Hugging Face tokenizers library gives the same ids as tools/demo/bpe.py.
// Usage: node check_tokenizer.js tokenizer.json cases.json   (cases: [{"text": ..., "ids": [...]}])
// Needs the npm package @anush008/tokenizers (install it outside the repository, NODE_PATH to it).
const fs = require('fs');
const {Tokenizer} = require('@anush008/tokenizers');
(async () => {
  const tok = Tokenizer.fromFile(process.argv[2]);
  const cases = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  let bad = 0;
  for (const c of cases) {
    const enc = await tok.encode(c.text, null, {addSpecialTokens: true});
    const ids = Array.from(enc.getIds());
    if (JSON.stringify(ids) !== JSON.stringify(c.ids)) {
      if (bad++ < 5) console.log('MISMATCH', JSON.stringify(c.text), ids, c.ids);
    }
    if (c.decoded !== undefined) {
      const dec = await tok.decode(c.ids, true);
      if (dec !== c.decoded) { if (bad++ < 5) console.log('DECODE MISMATCH', JSON.stringify(dec), JSON.stringify(c.decoded)); }
    }
  }
  console.log(`${cases.length - bad} passed, ${bad} failed`);
  process.exit(bad ? 1 : 0);
})();
