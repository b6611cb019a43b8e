package dev.mm1j.model.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class VisionConfigTest {
    /** The config.json of spec §3 (vision-side keys plus a text_config this class ignores). */
    static final String SPEC = """
        {
          "model_type": "mm1",
          "vision_config": {
            "hidden_size": 1280, "intermediate_size": 5120, "num_hidden_layers": 32,
            "num_attention_heads": 16, "image_size": 378, "patch_size": 14, "num_channels": 3,
            "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5
          },
          "connector_config": {
            "type": "c-abstractor", "hidden_size": 1024, "depth": 3, "mlp_depth": 2,
            "num_image_tokens": 144, "pos_emb": true, "se_ratio": 0.25, "layer_norm_eps": 1e-5
          },
          "text_config": {"hidden_size": 3072},
          "vision_feature_layer": -1,
          "image_token_id": 49151,
          "image_preprocess": {
            "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
            "resize": "squash", "resample": "bicubic"
          },
          "image_split": { "enabled": false, "sub_image_size": 672, "grid": [2, 2], "overview": "after" },
          "bos_token_id": 1, "eos_token_id": 2
        }""";

    static VisionPipelineConfig parse(String json) {
        return VisionPipelineConfig.fromJson(JsonObject.of(Json.parse(json), "config.json"));
    }

    static String error(String from, String to) {
        assertTrue(SPEC.contains(from), from);
        Mm1jException e = assertThrows(Mm1jException.class, () -> parse(SPEC.replace(from, to)));
        return e.getMessage();
    }

    @Test
    void specConfigIsTheMm1Preset() {
        VisionPipelineConfig c = parse(SPEC);
        assertEquals(VisionPipelineConfig.mm1(), c);
        assertEquals(27, c.vision().grid());
        assertEquals(80, c.vision().headDim());
        assertEquals(730, c.vision().numPositions());
        assertEquals(32, c.layersToRun());
        assertEquals(144, c.tokensPerImage());
        assertEquals(12, c.connector().poolSide());
        assertEquals(320, c.connector().seChannels(1280));
    }

    @Test
    void splitAndFeatureLayer() {
        VisionPipelineConfig c = parse(SPEC.replace("\"enabled\": false", "\"enabled\": true").replace("\"vision_feature_layer\": -1", "\"vision_feature_layer\": -2"));
        assertEquals(31, c.layersToRun());
        assertEquals(672, c.encoderImageSize());
        assertEquals(5 * 144, c.tokensPerImage());
        assertEquals(4, c.split().overviewIndex());
        assertEquals(0, parse(SPEC.replace("\"vision_feature_layer\": -1", "\"vision_feature_layer\": 0")).layersToRun());
        VisionPipelineConfig mlp = parse(SPEC.replace("\"c-abstractor\"", "\"mlp\""));
        assertEquals(729, mlp.tokensPerImage());
    }

    @Test
    void defaultsWhenOptionalObjectsAreAbsent() {
        VisionPipelineConfig c = parse("""
            {"vision_config": {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
             "num_attention_heads": 2, "image_size": 70, "patch_size": 14}}""");
        assertEquals("quick_gelu", c.vision().hiddenAct());
        assertEquals(ConnectorConfig.mm1(), c.connector());
        assertEquals(ImagePreprocessConfig.defaults(), c.preprocess());
        assertEquals(false, c.split().enabled());
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("vision_config.image_size 100 is not a multiple of patch_size 14", error("\"image_size\": 378", "\"image_size\": 100"));
        assertTrue(error("\"num_attention_heads\": 16", "\"num_attention_heads\": 7").startsWith("vision_config.hidden_size 1280 is not a multiple of num_attention_heads 7"));
        assertTrue(error("\"quick_gelu\"", "\"relu\"").startsWith("vision_config.hidden_act 'relu'"));
        assertTrue(error("\"num_channels\": 3", "\"num_channels\": 4").startsWith("vision_config.num_channels 4"));
        assertTrue(error("\"hidden_size\": 1280", "\"hidden_size\": 0").startsWith("vision_config.hidden_size 0"));
        assertTrue(error("\"num_image_tokens\": 144", "\"num_image_tokens\": 140").startsWith("connector_config.num_image_tokens 140 is not a square"));
        assertTrue(error("\"type\": \"c-abstractor\"", "\"type\": \"perceiver\"").startsWith("connector_config.type 'perceiver'"));
        assertTrue(error("\"mlp_depth\": 2", "\"mlp_depth\": 0").startsWith("connector_config.mlp_depth 0"));
        assertTrue(error("\"depth\": 3", "\"depth\": -1").startsWith("connector_config.depth -1"));
        assertTrue(error("\"se_ratio\": 0.25", "\"se_ratio\": 0").startsWith("connector_config.se_ratio"));
        assertTrue(error("\"vision_feature_layer\": -1", "\"vision_feature_layer\": 33").startsWith("vision_feature_layer 33 is out of range for 32 layers"));
        assertTrue(error("\"vision_feature_layer\": -1", "\"vision_feature_layer\": -34").startsWith("vision_feature_layer -34"));
        assertTrue(error("\"resize\": \"squash\"", "\"resize\": \"pad\"").startsWith("image_preprocess.resize 'pad'"));
        assertTrue(error("\"resample\": \"bicubic\"", "\"resample\": \"lanczos\"").startsWith("image_preprocess.resample 'lanczos'"));
        assertTrue(error("\"std\": [0.26862954, 0.26130258, 0.27577711]", "\"std\": [0.2, 0, 0.2]").startsWith("image_preprocess.std"));
        assertTrue(error("\"mean\": [0.48145466, 0.4578275, 0.40821073]", "\"mean\": [0.5]").startsWith("image_preprocess.mean must hold 3 numbers"));
        assertTrue(error("\"grid\": [2, 2]", "\"grid\": [2]").startsWith("image_split.grid"));
        assertTrue(error("\"grid\": [2, 2]", "\"grid\": [0, 2]").startsWith("image_split.grid"));
        assertTrue(error("\"overview\": \"after\"", "\"overview\": \"middle\"").startsWith("image_split.overview 'middle'"));
        assertEquals("image_split.sub_image_size 670 is not a multiple of vision_config.patch_size 14",
            error("{ \"enabled\": false, \"sub_image_size\": 672", "{ \"enabled\": true, \"sub_image_size\": 670"));
        assertTrue(error("\"hidden_size\": 1280", "\"hidden_size\": \"big\"").contains("vision_config.hidden_size"));
        assertTrue(error("\"vision_config\"", "\"vision_cfg\"").contains("vision_config"));
    }
}
