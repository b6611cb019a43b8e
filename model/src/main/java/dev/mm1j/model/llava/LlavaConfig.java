package dev.mm1j.model.llava;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.vision.VisionConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json of {@code LlavaForConditionalGeneration} ({@code model_type} llava) and
 * {@code LlavaNextForConditionalGeneration} (llava_next), with transformers' defaults for absent keys: LlavaConfig's
 * own (image_token_index 32000, projector_hidden_act gelu, vision_feature_layer −2, strategy default, projector
 * biases), CLIPVisionConfig's for a given {@code vision_config} (LLaVA's ViT-L/14-336 when it is absent), and
 * LlamaConfig's / MistralConfig's / Qwen2Config's for {@code text_config}. Validated on construction; a key this
 * engine does not know is refused with its name ({@link ConfigKeys}), since it might change the numerics.
 *
 * @param next               llava_next: anyres tiles, unpadding and image_newline
 * @param vision             {@code vision_config} (a CLIP ViT)
 * @param text               {@code text_config} (Llama, Mistral or Qwen2)
 * @param imageTokenIndex    {@code image_token_index} (or {@code image_token_id}); −1 when the vocabulary has none (a
 *                           GGUF text model: images are marked in the ids with {@link LlavaModel#IMAGE})
 * @param projectorAct       {@code projector_hidden_act}: gelu (erf), quick_gelu or silu
 * @param featureLayers      {@code vision_feature_layer} as written: one index, or a list whose hidden states are
 *                           concatenated along the features (Hugging Face sense: 0 = after pre_layrnorm, −1 = last)
 * @param keepClass          {@code vision_feature_select_strategy} full (default drops the class token)
 * @param projectorBias      {@code multimodal_projector_bias}
 * @param pinpoints          {@code image_grid_pinpoints} as (height, width) (NeXT), else null
 * @param unpadRound7        how NeXT's unpadding rounds the scaled side: transformers' {@code int(round(x, 7))} (true,
 *                           Hugging Face folders) or the original LLaVA's {@code int(x)} (false, GGUF pairs, spec §9.1)
 */
public record LlavaConfig(boolean next, VisionConfig vision, TextConfig text, int imageTokenIndex, UnaryOp projectorAct,
                          int[] featureLayers, boolean keepClass, boolean projectorBias, List<int[]> pinpoints, boolean unpadRound7) {

    public LlavaConfig {
        if (vision == null || text == null || projectorAct == null) throw new NullPointerException("llava config parts");
        featureLayers = featureLayers.clone();
        if (featureLayers.length == 0) throw new Mm1jException("config.json: vision_feature_layer is an empty list");
        int n = vision.numHiddenLayers();
        for (int l : featureLayers) {
            if (l < -(n + 1) || l > n) {
                throw new Mm1jException("config.json: vision_feature_layer " + l + " is out of range for " + n + " vision layers (" + -(n + 1) + " .. " + n + ")");
            }
        }
        if (imageTokenIndex < -1 || imageTokenIndex >= text.vocabSize()) {
            throw new Mm1jException("config.json: image_token_index " + imageTokenIndex + " is outside the vocabulary (text_config.vocab_size " + text.vocabSize() + ")");
        }
        if (next) {
            if (keepClass) {
                throw new Mm1jException("config.json: vision_feature_select_strategy 'full' with llava_next: the tile grid needs exactly "
                    + "(image_size/patch_size)² features per tile (transformers cannot reshape it either)");
            }
            new Anyres(pinpoints, vision.imageSize());
            pinpoints = pinpoints.stream().map(int[]::clone).toList();
        } else {
            pinpoints = null;
        }
    }

    @Override
    public int[] featureLayers() {
        return featureLayers.clone();
    }

    @Override
    public List<int[]> pinpoints() {
        return pinpoints == null ? null : pinpoints.stream().map(int[]::clone).toList();
    }

    /** The selected hidden states as non-negative indices (0 = after pre_layrnorm, k = after layer k−1), in order. */
    public int[] hiddenStates() {
        int n = vision.numHiddenLayers();
        return Arrays.stream(featureLayers).map(l -> l >= 0 ? l : n + 1 + l).toArray();
    }

    /** Vision layers a forward runs: the deepest selected hidden state. */
    public int layersToRun() {
        return Arrays.stream(hiddenStates()).max().orElseThrow();
    }

    /** The projector's input width: W times the number of selected hidden states. */
    public int featureWidth() {
        return vision.hiddenSize() * featureLayers.length;
    }

    /** g: patches per side of one encoder view. */
    public int grid() {
        return vision.imageSize() / vision.patchSize();
    }

    /** Rows one encoder view gives: g², plus the class token's with strategy full. */
    public int tokensPerView() {
        return grid() * grid() + (keepClass ? 1 : 0);
    }

    /** The anyres geometry (NeXT): the pinpoints in tiles of image_size. */
    public Anyres anyres() {
        if (!next) throw new Mm1jException("[llava] llava-1.5 has no anyres grid");
        return new Anyres(pinpoints, vision.imageSize());
    }

    /** One line for logs: family, sizes, feature selection. */
    public String describe() {
        return (next ? "llava_next" : "llava") + " vision " + vision.hiddenSize() + "x" + vision.numHiddenLayers() + " (" + vision.imageSize() + "/"
            + vision.patchSize() + ") layers " + Arrays.toString(featureLayers) + (keepClass ? " full" : "") + ", text " + text.modelType() + " "
            + text.hiddenSize() + "x" + text.numHiddenLayers() + " heads " + text.numAttentionHeads() + "/" + text.numKeyValueHeads();
    }

    // ================================================================== parsing

    /** Parses a config.json object of model_type llava or llava_next. */
    public static LlavaConfig fromJson(JsonObject root) {
        String type = root.optString("model_type", "");
        if (!type.equals("llava") && !type.equals("llava_next")) {
            throw new Mm1jException("config.json: model_type '" + type + "' is not a LLaVA model (llava or llava_next)");
        }
        boolean next = type.equals("llava_next");
        ConfigKeys.check(root, ConfigKeys.LLAVA, "");
        VisionConfig vision = vision(root.optObject("vision_config"));
        TextConfig text = text(root.optObject("text_config"));
        int image = root.has("image_token_index") ? root.getInt("image_token_index") : root.optInt("image_token_id", 32000);
        String act = root.optString("projector_hidden_act", "gelu");
        UnaryOp op = switch (act) {
            case "gelu" -> UnaryOp.GELU;
            case "quick_gelu" -> UnaryOp.QUICK_GELU;
            case "silu", "swish" -> UnaryOp.SILU;
            default -> throw new Mm1jException("config.json: projector_hidden_act '" + act + "' is not supported (gelu, quick_gelu, silu)");
        };
        int[] layers;
        Object fl = root.get("vision_feature_layer");
        if (fl == null) {
            layers = new int[] {-2};
        } else if (fl instanceof List<?>) {
            long[] l = root.getLongs("vision_feature_layer");
            layers = Arrays.stream(l).mapToInt(Math::toIntExact).toArray();
        } else {
            layers = new int[] {root.getInt("vision_feature_layer")};
        }
        String strategy = root.optString("vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw new Mm1jException("config.json: vision_feature_select_strategy '" + strategy + "' is not supported (default or full)");
        }
        List<int[]> pins = null;
        if (next) {
            pins = new ArrayList<>();
            if (root.has("image_grid_pinpoints")) {
                for (Object p : root.getList("image_grid_pinpoints")) pins.add(pair(p));
            } else {
                for (int[] p : ProcessorConfig.NEXT_PINPOINTS) pins.add(p.clone());
            }
        }
        return new LlavaConfig(next, vision, text, image, op, layers, strategy.equals("full"),
            root.optBoolean("multimodal_projector_bias", true), pins, true);
    }

    /** CLIPVisionConfig with its defaults; an absent vision_config is LLaVA's ViT-L/14 at 336. */
    static VisionConfig vision(JsonObject v) {
        if (v == null) return new VisionConfig(1024, 4096, 24, 16, 336, 14, 3, "quick_gelu", 1e-5);
        ConfigKeys.check(v, ConfigKeys.VISION, "vision_config.");
        String type = v.optString("model_type", "clip_vision_model");
        if (!type.equals("clip_vision_model")) {
            throw new Mm1jException("config.json: vision_config.model_type '" + type + "' is not supported (clip_vision_model)");
        }
        return new VisionConfig(v.optInt("hidden_size", 768), v.optInt("intermediate_size", 3072), v.optInt("num_hidden_layers", 12),
            v.optInt("num_attention_heads", 12), v.optInt("image_size", 224), v.optInt("patch_size", 32), v.optInt("num_channels", 3),
            v.optString("hidden_act", "quick_gelu"), v.optDouble("layer_norm_eps", 1e-5));
    }

    /** The text model's config: the family's defaults under the keys the file gives. */
    static TextConfig text(JsonObject t) {
        Map<String, Object> m = new LinkedHashMap<>();
        String type = t == null ? "llama" : t.optString("model_type", "llama");
        switch (type) {
            case "llama" -> defaults(m, 4096, 11008, 32, 32, 32000, 2048);
            case "mistral" -> {
                defaults(m, 4096, 14336, 32, 32, 32000, 4096 * 32);
                m.put("num_key_value_heads", 8L);
                if (t == null || !t.map().containsKey("sliding_window")) m.put("sliding_window", 4096L);
            }
            case "qwen2" -> {
                defaults(m, 4096, 22016, 32, 32, 151936, 32768);
                m.put("bos_token_id", null);
                m.put("eos_token_id", null);
            }
            default -> throw new Mm1jException("config.json: text_config.model_type '" + type + "' is not supported (llama, mistral, qwen2)");
        }
        if (t != null) {
            ConfigKeys.check(t, ConfigKeys.TEXT, "text_config.");
            if (t.has("pretraining_tp") && t.getInt("pretraining_tp") != 1) {
                throw new Mm1jException("config.json: text_config.pretraining_tp " + t.getInt("pretraining_tp") + " is not supported (1)");
            }
            m.putAll(t.map());
        }
        m.put("model_type", type);
        return TextConfig.fromJson(new JsonObject(m, "config.json: text_config"));
    }

    private static void defaults(Map<String, Object> m, long hidden, long inter, long layers, long heads, long vocab, long maxPos) {
        m.put("hidden_size", hidden);
        m.put("intermediate_size", inter);
        m.put("num_hidden_layers", layers);
        m.put("num_attention_heads", heads);
        m.put("vocab_size", vocab);
        m.put("max_position_embeddings", maxPos);
        m.put("rms_norm_eps", 1e-6);
        m.put("rope_theta", 10000.0);
        m.put("tie_word_embeddings", false);
        m.put("bos_token_id", 1L);
        m.put("eos_token_id", 2L);
    }

    private static int[] pair(Object p) {
        if (p instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Long a && l.get(1) instanceof Long b) return new int[] {Math.toIntExact(a), Math.toIntExact(b)};
        throw new Mm1jException("config.json: image_grid_pinpoints: expected [height, width] pairs of integers, got " + p);
    }
}
