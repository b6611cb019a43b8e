package dev.mm1j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files give one error that names the file and the problem, never a stack trace or wrong ids. */
class TokenizerBadInputTest {
    @TempDir
    Path tmp;

    /** The demo tokenizer.json with one top-level key (or model key, "model.x") replaced; null removes it. */
    private Path variant(String key, Object value) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new LinkedHashMap<>((Map<String, Object>) Json.parse(Files.readString(Fixtures.modelsDir().resolve("mm1-demo/tokenizer.json"))));
        if (key.startsWith("model.")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) json.get("model"));
            model.put(key.substring(6), value);
            json.put("model", model);
        } else if (value == null) {
            json.remove(key);
        } else {
            json.put(key, value);
        }
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, Json.write(json));
        return f;
    }

    private String error(Path file) {
        Mm1jException e = assertThrows(Mm1jException.class, () -> Tokenizer.load(file));
        return e.getMessage();
    }

    @Test
    void missingFilesAndFolders() throws Exception {
        assertEquals(tmp.resolve("nope.json") + ": no such file", error(tmp.resolve("nope.json")));
        assertEquals(tmp + ": no tokenizer.json in this folder", error(tmp));
    }

    @Test
    void malformedJson() throws Exception {
        Path f = Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": ");
        String m = error(f);
        assertTrue(m.startsWith(f.toString()) && m.contains("unexpected end of input"), m);
        Files.writeString(f, "[1, 2]");
        assertTrue(error(f).contains("expected a JSON object"), error(f));
        Path gz = Files.writeString(tmp.resolve("tokenizer.json.gz"), "not gzip");
        assertTrue(error(gz).contains("tokenizer.json.gz"), error(gz));
    }

    @Test
    void unsupportedComponentsAreNamed() throws Exception {
        String where = tmp.resolve("tokenizer.json").toString();
        assertEquals(where + ": pre_tokenizer type 'Whitespace' is not supported", error(variant("pre_tokenizer", Map.of("type", "Whitespace"))));
        assertEquals(where + ": normalizer type 'BertNormalizer' is not supported", error(variant("normalizer", Map.of("type", "BertNormalizer"))));
        assertEquals(where + ": decoder type 'WordPiece' is not supported", error(variant("decoder", Map.of("type", "WordPiece"))));
        assertEquals(where + ": post_processor type 'RobertaProcessing' is not supported", error(variant("post_processor", Map.of("type", "RobertaProcessing"))));
        assertEquals(where + ": model type 'WordPiece' is not supported", error(variant("model.type", "WordPiece")));
        assertEquals(where + ": pre_tokenizer type 'Punctuation' is not supported",
            error(variant("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(Map.of("type", "Digits"), Map.of("type", "Punctuation"))))));
        assertTrue(error(variant("model.dropout", 0.1)).contains("dropout"));
        assertTrue(error(variant("model.end_of_word_suffix", "</w>")).contains("end_of_word_suffix '</w>' is not supported"));
        assertTrue(error(variant("pre_tokenizer", Map.of("type", "Split", "pattern", Map.of("Regex", "(unclosed"), "behavior", "Isolated")))
            .contains("regex \"(unclosed\" is not supported"));
        assertTrue(error(variant("pre_tokenizer", Map.of("type", "Split", "pattern", Map.of("String", "x"), "behavior", "Sideways")))
            .contains("behavior 'Sideways' is not supported"));
    }

    @Test
    void inconsistentModels() throws Exception {
        Object firstMerge = ((List<?>) ((Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(Fixtures.modelsDir().resolve("mm1-demo/tokenizer.json"))))
            .get("model")).get("merges")).getFirst();
        assertTrue(error(variant("model.merges", List.of(firstMerge, "zz qq"))).contains("model.merges[1]: token \"zz\" is not in the vocabulary"));
        assertTrue(error(variant("model.merges", List.of("abc"))).contains("model.merges[0]: \"abc\" is not two tokens"));
        assertTrue(error(variant("model.merges", List.of(7))).contains("model.merges[0]: expected"));
        assertTrue(error(variant("model.vocab", Map.of("a", -3))).contains("token \"a\" has id -3"));
        assertTrue(error(variant("model.vocab", Map.of("a", 2_000_000_000L))).contains("token \"a\" has id 2000000000"));
        assertTrue(error(variant("model.vocab", Map.of("a", "x"))).contains("token \"a\" has id \"x\""));
        assertTrue(error(variant("model.unk_token", "<nope>")).contains("unk_token \"<nope>\" is not in the vocabulary"));
        assertTrue(error(variant("model", null)).contains("model: missing required key"));
        assertTrue(error(variant("added_tokens", List.of(Map.of("id", -1, "content", "x")))).contains("added_tokens[0]: id -1 is out of range"));
        String m = error(variant("added_tokens", List.of(Map.of("content", "x"))));
        assertTrue(m.contains("added_tokens[0]") && m.contains("id: missing required key"), m);
        assertTrue(error(variant("post_processor", Map.of("type", "TemplateProcessing", "single",
            List.of(Map.of("SpecialToken", Map.of("id", "<bos>"))), "special_tokens", Map.of()))).contains("special token \"<bos>\" is not in special_tokens"));
    }

    @Test
    void idsOutsideTheVocabularyDecodeToNothing() throws Exception {
        Tokenizer tok = Tokenizer.load(Fixtures.modelsDir().resolve("mm1-demo"));
        assertEquals("", tok.decode(new int[] {-1, 1 << 30}, false));
        assertEquals("", tok.streamingDecoder(false).step(-7));
    }
}
