package dev.mm1j.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TextConfigTest {

    static TextConfig parse(String json) {
        return TextConfig.fromJson(JsonObject.of(Json.parse(json), "config.json"));
    }

    static String msg(String json) {
        return assertThrows(Mm1jException.class, () -> parse(json)).getMessage();
    }

    @Test
    void mm1TextConfigWithRootIds() {
        TextConfig c = parse("""
            {"model_type": "mm1", "bos_token_id": 1, "eos_token_id": 2, "text_config": {
              "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 26,
              "num_attention_heads": 24, "num_key_value_heads": 8, "head_dim": 128,
              "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": 49152,
              "max_position_embeddings": 4096, "tie_word_embeddings": true, "hidden_act": "silu",
              "attention_bias": false, "num_local_experts": 64, "num_experts_per_tok": 2, "moe_layer_frequency": 2}}""");
        assertEquals(128, c.headDim());
        assertEquals(3072, c.qDim());
        assertEquals(1024, c.kvDim());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.isMoeLayer(0));
        assertTrue(c.isMoeLayer(1));
        assertEquals(1, c.bosTokenId());
        assertArrayEquals(new int[] {2}, c.eosTokenIds());
    }

    @Test
    void familyDefaults() {
        TextConfig llama = parse("""
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 100, "eos_token_id": [7, 9],
             "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                              "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""");
        assertEquals(4, llama.numKeyValueHeads());
        assertEquals(16, llama.headDim());
        assertFalse(llama.tieWordEmbeddings());
        assertFalse(llama.attentionBias());
        assertEquals(1e-6f, llama.rmsNormEps());
        assertArrayEquals(new int[] {7, 9}, llama.eosTokenIds());
        assertEquals("llama3", llama.ropeScaling().ropeType());

        TextConfig qwen = parse("""
            {"model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 100,
             "sliding_window": 4096, "use_sliding_window": false, "rope_scaling": null}""");
        assertTrue(qwen.attentionBias());
        assertEquals(0, qwen.slidingWindow());
        assertNull(qwen.ropeScaling());

        TextConfig mixtral = parse("""
            {"model_type": "mixtral", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100, "num_local_experts": 8}""");
        assertTrue(mixtral.isMoeLayer(0));
        assertEquals(1e6, mixtral.ropeTheta());

        TextConfig mistral = parse("""
            {"model_type": "mistral", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 100, "sliding_window": 4096}""");
        assertEquals(4096, mistral.maxContext());
    }

    @Test
    void errorsNameTheKey() {
        String base = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"vocab_size\": 100";
        assertTrue(msg("{\"model_type\": \"llama\", " + base + "}").contains("num_attention_heads: missing required key"));
        assertTrue(msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 4, \"num_key_value_heads\": 3}")
            .contains("num_key_value_heads=3 does not divide num_attention_heads=4"));
        assertTrue(msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 5}").contains("num_attention_heads=5 does not divide hidden_size=64"));
        assertTrue(msg("{\"model_type\": \"gpt2\", " + base + "}").contains("model_type=\"gpt2\" is not supported"));
        assertTrue(msg("{" + base + "}").contains("model_type"));
        assertTrue(msg("{\"model_type\": \"mixtral\", " + base + ", \"num_attention_heads\": 4, \"num_local_experts\": 2, \"num_experts_per_tok\": 3}")
            .contains("num_experts_per_tok=3"));
        assertTrue(msg("{\"model_type\": \"mm1\", \"text_config\": {\"hidden_size\": \"big\"}}").contains("text_config.hidden_size: expected an integer"));
        assertTrue(msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 4, \"hidden_act\": \"gelu\"}").contains("hidden_act"));
        assertTrue(msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 4, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}")
            .contains("rope_scaling type \"yarn\" (a context extension) is not supported"));
        // what GgufConfig writes for a GGUF with {arch}.rope.scaling.type = yarn: refused here, the one place, with what to do
        String yarn = msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 4, \"rope_scaling\": {\"rope_type\": \"yarn\", "
            + "\"factor\": 4.0, \"original_max_position_embeddings\": 32768}}");
        assertTrue(yarn.contains("implements default, linear and llama3") && yarn.contains("original context of 32768 positions"), yarn);
        assertTrue(msg("{\"model_type\": \"mixtral\", " + base + ", \"num_attention_heads\": 4, \"num_local_experts\": 4, \"norm_topk_prob\": \"no\"}")
            .contains("norm_topk_prob"));
        assertTrue(msg("{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 4, \"eos_token_id\": 100}").contains("eos_token_id=100"));
    }
}
