package dev.mm1j.model.text;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The decoder's configuration (spec §3 {@code text_config}, or a plain Hugging Face {@code config.json} of
 * the Llama, Mistral, Qwen2 or Mixtral families). Components are the upstream keys in camel case
 * ({@code hidden_size} → {@link #hiddenSize}); defaults are the Hugging Face class defaults of each family.
 * Validated on construction: an impossible value is an error naming the key.
 *
 * @param modelType           {@code mm1}, {@code llama}, {@code mistral}, {@code qwen2} or {@code mixtral}
 * @param headDim             {@code head_dim}; defaults to hidden_size / num_attention_heads
 * @param ropeScaling         {@code rope_scaling}, or null for none
 * @param slidingWindow       the attention window (Mistral v0.1, Qwen2 with use_sliding_window), 0 = none;
 *                            sequences are limited to it (see {@link #maxContext})
 * @param numLocalExperts     0 = dense FFN everywhere
 * @param moeLayerFrequency   layer i is MoE when {@code (i + 1) % moe_layer_frequency == 0}
 * @param bosTokenId          -1 when absent
 * @param eosTokenIds         {@code eos_token_id} (an int or a list), empty when absent
 * @param ropeFreqFactors     {@code rope_freq_factors} (not a Hugging Face key: GGUF files whose
 *                            {@code rope_freqs.weight} matches no known scaling): inverse frequency j is divided
 *                            by factor j; null when absent
 * @param normTopkProb        {@code norm_topk_prob}: whether the router's top-k weights are divided by their sum
 *                            (Mixtral and MM1, the default) or left as the softmax gave them (OLMoE, Qwen-MoE)
 */
public record TextConfig(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    float rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int vocabSize,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    String hiddenAct,
    boolean attentionBias,
    int slidingWindow,
    int numLocalExperts,
    int numExpertsPerTok,
    int moeLayerFrequency,
    int bosTokenId,
    int[] eosTokenIds,
    float[] ropeFreqFactors,
    boolean normTopkProb) {

    /** The text-only families that run through this decoder. */
    public static final List<String> FAMILIES = List.of("llama", "mistral", "qwen2", "mixtral");

    /**
     * {@code rope_scaling}: {@code llama3} (Llama 3.1 frequency smoothing) or {@code linear} (positions divided
     * by {@code factor}).
     */
    public record RopeScaling(String ropeType, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {}

    /** Without rope_freq_factors. */
    public TextConfig(String modelType, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                      int numKeyValueHeads, int headDim, float rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int vocabSize,
                      int maxPositionEmbeddings, boolean tieWordEmbeddings, String hiddenAct, boolean attentionBias, int slidingWindow,
                      int numLocalExperts, int numExpertsPerTok, int moeLayerFrequency, int bosTokenId, int[] eosTokenIds) {
        this(modelType, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, rmsNormEps, ropeTheta,
            ropeScaling, vocabSize, maxPositionEmbeddings, tieWordEmbeddings, hiddenAct, attentionBias, slidingWindow, numLocalExperts,
            numExpertsPerTok, moeLayerFrequency, bosTokenId, eosTokenIds, null, true);
    }

    /** With the router's top-k weights renormalised (norm_topk_prob true). */
    public TextConfig(String modelType, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                      int numKeyValueHeads, int headDim, float rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int vocabSize,
                      int maxPositionEmbeddings, boolean tieWordEmbeddings, String hiddenAct, boolean attentionBias, int slidingWindow,
                      int numLocalExperts, int numExpertsPerTok, int moeLayerFrequency, int bosTokenId, int[] eosTokenIds, float[] ropeFreqFactors) {
        this(modelType, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, rmsNormEps, ropeTheta,
            ropeScaling, vocabSize, maxPositionEmbeddings, tieWordEmbeddings, hiddenAct, attentionBias, slidingWindow, numLocalExperts,
            numExpertsPerTok, moeLayerFrequency, bosTokenId, eosTokenIds, ropeFreqFactors, true);
    }

    public TextConfig {
        eosTokenIds = eosTokenIds.clone();
        ropeFreqFactors = ropeFreqFactors == null ? null : ropeFreqFactors.clone();
        if (ropeFreqFactors != null) {
            if (ropeFreqFactors.length != headDim / 2) throw bad("rope_freq_factors has " + ropeFreqFactors.length + " values, expected head_dim/2=" + headDim / 2);
            for (float f : ropeFreqFactors) if (!(f > 0) || Float.isInfinite(f)) throw bad("rope_freq_factors must be positive numbers, got " + f);
        }
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw bad("num_key_value_heads=" + numKeyValueHeads + " does not divide num_attention_heads=" + numAttentionHeads);
        }
        if (headDim % 2 != 0) throw bad("head_dim=" + headDim + " must be even for rotary embeddings");
        if (!(rmsNormEps > 0)) throw bad("rms_norm_eps=" + rmsNormEps + " must be positive");
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) throw bad("rope_theta=" + ropeTheta + " must be a positive number");
        if (!hiddenAct.equals("silu")) throw bad("hidden_act=\"" + hiddenAct + "\" is not supported (only \"silu\": the SwiGLU FFN of these families)");
        if (slidingWindow < 0) throw bad("sliding_window=" + slidingWindow + " must not be negative");
        if (numLocalExperts < 0) throw bad("num_local_experts=" + numLocalExperts + " must not be negative");
        if (numLocalExperts > 0) {
            if (numExpertsPerTok < 1 || numExpertsPerTok > numLocalExperts) {
                throw bad("num_experts_per_tok=" + numExpertsPerTok + " must be between 1 and num_local_experts=" + numLocalExperts);
            }
            positive("moe_layer_frequency", moeLayerFrequency);
        }
        if (bosTokenId >= vocabSize) throw bad("bos_token_id=" + bosTokenId + " is outside vocab_size=" + vocabSize);
        for (int e : eosTokenIds) if (e < 0 || e >= vocabSize) throw bad("eos_token_id=" + e + " is outside vocab_size=" + vocabSize);
        if (ropeScaling != null && ropeScaling.ropeType().equals("llama3")) {
            if (!(ropeScaling.factor() > 0) || !(ropeScaling.highFreqFactor() > ropeScaling.lowFreqFactor()) || ropeScaling.originalMaxPositionEmbeddings() <= 0) {
                throw bad("rope_scaling: llama3 needs factor > 0, high_freq_factor > low_freq_factor and original_max_position_embeddings > 0");
            }
        }
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    @Override
    public float[] ropeFreqFactors() {
        return ropeFreqFactors == null ? null : ropeFreqFactors.clone();
    }

    /** Whether layer {@code i} has a MoE FFN (spec §6 step 5). */
    public boolean isMoeLayer(int i) {
        return numLocalExperts > 0 && (i + 1) % moeLayerFrequency == 0;
    }

    /** The longest sequence the decoder computes exactly: the sliding window when there is one, else unlimited. */
    public int maxContext() {
        return slidingWindow > 0 ? slidingWindow : Integer.MAX_VALUE;
    }

    /** The query width H·hd. */
    public int qDim() {
        return numAttentionHeads * headDim;
    }

    /** The key/value width KV·hd. */
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    // ================================================================== parsing

    /** Reads {@code folder/config.json} (MM1 or a text-only family). */
    public static TextConfig load(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) throw new Mm1jException("missing " + configJson);
        return fromJson(JsonObject.of(Json.parse(configJson), "config.json"));
    }

    /**
     * The decoder config of a parsed {@code config.json}: MM1's {@code text_config} (with the root's
     * bos/eos ids), or the whole file for {@code llama}, {@code mistral}, {@code qwen2}, {@code mixtral}.
     */
    public static TextConfig fromJson(JsonObject root) {
        String type = root.has("model_type") ? String.valueOf(root.get("model_type")) : null;
        if (type == null) throw new Mm1jException("config.json: missing required key 'model_type' (expected mm1 or one of " + FAMILIES + ")");
        if (type.equals("mm1")) {
            if (!root.has("text_config")) throw new Mm1jException("config.json: missing required key 'text_config'");
            Map<String, Object> text = JsonObject.of(root.get("text_config"), "config.json: text_config").map();
            return parse(type, new Keys(text, "text_config."), new Keys(root.map(), ""));
        }
        if (!FAMILIES.contains(type)) {
            throw new Mm1jException("config.json: model_type=\"" + type + "\" is not supported (expected mm1 or one of " + FAMILIES + ")");
        }
        Keys k = new Keys(root.map(), "");
        return parse(type, k, k);
    }

    private static TextConfig parse(String type, Keys t, Keys root) {
        boolean mixtral = type.equals("mixtral"), qwen2 = type.equals("qwen2"), mm1 = type.equals("mm1");
        int hidden = t.requireInt("hidden_size");
        int heads = t.requireInt("num_attention_heads");
        int kv = t.optInt("num_key_value_heads", heads);
        int headDim;
        if (t.has("head_dim")) {
            headDim = t.requireInt("head_dim");
        } else {
            if (heads <= 0 || hidden % heads != 0) {
                throw new Mm1jException("config.json: " + t.where + "num_attention_heads=" + heads + " does not divide " + t.where + "hidden_size=" + hidden + " (give head_dim)");
            }
            headDim = hidden / heads;
        }
        if (t.optBool("mlp_bias", false)) throw new Mm1jException("config.json: " + t.where + "mlp_bias=true is not supported");
        int window = 0;
        if (t.has("sliding_window") && (!qwen2 || t.optBool("use_sliding_window", false))) window = t.requireInt("sliding_window");
        int experts = mixtral ? t.requireInt("num_local_experts") : t.optInt("num_local_experts", 0);
        int[] eos = root.has("eos_token_id") ? root.intOrList("eos_token_id") : new int[0];
        return new TextConfig(type, hidden,
            t.requireInt("intermediate_size"),
            t.requireInt("num_hidden_layers"),
            heads, kv, headDim,
            (float) t.optDouble("rms_norm_eps", mm1 || mixtral ? 1e-5 : 1e-6),
            t.optDouble("rope_theta", mixtral ? 1e6 : 10000.0),
            ropeScaling(t),
            t.requireInt("vocab_size"),
            t.optInt("max_position_embeddings", switch (type) {
                case "llama" -> 2048;
                case "qwen2" -> 32768;
                case "mm1" -> 4096;
                default -> 4096 * 32;
            }),
            t.optBool("tie_word_embeddings", mm1),
            t.optString("hidden_act", "silu"),
            qwen2 ? t.optBool("attention_bias", true) : t.optBool("attention_bias", false),
            window,
            experts,
            t.optInt("num_experts_per_tok", 2),
            t.optInt("moe_layer_frequency", mm1 ? 2 : 1),
            root.optInt("bos_token_id", -1),
            eos,
            t.has("rope_freq_factors") ? t.floats("rope_freq_factors") : null,
            t.optBool("norm_topk_prob", true));
    }

    private static RopeScaling ropeScaling(Keys t) {
        if (!t.has("rope_scaling")) return null;
        Keys r = new Keys(JsonObject.of(t.map.get("rope_scaling"), "rope_scaling").map(), t.where + "rope_scaling.");
        String type = r.has("rope_type") ? r.optString("rope_type", null) : r.optString("type", "default");
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling(type, r.requireDouble("factor"), 0, 0, 0);
            case "llama3" -> new RopeScaling(type, r.requireDouble("factor"), r.requireDouble("low_freq_factor"),
                r.requireDouble("high_freq_factor"), r.requireInt("original_max_position_embeddings"));
            case "yarn", "longrope", "dynamic" -> throw new Mm1jException("config.json: " + t.where + "rope_scaling type \"" + type + "\" (a context "
                + "extension) is not supported: this decoder implements default, linear and llama3 rotary scaling; remove rope_scaling to run "
                + "within the original context" + (r.has("original_max_position_embeddings") ? " of " + r.requireInt("original_max_position_embeddings") + " positions" : ""));
            default -> throw new Mm1jException("config.json: " + t.where + "rope_scaling type \"" + type + "\" is not supported (default, linear, llama3)");
        };
    }

    private static void positive(String key, long v) {
        if (v <= 0) throw bad(key + "=" + v + " must be positive");
    }

    private static Mm1jException bad(String what) {
        return new Mm1jException("config.json: " + what);
    }

    /** Typed access to one JSON object whose errors read {@code config.json: text_config.hidden_size: ...}. */
    private record Keys(Map<String, Object> map, String where) {
        boolean has(String k) {
            return map.get(k) != null;
        }

        private Mm1jException err(String k, String what) {
            return new Mm1jException("config.json: " + where + k + ": " + what);
        }

        int requireInt(String k) {
            if (!has(k)) throw err(k, "missing required key");
            Object v = map.get(k);
            if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
            if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
            throw err(k, "expected an integer, got " + Json.write(v));
        }

        int optInt(String k, int fallback) {
            return has(k) ? requireInt(k) : fallback;
        }

        double requireDouble(String k) {
            if (!has(k)) throw err(k, "missing required key");
            if (map.get(k) instanceof Number n) return n.doubleValue();
            throw err(k, "expected a number, got " + Json.write(map.get(k)));
        }

        double optDouble(String k, double fallback) {
            return has(k) ? requireDouble(k) : fallback;
        }

        boolean optBool(String k, boolean fallback) {
            if (!has(k)) return fallback;
            if (map.get(k) instanceof Boolean b) return b;
            throw err(k, "expected true or false, got " + Json.write(map.get(k)));
        }

        String optString(String k, String fallback) {
            if (!has(k)) return fallback;
            if (map.get(k) instanceof String s) return s;
            throw err(k, "expected a string, got " + Json.write(map.get(k)));
        }

        float[] floats(String k) {
            if (!(map.get(k) instanceof List<?> l)) throw err(k, "expected an array of numbers");
            float[] out = new float[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Number n)) throw err(k, "element " + i + " is not a number");
                out[i] = n.floatValue();
            }
            return out;
        }

        int[] intOrList(String k) {
            Object v = map.get(k);
            if (v instanceof List<?> l) {
                int[] out = new int[l.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = new Keys(Map.of(k, l.get(i) == null ? "null" : l.get(i)), where).requireInt(k);
                }
                return out;
            }
            return new int[] {requireInt(k)};
        }
    }
}
