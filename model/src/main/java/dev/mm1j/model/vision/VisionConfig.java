package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;

/**
 * {@code vision_config} of config.json (spec §3, Hugging Face {@code CLIPVisionConfig} keys): a CLIP ViT.
 * Validated on construction; errors name the key, e.g.
 * {@code vision_config.image_size 100 is not a multiple of patch_size 14}.
 *
 * @param hiddenSize        {@code hidden_size}, W
 * @param intermediateSize  {@code intermediate_size}, the MLP width I
 * @param numHiddenLayers   {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads} (divides W)
 * @param imageSize         {@code image_size}, S: the side the position embeddings were trained for
 * @param patchSize         {@code patch_size}, P (divides S)
 * @param numChannels       {@code num_channels} (3: RGB)
 * @param hiddenAct         {@code hidden_act}: {@code quick_gelu} or {@code gelu} (exact erf form)
 * @param layerNormEps      {@code layer_norm_eps}
 */
public record VisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                           int imageSize, int patchSize, int numChannels, String hiddenAct, double layerNormEps) {

    public VisionConfig {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("image_size", imageSize);
        positive("patch_size", patchSize);
        if (numChannels != 3) throw new Mm1jException("vision_config.num_channels " + numChannels + " is not supported (images are RGB: 3)");
        if (hiddenSize % numAttentionHeads != 0) {
            throw new Mm1jException("vision_config.hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if (imageSize % patchSize != 0) {
            throw new Mm1jException("vision_config.image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (!"quick_gelu".equals(hiddenAct) && !"gelu".equals(hiddenAct)) {
            throw new Mm1jException("vision_config.hidden_act '" + hiddenAct + "' is not supported (quick_gelu or gelu)");
        }
        if (!(layerNormEps > 0) || !Double.isFinite(layerNormEps)) throw new Mm1jException("vision_config.layer_norm_eps " + layerNormEps + " must be a positive number");
    }

    /** Reads the {@code vision_config} object; {@code hidden_act}, {@code num_channels}, {@code layer_norm_eps} have CLIP's defaults. */
    public static VisionConfig fromJson(JsonObject o) {
        return new VisionConfig(o.getInt("hidden_size"), o.getInt("intermediate_size"), o.getInt("num_hidden_layers"),
            o.getInt("num_attention_heads"), o.getInt("image_size"), o.getInt("patch_size"), o.optInt("num_channels", 3),
            o.optString("hidden_act", "quick_gelu"), o.optDouble("layer_norm_eps", 1e-5));
    }

    /** Apple's DFN5B-CLIP-ViT-H-14-378, the encoder of every MM1 preset. */
    public static VisionConfig vitH14x378() {
        return new VisionConfig(1280, 5120, 32, 16, 378, 14, 3, "quick_gelu", 1e-5);
    }

    /** G = image_size / patch_size: the side of the position-embedding grid. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Width of one attention head, W / heads. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Rows of the position embedding table: 1 + G². */
    public int numPositions() {
        return 1 + grid() * grid();
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new Mm1jException("vision_config." + key + " " + v + " must be positive");
    }
}
