package dev.mm1j.core.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.quant.ErrorBudget;
import dev.mm1j.core.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * GGUF files presented under Hugging Face names: every tensor against the values tools/formats computed in
 * numpy in the Hugging Face layout (q/k un-permuted for llama), configs against the metadata written.
 */
class GgufWeightsTest {
    static final Path DIR = GgufFileTest.DIR;

    /** Every expected tensor, bit for bit, with dequantization to F32. */
    static void matchesExpected(String model) {
        try (GgufWeights w = GgufWeights.open(DIR.resolve(model + ".gguf"), DType.F32);
             SafetensorsFile expected = SafetensorsFile.open(DIR.resolve(model + ".expected.safetensors"))) {
            assertEquals(new TreeSet<>(expected.names()), new TreeSet<>(w.names()), "Hugging Face names");
            for (String name : expected.names()) {
                Tensor t = w.tensor(name);
                assertArrayEquals(expected.tensor(name).shape(), t.shape(), name);
                assertArrayEquals(expected.tensor(name).toFloatArray(), t.toFloatArray(), name + " from " + w.ggufName(name));
            }
        }
    }

    @Test
    void tinyLlamaTensorsUnderHuggingFaceNames() {
        matchesExpected("tiny_llama");
    }

    @Test
    void tinyQwen2TensorsUnderHuggingFaceNames() {
        matchesExpected("tiny_qwen2");
    }

    @Test
    void tinyMixtralTensorsUnderHuggingFaceNames() {
        matchesExpected("tiny_mixtral");
    }

    @Test
    void llamaConfig() {
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_llama.gguf"), null)) {
            Map<String, Object> c = w.config();
            assertEquals("llama", c.get("model_type"));
            assertEquals(List.of("LlamaForCausalLM"), c.get("architectures"));
            assertEquals(256L, c.get("hidden_size"));
            assertEquals(32L, c.get("intermediate_size"));
            assertEquals(2L, c.get("num_hidden_layers"));
            assertEquals(2L, c.get("num_attention_heads"));
            assertEquals(1L, c.get("num_key_value_heads"));
            assertEquals(16L, c.get("head_dim"), "from key_length, not hidden/heads");
            assertEquals(1e-5, (Double) c.get("rms_norm_eps"), 1e-12);
            assertEquals(500000.0, c.get("rope_theta"));
            assertEquals(Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0, "original_max_position_embeddings", 8192L),
                c.get("rope_scaling"), "recovered from rope_freqs.weight");
            assertFalse(c.containsKey("rope_freq_factors"));
            assertEquals(64L, c.get("vocab_size"));
            assertEquals(2048L, c.get("max_position_embeddings"));
            assertEquals(false, c.get("tie_word_embeddings"));
            assertEquals(false, c.get("attention_bias"));
            assertEquals(0L, c.get("num_local_experts"));
            assertEquals(1L, c.get("bos_token_id"));
            assertEquals(2L, c.get("eos_token_id"));
            assertFalse(w.names().contains("rope_freqs.weight"), "consumed by the config");
        }
    }

    @Test
    void qwen2AndMixtralConfigs() {
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_qwen2.gguf"), null)) {
            Map<String, Object> c = w.config();
            assertEquals("qwen2", c.get("model_type"));
            assertEquals(true, c.get("attention_bias"));
            assertEquals(true, c.get("tie_word_embeddings"));
            assertEquals(16L, c.get("head_dim"));
            assertEquals(1e6, c.get("rope_theta"));
            assertNull(c.get("rope_scaling"));
            assertFalse(w.names().contains("lm_head.weight"));
        }
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_mixtral.gguf"), null)) {
            Map<String, Object> c = w.config();
            assertEquals("mixtral", c.get("model_type"));
            assertEquals(4L, c.get("num_local_experts"));
            assertEquals(2L, c.get("num_experts_per_tok"));
            assertEquals(64L, c.get("intermediate_size"));
            assertEquals(2, w.file().version());
        }
    }

    @Test
    void vocabularies() {
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_llama.gguf"), null)) {
            GgufVocabulary v = w.vocabulary();
            assertEquals("llama", v.model());
            assertEquals(64, v.tokens().size());
            assertEquals("<0x07>", v.tokens().get(10));
            assertEquals(GgufVocabulary.BYTE, v.tokenTypes()[10]);
            assertEquals(-2f, v.scores()[13]);
            assertEquals(1, v.bosId());
            assertEquals(0, v.unkId());
            assertEquals(-1, v.padId());
            assertEquals(Boolean.TRUE, v.addBos());
            assertNull(v.merges());
            assertTrue(v.chatTemplate().startsWith("{{ bos_token }}"));
        }
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_qwen2.gguf"), null)) {
            GgufVocabulary v = w.vocabulary();
            assertEquals("gpt2", v.model());
            assertEquals("qwen2", v.pre());
            assertEquals(List.of("a b", "Ġ t", "ab c"), v.merges());
            assertEquals("<|endoftext|>", v.tokens().get(v.eosId()));
            assertNull(v.scores());
        }
    }

    @Test
    void defaultDequantizesKQuantsToQ8_0AndMapsTheRest() {
        try (GgufWeights w = GgufWeights.open(DIR.resolve("tiny_llama.gguf"), null);
             SafetensorsFile expected = SafetensorsFile.open(DIR.resolve("tiny_llama.expected.safetensors"))) {
            for (String name : expected.names()) {
                Tensor t = w.tensor(name);
                GgmlType stored = w.file().tensorInfo(w.ggufName(name)).type();
                if (stored.dtype() != null) {
                    assertEquals(stored.dtype(), t.dtype(), name + " is used as stored");
                    assertArrayEquals(expected.tensor(name).toFloatArray(), t.toFloatArray(), name);
                } else {
                    assertEquals(DType.Q8_0, t.dtype(), name + " (" + stored + ")");
                    double e = ErrorBudget.nmse(t.toFloatArray(), expected.tensor(name).toFloatArray());
                    assertTrue(e < ErrorBudget.Q8_0_ROUNDTRIP_NMSE, name + ": " + e);
                }
                assertSame(w.tensor(name).segment(), t.segment(), "converted once, cached");
            }
        }
    }

    @Test
    void throughTheStrictLoaderWithQuantizeOnLoad() {
        try (GgufWeights g = GgufWeights.open(DIR.resolve("tiny_qwen2.gguf"), null); Weights w = new Weights(g, DType.Q8_0)) {
            List<String> warnings = new ArrayList<>();
            w.warnings(warnings::add);
            Weights layer = w.prefix("model.layers").prefix(0);
            assertEquals(DType.Q8_0, layer.matrix("self_attn.q_proj.weight", 64, 64).dtype(), "F16 quantized on load");
            assertEquals(DType.F32, layer.f32("self_attn.q_proj.bias", 64).dtype());
            assertEquals(DType.Q8_0, w.embedding("model.embed_tokens.weight", 40, 64).dtype(), "as stored");
            String msg = assertThrows(ModelFormatException.class, () -> layer.matrix("mlp.up_proj.weight", 64, 96)).getMessage();
            assertEquals("tensor 'model.layers.0.mlp.up_proj.weight' in tiny_qwen2.gguf has shape [96, 64], expected [64, 96]", msg);
            w.finish();
            w.finish();
            assertEquals(1, warnings.size(), "warned once");
            assertTrue(warnings.get(0).startsWith("warning: 23 tensors in tiny_qwen2.gguf not used by the model: model.layers.0.input_layernorm.weight, "), warnings.get(0));
        }
    }

    @Test
    void unsupportedArchitectureIsNamed() {
        byte[] b = new GgufBytes().header(3, 0, 1).kvString("general.architecture", "gemma3").bytes();
        GgufFile f = GgufFile.parse(java.lang.foreign.MemorySegment.ofArray(b), "g.gguf");
        String msg = assertThrows(ModelFormatException.class, () -> new GgufWeights(f, null, false)).getMessage();
        assertTrue(msg.contains("architecture 'gemma3' is not supported"), msg);
        assertTrue(Set.of(GgmlType.readableNames().split(", ")).containsAll(Set.of("Q4_K", "Q6_K", "Q8_0", "BF16")));
    }
}
