package dev.mm1j.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @Test
    void huggingFaceFolder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 4}");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("model.norm.weight", Tensor.of(new float[] {1, 2, 3, 4})));
        try (Checkpoint c = Checkpoint.open(dir, null)) {
            assertEquals("llama", c.config().getString("model_type"));
            assertEquals(dir.resolve("tokenizer.json"), c.tokenizerJson());
            assertNull(c.tokenizerConfig());
            assertNull(c.vocabulary());
            assertEquals(4, c.weights().tensor("model.norm.weight").numel());
        }
        Files.delete(dir.resolve("config.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir, null)).getMessage().contains("no config.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir.resolve("nope"), null)).getMessage().contains("nothing is there"));
    }

    @Test
    void ggufFile() throws IOException {
        try (Checkpoint c = Checkpoint.open(Path.of("src/test/resources/formats/gguf/tiny_qwen2.gguf"), DType.F32)) {
            assertEquals("qwen2", c.config().getString("model_type"));
            assertEquals(64, c.config().getInt("hidden_size"));
            assertNotNull(c.vocabulary());
            assertEquals(DType.F32, c.weights().tensor("model.layers.0.self_attn.q_proj.bias").dtype());
            assertEquals("tiny_qwen2.gguf: vocab_size: expected a string, got 40", assertThrows(ModelFormatException.class, () -> c.config().getString("vocab_size")).getMessage());
        }
    }
}
