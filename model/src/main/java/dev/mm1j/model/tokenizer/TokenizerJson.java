package dev.mm1j.model.tokenizer;

import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a Hugging Face tokenizer.json into a {@link Tokenizer}. Every component the file names must be one
 * mm1j implements; anything else is an error that names it ("tokenizer.json: pre_tokenizer type
 * 'Whitespace' is not supported"), never silently different ids.
 */
final class TokenizerJson {
    /** Ids above this are refused (they would size tables from a bad file). */
    static final int MAX_ID = 1 << 24;

    private final String src;

    private TokenizerJson(String src) {
        this.src = src;
    }

    /**
     * Loads tokenizer.json and, when present beside it, tokenizer_config.json (for BOS/EOS). Gzipped files
     * (tokenizer.json.gz, tokenizer_config.json.gz) are read too.
     */
    static Tokenizer load(Path file) throws IOException {
        boolean gz = file.getFileName().toString().endsWith(".gz");
        Object parsed = readJson(file);
        String bos = null, eos = null;
        Path config = file.resolveSibling(gz ? "tokenizer_config.json.gz" : "tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonObject c = JsonObject.of(readJson(config), config.toString());
            bos = tokenName(c, "bos_token");
            eos = tokenName(c, "eos_token");
        }
        return build(parsed, file.toString(), bos, eos);
    }

    private static Object readJson(Path file) throws IOException {
        if (!file.getFileName().toString().endsWith(".gz")) return Json.parse(file);
        byte[] bytes;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            bytes = in.readNBytes((int) Json.DEFAULT_MAX_BYTES + 1);
        } catch (ZipException | EOFException e) {
            throw new TokenizerException(file + ": not a valid gzip file (" + e.getMessage() + ")");
        }
        if (bytes.length > Json.DEFAULT_MAX_BYTES) throw new TokenizerException(file + ": more than " + Json.DEFAULT_MAX_BYTES + " bytes of JSON");
        return Json.parse(bytes, file.toString());
    }

    /** The content of a tokenizer_config.json token entry: a string, or an object with "content". */
    static String tokenName(JsonObject config, String key) {
        Object v = config.get(key);
        if (v instanceof String s) return s;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return null;
    }

    /**
     * Builds a tokenizer from a parsed tokenizer.json.
     *
     * @param src      names the file in error messages
     * @param bosToken the BOS token's content, or null to take the post-processor's first token
     * @param eosToken the EOS token's content, or null if unknown
     */
    static Tokenizer build(Object parsed, String src, String bosToken, String eosToken) {
        TokenizerJson r = new TokenizerJson(src);
        JsonObject root = JsonObject.of(parsed, src);
        Normalizer normalizer = root.has("normalizer") ? r.normalizer(root.getObject("normalizer")) : null;
        PreTokenizer pre = root.has("pre_tokenizer") ? r.preTokenizer(root.getObject("pre_tokenizer")) : null;
        Map<String, Integer> vocab = new HashMap<>();
        Bpe model = r.model(root.getObject("model"), vocab);
        List<AddedTokens.Token> added = r.addedTokens(root);
        Map<String, Integer> ids = new HashMap<>(vocab);
        for (AddedTokens.Token t : added) ids.put(t.content(), t.id());
        PostProcessor post = root.has("post_processor") ? r.postProcessor(root.getObject("post_processor"), ids) : null;
        Decoder decoder = root.has("decoder") ? r.decoder(root.getObject("decoder")) : null;
        return new Tokenizer(src, new AddedTokens(added, normalizer), pre, model, post, decoder, bosToken, eosToken);
    }

    private TokenizerException unsupported(String what, JsonObject o) {
        return new TokenizerException(src + ": " + what + " type '" + o.optString("type", "(none)") + "' is not supported");
    }

    private TokenizerException bad(String message) {
        return new TokenizerException(src + ": " + message);
    }

    // ------------------------------------------------------------------ model

    private Bpe model(JsonObject m, Map<String, Integer> vocab) {
        String type = m.optString("type", m.has("merges") ? "BPE" : "(none)");
        if (!type.equals("BPE")) throw unsupported("model", m);
        if (m.optDouble("dropout", 0) != 0) throw bad("model.dropout is for training and is not supported");
        for (String k : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!m.optString(k, "").isEmpty()) throw bad("model." + k + " '" + m.getString(k) + "' is not supported");
        }
        JsonObject v = m.getObject("vocab");
        for (Map.Entry<String, Object> e : v.map().entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id >= MAX_ID) {
                throw bad("model.vocab: token " + quote(e.getKey()) + " has id " + Json.write(e.getValue()) + " (expected 0.." + (MAX_ID - 1) + ")");
            }
            vocab.put(e.getKey(), (int) (long) id);
        }
        List<Object> merges = m.has("merges") ? m.getList("merges") : List.of();
        PairMap pairs = new PairMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String a, b;
            Object x = merges.get(i);
            if (x instanceof String s) {
                String[] parts = s.split(" ", -1);
                if (parts.length != 2) throw bad("model.merges[" + i + "]: " + quote(s) + " is not two tokens separated by a space");
                a = parts[0];
                b = parts[1];
            } else if (x instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String s0 && l.get(1) instanceof String s1) {
                a = s0;
                b = s1;
            } else {
                throw bad("model.merges[" + i + "]: expected \"a b\" or [\"a\", \"b\"], got " + Json.write(x));
            }
            Integer ia = vocab.get(a), ib = vocab.get(b), im = vocab.get(a + b);
            if (ia == null || ib == null || im == null) {
                String missing = ia == null ? a : ib == null ? b : a + b;
                throw bad("model.merges[" + i + "]: token " + quote(missing) + " is not in the vocabulary");
            }
            pairs.put(ia, ib, i, im);
        }
        int unk = -1;
        String unkToken = m.optString("unk_token", null);
        if (unkToken != null) {
            Integer id = vocab.get(unkToken);
            if (id == null) throw bad("model.unk_token " + quote(unkToken) + " is not in the vocabulary");
            unk = id;
        }
        return new Bpe(vocab, pairs, unk, m.optBoolean("fuse_unk", false), m.optBoolean("byte_fallback", false),
            m.optBoolean("ignore_merges", false));
    }

    private List<AddedTokens.Token> addedTokens(JsonObject root) {
        List<AddedTokens.Token> out = new ArrayList<>();
        List<Object> list = root.has("added_tokens") ? root.getList("added_tokens") : List.of();
        for (int i = 0; i < list.size(); i++) {
            JsonObject t = JsonObject.of(list.get(i), src + ".added_tokens[" + i + "]");
            int id = t.getInt("id");
            if (id < 0 || id >= MAX_ID) throw bad("added_tokens[" + i + "]: id " + id + " is out of range");
            out.add(new AddedTokens.Token(id, t.getString("content"), t.optBoolean("special", false),
                t.optBoolean("single_word", false), t.optBoolean("lstrip", false), t.optBoolean("rstrip", false),
                t.optBoolean("normalized", !t.optBoolean("special", false))));
        }
        return out;
    }

    // ------------------------------------------------------------------ components

    private Normalizer normalizer(JsonObject o) {
        String type = o.optString("type", "");
        return switch (type) {
            case "Sequence" -> new Normalizer.Sequence(objects(o, "normalizers").stream().map(this::normalizer).toList());
            case "NFC" -> new Normalizer.Unicode(Form.NFC);
            case "NFD" -> new Normalizer.Unicode(Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Strip" -> new Normalizer.Strip(o.optBoolean("strip_left", true), o.optBoolean("strip_right", true));
            case "Prepend" -> new Normalizer.Prepend(o.getString("prepend"));
            case "Replace" -> new Normalizer.Replace(pattern(o), o.getString("content"));
            default -> throw unsupported("normalizer", o);
        };
    }

    private PreTokenizer preTokenizer(JsonObject o) {
        String type = o.optString("type", "");
        return switch (type) {
            case "Sequence" -> new PreTokenizer.Sequence(objects(o, "pretokenizers").stream().map(this::preTokenizer).toList());
            case "Split" -> {
                PreTokenizer.Behavior b = PreTokenizer.Behavior.parse(o.getString("behavior"));
                if (b == null) throw bad("pre_tokenizer Split behavior '" + o.getString("behavior") + "' is not supported");
                yield new PreTokenizer.Split(pattern(o), b, o.optBoolean("invert", false));
            }
            case "ByteLevel" -> new PreTokenizer.ByteLevelSplit(o.optBoolean("add_prefix_space", true),
                o.optBoolean("use_regex", true) ? Finder.regex(PreTokenizer.ByteLevelSplit.GPT2_PATTERN, src) : null);
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(o), prependScheme(o), o.optBoolean("split", true));
            case "Digits" -> new PreTokenizer.Digits(o.optBoolean("individual_digits", false));
            default -> throw unsupported("pre_tokenizer", o);
        };
    }

    private PostProcessor postProcessor(JsonObject o, Map<String, Integer> ids) {
        String type = o.optString("type", "");
        return switch (type) {
            case "Sequence" -> new PostProcessor.Sequence(objects(o, "processors").stream().map(p -> postProcessor(p, ids)).toList());
            case "ByteLevel" -> new PostProcessor.ByteLevelOffsets();
            case "TemplateProcessing" -> template(o);
            default -> throw unsupported("post_processor", o);
        };
    }

    private PostProcessor template(JsonObject o) {
        JsonObject specials = o.has("special_tokens") ? o.getObject("special_tokens") : new JsonObject(Map.of(), o.path());
        List<int[]> pieces = new ArrayList<>();
        List<Object> single = o.getList("single");
        for (int i = 0; i < single.size(); i++) {
            JsonObject item = JsonObject.of(single.get(i), o.path() + ".single[" + i + "]");
            if (item.has("Sequence")) {
                pieces.add(null);
            } else if (item.has("SpecialToken")) {
                String name = item.getObject("SpecialToken").getString("id");
                if (!specials.has(name)) throw bad("post_processor template: special token " + quote(name) + " is not in special_tokens");
                long[] ids = specials.getObject(name).getLongs("ids");
                int[] p = new int[ids.length];
                for (int k = 0; k < ids.length; k++) {
                    if (ids[k] < 0 || ids[k] >= MAX_ID) throw bad("post_processor template: id " + ids[k] + " is out of range");
                    p[k] = (int) ids[k];
                }
                pieces.add(p);
            } else {
                throw bad("post_processor template: single[" + i + "] is neither a Sequence nor a SpecialToken");
            }
        }
        return new PostProcessor.Template(pieces);
    }

    private Decoder decoder(JsonObject o) {
        String type = o.optString("type", "");
        return switch (type) {
            case "Sequence" -> new Decoder.Sequence(objects(o, "decoders").stream().map(this::decoder).toList());
            case "ByteLevel" -> new Decoder.ByteLevelBytes();
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> {
                String c = o.getString("content");
                if (c.codePointCount(0, c.length()) != 1) throw bad("decoder Strip content " + quote(c) + " is not one character");
                yield new Decoder.Strip(c.codePointAt(0), o.getInt("start"), o.getInt("stop"));
            }
            case "Replace" -> new Decoder.Replace(pattern(o), o.getString("content"));
            case "Metaspace" -> new Decoder.Metaspace(replacement(o), prependScheme(o) != PreTokenizer.Metaspace.Prepend.NEVER);
            default -> throw unsupported("decoder", o);
        };
    }

    /** A Split / Replace pattern: {"String": "..."} or {"Regex": "..."}. */
    private Finder pattern(JsonObject o) {
        JsonObject p = o.getObject("pattern");
        if (p.has("String")) return Finder.literal(p.getString("String"));
        if (p.has("Regex")) return Finder.regex(p.getString("Regex"), src);
        throw bad(o.path() + ".pattern: expected {\"String\": ...} or {\"Regex\": ...}");
    }

    private char replacement(JsonObject o) {
        String r = o.optString("replacement", "\u2581");
        if (r.length() != 1) throw bad("Metaspace replacement " + quote(r) + " is not one character");
        return r.charAt(0);
    }

    /** prepend_scheme, or the older add_prefix_space (true = always). */
    private PreTokenizer.Metaspace.Prepend prependScheme(JsonObject o) {
        if (o.has("prepend_scheme")) {
            return switch (o.getString("prepend_scheme")) {
                case "always" -> PreTokenizer.Metaspace.Prepend.ALWAYS;
                case "first" -> PreTokenizer.Metaspace.Prepend.FIRST;
                case "never" -> PreTokenizer.Metaspace.Prepend.NEVER;
                default -> throw bad("Metaspace prepend_scheme '" + o.getString("prepend_scheme") + "' is not supported");
            };
        }
        return o.optBoolean("add_prefix_space", true) ? PreTokenizer.Metaspace.Prepend.ALWAYS : PreTokenizer.Metaspace.Prepend.NEVER;
    }

    private List<JsonObject> objects(JsonObject o, String key) {
        List<Object> l = o.getList(key);
        List<JsonObject> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) out.add(JsonObject.of(l.get(i), o.path() + "." + key + "[" + i + "]"));
        return out;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, s);
        return sb.toString();
    }
}
