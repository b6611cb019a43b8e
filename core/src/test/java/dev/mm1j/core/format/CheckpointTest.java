package dev.mm1j.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.gguf.GgufFile;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.quant.Convert;
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
            assertEquals(4, c.source().tensor("model.norm.weight").numel());
            assertEquals(4, c.weights().f32("model.norm.weight", 4).numel());
        }
        Files.delete(dir.resolve("config.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir, null)).getMessage().contains("no config.json"));
        assertTrue(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir.resolve("nope"), null)).getMessage().contains("nothing is there"));
    }

    /** The chat template where transformers looks: chat_template.jinja, chat_template.json, tokenizer_config.json ("default" of a list). */
    @Test
    void chatTemplateInTransformersOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        try (Checkpoint c = Checkpoint.open(dir, null)) {
            assertNull(c.chatTemplate());
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
            + " {\"name\": \"default\", \"template\": \"D\"}]}");
        try (Checkpoint c = Checkpoint.open(dir, null)) {
            assertEquals("D", c.chatTemplate());
        }
        Files.writeString(dir.resolve("chat_template.json"), "{\"chat_template\": \"P\"}");
        try (Checkpoint c = Checkpoint.open(dir, null)) {
            assertEquals("P", c.chatTemplate());
        }
        Files.writeString(dir.resolve("chat_template.jinja"), "J\n");
        try (Checkpoint c = Checkpoint.open(dir, null)) {
            assertEquals("J\n", c.chatTemplate());
        }
    }

    @Test
    void ggufFile() throws IOException {
        try (Checkpoint c = Checkpoint.open(Path.of("src/test/resources/formats/gguf/tiny_qwen2.gguf"), DType.F32)) {
            assertEquals("qwen2", c.config().getString("model_type"));
            assertEquals(64, c.config().getInt("hidden_size"));
            assertNotNull(c.vocabulary());
            assertEquals(DType.F32, c.source().tensor("model.layers.0.self_attn.q_proj.bias").dtype());
            assertEquals("tiny_qwen2.gguf: vocab_size: expected a string, got 40", assertThrows(ModelFormatException.class, () -> c.config().getString("vocab_size")).getMessage());
        }
    }

    /**
     * --weights reaches the GGUF reader: a K-quant tensor loaded with --weights f32 is ggml's dequantization bit for
     * bit (the expected values come from tools/formats/make_gguf_fixtures.py's numpy port of ggml), and with a
     * quantized or 16-bit --weights it is those exact values converted once (never through Q8_0 first).
     */
    @Test
    void kQuantsConvertOnceToTheWeightsDtype() throws IOException {
        Path file = Path.of("src/test/resources/formats/gguf/tiny_llama.gguf");
        int checked = 0;
        try (SafetensorsFile expected = SafetensorsFile.open(file.resolveSibling("tiny_llama.expected.safetensors"));
             GgufFile raw = GgufFile.open(file)) {
            for (DType target : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
                try (Checkpoint c = Checkpoint.open(file, target)) {
                    GgufWeights g = (GgufWeights) c.source();
                    for (String name : expected.names()) {
                        Tensor want = expected.tensor(name);
                        if (raw.tensorInfo(g.ggufName(name)).type().dtype() != null || want.rank() != 2) continue; // only the K-quant matrices
                        Tensor got = c.weights().matrix(name, want.shape());
                        assertEquals(target, got.dtype(), name);
                        try (Tensor once = Convert.to(want, target)) {
                            assertArrayEquals(once.toFloatArray(), got.toFloatArray(), name + " as " + target);
                        }
                        if (target == DType.F32) assertArrayEquals(want.toFloatArray(), got.toFloatArray(), name + ": ggml's dequantization");
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 5, "the fixture holds K-quant matrices");
    }
}
