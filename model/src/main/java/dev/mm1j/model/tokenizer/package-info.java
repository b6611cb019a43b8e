/**
 * Tokenizers of the Llama family, giving the same ids as the Hugging Face tokenizers library.
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link dev.mm1j.model.tokenizer.Tokenizer#load(java.nio.file.Path)}: a tokenizer.json (or .json.gz), a
 *       model folder holding one (with tokenizer_config.json for BOS/EOS), or a .gguf file;
 *       {@link dev.mm1j.model.tokenizer.Tokenizer#fromGguf} for a GGUF file already open.</li>
 *   <li>{@code encode(text, addSpecial)}, {@code decode(ids, skipSpecial)},
 *       {@code streamingDecoder(skipSpecial)} ({@link dev.mm1j.model.tokenizer.StreamingDecoder}: text as
 *       generated ids arrive, whole characters only), {@code tokenId(String)}, {@code token(int)},
 *       {@code bosId()}, {@code eosId()}, {@code vocabSize()}, {@code isSpecial(int)}.</li>
 *   <li>Errors: {@link dev.mm1j.model.tokenizer.TokenizerException} naming the file and the problem
 *       ("tokenizer.json: pre_tokenizer type 'Whitespace' is not supported").</li>
 * </ul>
 *
 * <h2>What is supported (everything else is refused with a message)</h2>
 * <ul>
 *   <li>model: BPE (merges as "a b" or ["a", "b"]; unk_token, fuse_unk, byte_fallback, ignore_merges);</li>
 *   <li>normalizers: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace (string or regex);</li>
 *   <li>pre-tokenizers: Sequence, Split (string or regex; Removed, Isolated, MergedWithPrevious,
 *       MergedWithNext, Contiguous; invert), ByteLevel (add_prefix_space, use_regex), Metaspace
 *       (prepend_scheme always/first/never or the older add_prefix_space; split), Digits;</li>
 *   <li>post-processors: TemplateProcessing (the single template), ByteLevel, Sequence;</li>
 *   <li>decoders: ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, Sequence;</li>
 *   <li>added tokens: special or not, single_word, lstrip, rstrip, normalized, matched as the library does
 *       (leftmost-longest in the raw text, then normalized tokens in the normalized text);</li>
 *   <li>GGUF ({@code tokenizer.ggml.*}): model gpt2 (pre llama-bpe, qwen2, gpt-2/default) and llama
 *       (SentencePiece scores, byte fallback).</li>
 * </ul>
 * Truncation and padding settings of tokenizer.json are ignored: one document is encoded whole.
 * Regexes run on java.util.regex with Unicode classes, except the GPT-2, Llama 3 and Qwen patterns, which
 * have hand-written scanners ({@code FastSplit}) checked against java.util.regex.
 *
 * <h2>How it is checked</h2>
 * The tests compare id for id with fixtures made by the library itself (tools/tokenizer): the real Llama 3,
 * Qwen3 and Llama 2-style (Mistral vocabulary) tokenizer.json files, the MM1 demo tokenizer, and six
 * variants that swap in the other normalizers, pre-tokenizers and decoders; encoding with and without
 * special tokens, decoding with and without skipping them, arbitrary id sequences, and streaming.
 */
package dev.mm1j.model.tokenizer;
