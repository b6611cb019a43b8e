package dev.mm1j.core.format.gguf;

import dev.mm1j.core.format.ModelFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face {@code config.json} equivalent of a llama-family GGUF file's metadata, so that model code
 * parses one format. Keys written (HF names; values Long, Double, Boolean, String, Map, List):
 *
 * <pre>
 * model_type ("llama", "mixtral" when the llama file has experts, "qwen2"), architectures, hidden_act "silu",
 * hidden_size ← {arch}.embedding_length           num_hidden_layers ← {arch}.block_count
 * intermediate_size ← {arch}.expert_feed_forward_length (MoE) or {arch}.feed_forward_length
 * num_attention_heads ← {arch}.attention.head_count   num_key_value_heads ← {arch}.attention.head_count_kv
 * head_dim ← {arch}.attention.key_length or hidden_size / heads     rms_norm_eps ← {arch}.attention.layer_norm_rms_epsilon
 * rope_theta ← {arch}.rope.freq_base (10000)          max_position_embeddings ← {arch}.context_length
 * rope_scaling ← {arch}.rope.scaling.* (linear, yarn), or llama3 parameters recovered from rope_freqs.weight
 *                (translated as they are: whether the decoder runs a scaling type is TextConfig's to say)
 * norm_topk_prob ← {arch}.expert_weights_norm (when present)
 * vocab_size ← rows of token_embd.weight              tie_word_embeddings ← no output.weight
 * num_local_experts ← {arch}.expert_count (0)         num_experts_per_tok ← {arch}.expert_used_count
 * attention_bias ← blk.0.attn_q.bias exists (always so in qwen2 files)
 * bos_token_id, eos_token_id ← tokenizer.ggml.{bos,eos}_token_id
 * </pre>
 *
 * When {@code rope_freqs.weight} (Llama 3.x) does not match the llama3 formula for any usual parameter set,
 * its values are given as {@code rope_freq_factors} (a non-HF key: inverse frequency i is divided by
 * factor i), so nothing is silently dropped.
 */
public final class GgufConfig {
    private GgufConfig() {}

    /** {@code general.architecture}, which must be one mm1j maps ({@code llama}, {@code qwen2}). */
    public static String architecture(GgufFile f) {
        String arch = f.string("general.architecture");
        if (arch == null) throw new ModelFormatException(f.name() + ": missing general.architecture");
        if (!arch.equals("llama") && !arch.equals("qwen2")) {
            throw new ModelFormatException(f.name() + ": architecture '" + arch + "' is not supported (supported: llama — Llama 2/3, Mistral, Mixtral — and qwen2)");
        }
        return arch;
    }

    private static long required(GgufFile f, String key) {
        if (!f.has(key)) throw new ModelFormatException(f.name() + ": missing metadata " + key);
        long v = f.integer(key, 0);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(f.name() + ": metadata " + key + " = " + v + " is out of range");
        return v;
    }

    /** The config map (see the class comment). */
    public static Map<String, Object> hfConfig(GgufFile f) {
        String arch = architecture(f);
        String p = arch + ".";
        long hidden = required(f, p + "embedding_length");
        long layers = required(f, p + "block_count");
        long heads = required(f, p + "attention.head_count");
        long kvHeads = f.has(p + "attention.head_count_kv") ? required(f, p + "attention.head_count_kv") : heads;
        long experts = f.count(p + "expert_count", 0);
        long ffn = experts > 0 && f.has(p + "expert_feed_forward_length") ? required(f, p + "expert_feed_forward_length") : required(f, p + "feed_forward_length");
        if (!f.has(p + "attention.layer_norm_rms_epsilon")) throw new ModelFormatException(f.name() + ": missing metadata " + p + "attention.layer_norm_rms_epsilon");
        double eps = f.number(p + "attention.layer_norm_rms_epsilon", 0);
        long headDim = f.has(p + "attention.key_length") ? required(f, p + "attention.key_length") : hidden / heads;
        if (!f.has(p + "attention.key_length") && hidden % heads != 0) {
            throw new ModelFormatException(f.name() + ": embedding_length " + hidden + " is not a multiple of head_count " + heads);
        }
        if (f.has(p + "rope.dimension_count") && f.integer(p + "rope.dimension_count", 0) != headDim) {
            throw new ModelFormatException(f.name() + ": " + p + "rope.dimension_count " + f.integer(p + "rope.dimension_count", 0) + " differs from the head size " + headDim
                + " (partial rotary embeddings are not supported)");
        }
        double theta = f.number(p + "rope.freq_base", 10000.0);
        GgufFile.TensorInfo embd = f.tensorInfo("token_embd.weight");
        if (embd == null || embd.shape().length != 2) throw new ModelFormatException(f.name() + ": missing or malformed token_embd.weight");

        Map<String, Object> c = new LinkedHashMap<>();
        boolean moe = experts > 0;
        String type = arch.equals("qwen2") ? "qwen2" : moe ? "mixtral" : "llama";
        c.put("model_type", type);
        c.put("architectures", List.of(switch (type) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mixtral" -> "MixtralForCausalLM";
            default -> "LlamaForCausalLM";
        }));
        c.put("hidden_act", "silu");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", ffn);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("rms_norm_eps", eps);
        c.put("rope_theta", theta);
        Map<String, Object> scaling = ropeScaling(f, p, theta, headDim);
        if (scaling != null) c.put("rope_scaling", scaling);
        float[] factors = f.tensorInfo("rope_freqs.weight") != null ? ropeFreqs(f, headDim) : null;
        if (factors != null && scaling == null) {
            List<Object> l = new ArrayList<>();
            for (float x : factors) l.add((double) x);
            c.put("rope_freq_factors", l);
        }
        c.put("vocab_size", embd.shape()[0]);
        c.put("max_position_embeddings", f.integer(p + "context_length", 4096));
        c.put("tie_word_embeddings", f.tensorInfo("output.weight") == null);
        c.put("attention_bias", f.tensorInfo("blk.0.attn_q.bias") != null);
        c.put("num_local_experts", experts);
        if (moe) c.put("num_experts_per_tok", required(f, p + "expert_used_count"));
        if (moe && f.bool(p + "expert_weights_norm") != null) c.put("norm_topk_prob", f.bool(p + "expert_weights_norm"));
        if (f.has("tokenizer.ggml.bos_token_id")) c.put("bos_token_id", f.integer("tokenizer.ggml.bos_token_id", 0));
        if (f.has("tokenizer.ggml.eos_token_id")) c.put("eos_token_id", f.integer("tokenizer.ggml.eos_token_id", 0));
        return c;
    }

    /** rope_scaling from {arch}.rope.scaling.* metadata, or llama3 parameters fitted to rope_freqs.weight; null when none. */
    private static Map<String, Object> ropeScaling(GgufFile f, String p, double theta, long headDim) {
        String type = f.string(p + "rope.scaling.type");
        double factor = f.number(p + "rope.scaling.factor", f.number(p + "rope.scale_linear", 0));
        Map<String, Object> s = new LinkedHashMap<>();
        if ("linear".equals(type) || (type == null && factor > 0 && factor != 1)) {
            s.put("rope_type", "linear");
            s.put("factor", factor);
            return s;
        }
        if ("yarn".equals(type)) {
            s.put("rope_type", "yarn");
            s.put("factor", factor);
            s.put("original_max_position_embeddings", f.integer(p + "rope.scaling.original_context_length", 0));
            return s;
        }
        if (type != null && !type.equals("none")) throw new ModelFormatException(f.name() + ": " + p + "rope.scaling.type '" + type + "' is not a GGUF rope scaling type (none, linear, yarn)");
        if (f.tensorInfo("rope_freqs.weight") == null) return null;
        return fitLlama3(ropeFreqs(f, headDim), theta, headDim);
    }

    private static float[] ropeFreqs(GgufFile f, long headDim) {
        GgufFile.TensorInfo t = f.tensorInfo("rope_freqs.weight");
        if (t.shape().length != 1 || t.shape()[0] != headDim / 2) {
            throw new ModelFormatException(f.name() + ": rope_freqs.weight should have shape [" + headDim / 2 + "], has " + java.util.Arrays.toString(t.shape()));
        }
        if (t.type() != GgmlType.F32) throw new ModelFormatException(f.name() + ": rope_freqs.weight should be F32, is " + t.type());
        return f.tensor("rope_freqs.weight").toFloatArray();
    }

    /**
     * Llama 3.x scaling divides inverse frequency i by 1 (short wavelengths), by {@code factor} (long ones) or by
     * a smooth blend in between; llama.cpp stores those divisors. Recovers (factor, low, high, original length)
     * when they reproduce every divisor to 1e-4, trying the values used by Llama 3.1–3.3.
     */
    static Map<String, Object> fitLlama3(float[] divisors, double theta, long headDim) {
        double factor = 1;
        for (float d : divisors) factor = Math.max(factor, d);
        if (factor == 1) return null;
        for (double low : new double[] {1, 2}) {
            for (double high : new double[] {4, 8, 2}) {
                for (long orig : new long[] {8192, 4096, 16384, 32768, 65536, 131072}) {
                    boolean ok = true;
                    for (int i = 0; i < divisors.length && ok; i++) {
                        double invFreq = Math.pow(theta, -2.0 * i / headDim);
                        double wavelen = 2 * Math.PI / invFreq;
                        double expect;
                        if (wavelen < orig / high) expect = 1;
                        else if (wavelen > orig / low) expect = factor;
                        else {
                            double smooth = (orig / wavelen - low) / (high - low);
                            expect = 1 / ((1 - smooth) / factor + smooth);
                        }
                        ok = Math.abs(divisors[i] - expect) <= 1e-4 * expect;
                    }
                    if (ok) {
                        Map<String, Object> s = new LinkedHashMap<>();
                        s.put("rope_type", "llama3");
                        s.put("factor", factor);
                        s.put("low_freq_factor", low);
                        s.put("high_freq_factor", high);
                        s.put("original_max_position_embeddings", orig);
                        return s;
                    }
                }
            }
        }
        return null;
    }
}
