package dev.mm1j.core.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonObjectTest {
    private static final String CONFIG = """
        {"model_type": "mm1", "rope_scaling": null, "eps": 1e-5, "big": 4096.0,
         "text_config": {"hidden_size": "abc", "layers": [1, 2, 3], "names": ["a", 2], "huge": 9999999999},
         "added_tokens": [{"id": 1}, {"id": "x"}], "flag": true}
        """;

    private final JsonObject root = JsonObject.of(Json.parse(CONFIG), "config.json");

    private String fails(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(JsonException.class, e).getMessage();
    }

    @Test
    void typedAccess() {
        assertEquals("mm1", root.getString("model_type"));
        assertEquals(1e-5, root.getDouble("eps"));
        assertEquals(4096, root.getInt("big"), "integral doubles are accepted as integers");
        assertTrue(root.getBoolean("flag"));
        assertFalse(root.has("rope_scaling"), "null counts as absent");
        assertNull(root.optObject("rope_scaling"));
        assertEquals(7, root.optInt("missing", 7));
        assertArrayEquals(new long[] {1, 2, 3}, root.getObject("text_config").getLongs("layers"));
        assertEquals(1, root.getObjects("added_tokens").get(0).getInt("id"));
        assertEquals("config.json: text_config", root.getObject("text_config").path());
    }

    @Test
    void messagesNameTheFileAndKeyPath() {
        JsonObject text = root.getObject("text_config");
        assertEquals("config.json: text_config.hidden_size: expected an integer, got \"abc\"", fails(() -> text.getInt("hidden_size")));
        assertEquals("config.json: text_config.huge: 9999999999 is out of range", fails(() -> text.getInt("huge")));
        assertEquals("config.json: vision_config: missing required key", fails(() -> root.getObject("vision_config")));
        assertEquals("config.json: model_type: expected a JSON object, got \"mm1\"", fails(() -> root.getObject("model_type")));
        assertEquals("config.json: text_config.names[1]: expected a string, got 2", fails(() -> text.getStrings("names")));
        assertEquals("config.json: added_tokens[1].id: expected an integer, got \"x\"", fails(() -> root.getObjects("added_tokens").get(1).getInt("id")));
        assertEquals("config.json: flag: expected an array, got true", fails(() -> root.getList("flag")));
        assertEquals("config.json: expected a JSON object, got [1]", fails(() -> JsonObject.of(List.of(1L), "config.json")));
    }

    @Test
    void readsFiles(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        Files.writeString(f, "{\"a\": {\"b\": 1}}");
        JsonObject o = JsonObject.read(f);
        assertEquals("tokenizer_config.json: a.b: expected a string, got 1", fails(() -> o.getObject("a").getString("b")));
    }
}
