package dev.mm1j.model.tokenizer;

import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The test resources made by tools/tokenizer/make_fixtures.js: the real tokenizer.json files (gzipped) and,
 * per configuration, the ids and texts the Hugging Face tokenizers library gives for a corpus.
 */
final class Fixtures {
    static final String ROOT = "/dev/mm1j/model/tokenizer/";
    static final List<String> NAMES = List.of("llama3", "llama3-bos", "gpt2-style", "qwen3", "qwen3-misc", "qwen3-misc2",
        "llama2", "llama2-metaspace", "llama2-metaspace-split", "mm1-demo", "llama2-unk", "llama2-unk-nofuse");

    private static final Map<String, Map<String, Object>> BASES = new ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private Fixtures() {}

    /** One encoded text. */
    record Case(String text, int[] ids, int[] idsSpecial, String decoded, String decodedSkip) {}

    /** One decoded id sequence. */
    record DecodeCase(int[] ids, String decoded, String decodedSkip) {}

    record Fixture(String name, Map<String, Object> json, List<Case> cases, List<DecodeCase> decodeCases) {}

    static String gunzip(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            return new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(resource + ": " + e, e);
        }
    }

    /** The repository's models/ folder (tests run in a module folder). */
    static Path modelsDir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/mm1-demo"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("models/mm1-demo not found above " + Path.of("").toAbsolutePath());
        return p.resolve("models");
    }

    /** A base tokenizer.json, parsed (shared: callers copy before changing it). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> base(String name) {
        return BASES.computeIfAbsent(name, n -> {
            try {
                String text = n.equals("mm1-demo") ? Files.readString(modelsDir().resolve("mm1-demo/tokenizer.json"))
                    : gunzip(ROOT + n + "/tokenizer.json.gz");
                return (Map<String, Object>) Json.parse(text);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A fixture with its tokenizer.json: the base with the fixture's replacements applied. */
    @SuppressWarnings("unchecked")
    static Fixture load(String name) {
        Map<String, Object> f = (Map<String, Object>) Json.parse(gunzip(ROOT + "fixtures/" + name + ".json.gz"));
        Map<String, Object> json = new LinkedHashMap<>(base((String) f.get("base")));
        json.putAll((Map<String, Object>) f.get("overrides"));
        Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) json.get("model"));
        model.putAll((Map<String, Object>) f.get("model_overrides"));
        json.put("model", model);
        Map<String, Object> flags = (Map<String, Object>) f.getOrDefault("added_token_overrides", Map.of());
        List<Object> added = new ArrayList<>();
        for (Object o : (List<Object>) json.get("added_tokens")) {
            Map<String, Object> t = new LinkedHashMap<>((Map<String, Object>) o);
            if (flags.containsKey(t.get("content"))) t.putAll((Map<String, Object>) flags.get(t.get("content")));
            added.add(t);
        }
        json.put("added_tokens", added);
        List<Case> cases = new ArrayList<>();
        for (Object o : (List<Object>) f.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            cases.add(new Case((String) c.get("text"), ints(c.get("ids")), ints(c.get("ids_special")),
                (String) c.get("decoded"), (String) c.get("decoded_skip")));
        }
        List<DecodeCase> decodes = new ArrayList<>();
        for (Object o : (List<Object>) f.get("decode_cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            decodes.add(new DecodeCase(ints(c.get("ids")), (String) c.get("decoded"), (String) c.get("decoded_skip")));
        }
        return new Fixture(name, json, cases, decodes);
    }

    /** The tokenizer of a fixture (built once per test run). */
    static Tokenizer tokenizer(Fixture f) {
        return TOKENIZERS.computeIfAbsent(f.name(), n -> TokenizerJson.build(f.json(), n + ".json", null, null));
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Long) l.get(i)).intValue();
        return a;
    }
}
