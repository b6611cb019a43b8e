package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;

/**
 * The vision-side keys of an MM1 config.json (spec §3): {@code vision_config}, {@code connector_config},
 * {@code image_preprocess}, {@code image_split} and {@code vision_feature_layer}, validated together (a feature
 * layer within the encoder's depth, a sub-image size that is a multiple of the patch size).
 *
 * @param vision             {@code vision_config}
 * @param connector          {@code connector_config}
 * @param preprocess         {@code image_preprocess}
 * @param split              {@code image_split}
 * @param visionFeatureLayer {@code vision_feature_layer}, in the Hugging Face sense: 0 = the encoder input
 *                           (after pre_layrnorm), k = the output of layer k−1, −1 = the last layer's output
 */
public record VisionPipelineConfig(VisionConfig vision, ConnectorConfig connector, ImagePreprocessConfig preprocess,
                                   ImageSplitConfig split, int visionFeatureLayer) {

    public VisionPipelineConfig {
        if (vision == null || connector == null || preprocess == null || split == null) throw new NullPointerException("vision pipeline config parts");
        int layers = vision.numHiddenLayers();
        if (visionFeatureLayer < -(layers + 1) || visionFeatureLayer > layers) {
            throw new Mm1jException("vision_feature_layer " + visionFeatureLayer + " is out of range for " + layers
                + " layers (" + -(layers + 1) + " .. " + layers + ")");
        }
        if (split.enabled() && split.subImageSize() % vision.patchSize() != 0) {
            throw new Mm1jException("image_split.sub_image_size " + split.subImageSize() + " is not a multiple of vision_config.patch_size " + vision.patchSize());
        }
    }

    /** Reads the vision-side keys from the root object of config.json. */
    public static VisionPipelineConfig fromJson(JsonObject root) {
        VisionConfig v = VisionConfig.fromJson(root.getObject("vision_config"));
        JsonObject c = root.optObject("connector_config");
        ConnectorConfig cc = c == null ? ConnectorConfig.mm1() : ConnectorConfig.fromJson(c);
        return new VisionPipelineConfig(v, cc, ImagePreprocessConfig.fromJson(root.optObject("image_preprocess")),
            ImageSplitConfig.fromJson(root.optObject("image_split")), root.optInt("vision_feature_layer", -1));
    }

    /** The vision side shared by every MM1 preset (ViT-H/14-378 + C-Abstractor, CLIP normalisation, no splitting). */
    public static VisionPipelineConfig mm1() {
        return new VisionPipelineConfig(VisionConfig.vitH14x378(), ConnectorConfig.mm1(), ImagePreprocessConfig.defaults(),
            ImageSplitConfig.disabled(), -1);
    }

    /** Encoder layers to run: the hidden state {@link #visionFeatureLayer()} is the output of this many layers. */
    public int layersToRun() {
        int layers = vision.numHiddenLayers();
        return visionFeatureLayer >= 0 ? visionFeatureLayer : layers + 1 + visionFeatureLayer;
    }

    /** The side of the images the encoder sees: {@code sub_image_size} with splitting, else {@code image_size}. */
    public int encoderImageSize() {
        return split.enabled() ? split.subImageSize() : vision.imageSize();
    }

    /** Embeddings one input image becomes in the sequence (spec §7). */
    public int tokensPerImage() {
        int g = encoderImageSize() / vision.patchSize();
        return connector.tokensPerImage(g) * split.imagesPerInput();
    }
}
