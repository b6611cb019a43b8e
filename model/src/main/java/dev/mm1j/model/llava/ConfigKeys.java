package dev.mm1j.model.llava;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The config.json keys a LLaVA checkpoint may hold, per object. Each is either read (and validated) by
 * {@link LlavaConfig} / {@link dev.mm1j.model.text.TextConfig}, or known to leave the forward pass unchanged
 * (generation defaults, training-only settings, names and versions: the attributes every transformers
 * {@code PretrainedConfig} serialises). Any other key with a value is refused with its name: it may change the
 * numerics in a way this engine would silently ignore.
 */
final class ConfigKeys {
    private ConfigKeys() {}

    /** PretrainedConfig's own attributes: bookkeeping, generation defaults and training switches. */
    private static final List<String> COMMON = List.of("_name_or_path", "_commit_hash", "_attn_implementation", "_attn_implementation_autoset",
        "architectures", "model_type", "transformers_version", "torch_dtype", "dtype", "use_bfloat16", "return_dict", "output_hidden_states",
        "output_attentions", "torchscript", "tf_legacy_loss", "pruned_heads", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder",
        "cross_attention_hidden_size", "add_cross_attention", "tie_encoder_decoder", "max_length", "min_length", "do_sample", "early_stopping",
        "num_beams", "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
        "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
        "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty",
        "suppress_tokens", "begin_suppress_tokens", "finetuning_task", "id2label", "label2id", "tokenizer_class", "prefix", "bos_token_id",
        "pad_token_id", "eos_token_id", "sep_token_id", "decoder_start_token_id", "task_specific_params", "problem_type", "use_cache",
        "initializer_range", "initializer_factor", "attention_dropout", "dropout", "hidden_dropout", "tie_word_embeddings", "gradient_checkpointing",
        "auto_map");

    /** The top level of LlavaConfig / LlavaNextConfig. */
    static final Set<String> LLAVA = set("text_config", "vision_config", "image_token_index", "image_token_id", "projector_hidden_act",
        "vision_feature_layer", "vision_feature_select_strategy", "multimodal_projector_bias", "image_grid_pinpoints", "image_seq_length",
        "ignore_index", "vocab_size", "use_image_newline_parameter", "image_token");

    /** CLIPVisionConfig (projection_dim and vocab_size belong to CLIPModel's heads, unused by CLIPVisionModel). */
    static final Set<String> VISION = set("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_channels",
        "image_size", "patch_size", "hidden_act", "layer_norm_eps", "projection_dim", "vocab_size");

    /** LlamaConfig, MistralConfig, Qwen2Config: read by TextConfig (rope_scaling, mlp_bias, hidden_act are validated there). */
    static final Set<String> TEXT = set("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "head_dim", "rms_norm_eps", "rope_theta", "rope_scaling", "vocab_size", "max_position_embeddings", "hidden_act", "attention_bias",
        "mlp_bias", "sliding_window", "use_sliding_window", "max_window_layers", "pretraining_tp");

    private static Set<String> set(String... keys) {
        Set<String> s = new HashSet<>(COMMON);
        s.addAll(List.of(keys));
        return Set.copyOf(s);
    }

    /** Refuses the first key of {@code o} outside {@code known} that holds a value; {@code where} prefixes its name. */
    static void check(JsonObject o, Set<String> known, String where) {
        for (String k : o.keys()) {
            if (!known.contains(k) && o.get(k) != null) {
                throw new Mm1jException("config.json: " + where + k + " is not a key this engine knows; it may change the model's numerics, "
                    + "so the checkpoint is refused rather than run differently from transformers");
            }
        }
    }
}
