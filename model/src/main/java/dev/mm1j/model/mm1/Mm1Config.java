package dev.mm1j.model.mm1;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.vision.VisionPipelineConfig;
import java.util.List;

/**
 * The top-level {@code config.json} of an MM1 checkpoint (spec §3, {@code model_type: "mm1"}): the vision side
 * ({@code vision_config}, {@code connector_config}, {@code image_preprocess}, {@code image_split},
 * {@code vision_feature_layer}, bundled in {@link VisionPipelineConfig}), the decoder ({@code text_config} with
 * the root's bos/eos ids, a {@link TextConfig}) and {@code image_token_id}. Validated on construction; errors
 * name the key.
 *
 * @param vision       the image encoder, the connector and how images are prepared
 * @param text         the language model
 * @param imageTokenId {@code image_token_id}: the id of {@code <image>}, inside the vocabulary
 */
public record Mm1Config(VisionPipelineConfig vision, TextConfig text, int imageTokenId) {

    /** The preset names (spec §3), in the order of the table. */
    public static final List<String> PRESETS = List.of("mm1-3b", "mm1-7b", "mm1-30b", "mm1-3b-moe", "mm1-7b-moe");

    public Mm1Config {
        if (vision == null || text == null) throw new NullPointerException("mm1 config parts");
        if (!text.modelType().equals("mm1")) throw new Mm1jException("config.json: model_type=\"" + text.modelType() + "\" is not mm1");
        if (imageTokenId < 0 || imageTokenId >= text.vocabSize()) {
            throw new Mm1jException("config.json: image_token_id=" + imageTokenId + " is outside text_config.vocab_size=" + text.vocabSize());
        }
    }

    /** Reads the root object of an MM1 config.json. */
    public static Mm1Config fromJson(JsonObject root) {
        String type = root.optString("model_type", null);
        if (!"mm1".equals(type)) {
            throw new Mm1jException("config.json: model_type=" + (type == null ? "(missing)" : "\"" + type + "\"") + " is not an MM1 checkpoint (expected \"mm1\")");
        }
        if (!root.has("vision_config")) throw new Mm1jException("config.json: missing required key 'vision_config'");
        if (!root.has("image_token_id")) throw new Mm1jException("config.json: missing required key 'image_token_id'");
        TextConfig text = TextConfig.fromJson(root);
        VisionPipelineConfig vision;
        try {
            vision = VisionPipelineConfig.fromJson(root);
        } catch (Mm1jException e) {
            throw e.getMessage().startsWith("config.json") ? e : new Mm1jException("config.json: " + e.getMessage());
        }
        return new Mm1Config(vision, text, root.getInt("image_token_id"));
    }

    /** Embeddings one {@code <image>} becomes in the sequence (spec §7): 144, or 144 × (tiles + 1) with splitting. */
    public int tokensPerImage() {
        return vision.tokensPerImage();
    }

    /**
     * A preset of spec §3 (vocabulary 49152 with {@code <image>} = 49151, BOS 1, EOS 2, context 4096, tied
     * embeddings, head_dim 128, ViT-H/14-378 and the C-Abstractor). {@code experts} > 0 replaces the expert count
     * of a MoE preset (64 experts of FFN 8192 for mm1-3b-moe do not fit in 24 GiB even in Q8_0); 0 keeps it.
     */
    public static Mm1Config preset(String name, int experts) {
        // layers, hidden, heads, kv heads, FFN, experts, MoE every
        int[] p = switch (name) {
            case "mm1-3b" -> new int[] {26, 3072, 24, 8, 8192, 0, 2};
            case "mm1-7b" -> new int[] {32, 4096, 32, 32, 11008, 0, 2};
            case "mm1-30b" -> new int[] {60, 6656, 52, 52, 17920, 0, 2};
            case "mm1-3b-moe" -> new int[] {26, 3072, 24, 8, 8192, 64, 2};
            case "mm1-7b-moe" -> new int[] {32, 4096, 32, 32, 11008, 32, 4};
            default -> throw new Mm1jException("unknown preset '" + name + "' (" + String.join(", ", PRESETS) + ")");
        };
        if (experts < 0) throw new Mm1jException("the expert count must be positive, got " + experts);
        if (experts > 0 && p[5] == 0) throw new Mm1jException("preset " + name + " is dense: it has no experts to override (try " + name + "-moe)");
        int e = experts > 0 ? experts : p[5];
        if (e == 1) throw new Mm1jException("a MoE preset needs at least 2 experts (it routes each token to 2)");
        TextConfig text = new TextConfig("mm1", p[1], p[4], p[0], p[2], p[3], 128, 1e-5f, 10000.0, null, 49152, 4096, true,
            "silu", false, 0, e, 2, p[6], 1, new int[] {2});
        return new Mm1Config(VisionPipelineConfig.mm1(), text, 49151);
    }

    /** A one-line description: encoder, connector, decoder. */
    public String describe() {
        var v = vision.vision();
        var c = vision.connector();
        TextConfig t = text;
        return "ViT " + v.numHiddenLayers() + " layers W " + v.hiddenSize() + " at " + v.imageSize() + "px/" + v.patchSize()
            + " + " + c.type() + " (" + tokensPerImage() + " tokens per image)"
            + " + decoder " + t.numHiddenLayers() + " layers d " + t.hiddenSize() + " heads " + t.numAttentionHeads() + "/" + t.numKeyValueHeads()
            + " FFN " + t.intermediateSize()
            + (t.numLocalExperts() > 0 ? " MoE " + t.numLocalExperts() + " experts (top " + t.numExpertsPerTok() + ", every " + t.moeLayerFrequency() + ")" : "")
            + " vocab " + t.vocabSize();
    }
}
