package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.vision.RgbImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLaVA configs as transformers writes them (keys left at their defaults are omitted), and every refusal: unknown keys
 * that might change the numerics, unsupported values, inconsistent processor and model, mixed tensor-name generations,
 * malformed mmproj metadata, image counts that do not match the prompt. Each error is one message naming the problem.
 */
class LlavaConfigTest {
    @TempDir
    Path tmp;

    static JsonObject json(String text) {
        return JsonObject.of(Json.parse(text), "config.json");
    }

    /** llava-hf/llava-1.5-7b-hf's config.json (its text_config relies on LlamaConfig's defaults). */
    static final String LLAVA15 = """
        {"architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100, "image_token_index": 32000,
         "model_type": "llava", "pad_token_id": 32001, "projector_hidden_act": "gelu",
         "text_config": {"_name_or_path": "lmsys/vicuna-7b-v1.5", "architectures": ["LlamaForCausalLM"],
           "max_position_embeddings": 4096, "model_type": "llama", "rms_norm_eps": 1e-05, "torch_dtype": "float16",
           "vocab_size": 32064},
         "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.36.0.dev0",
         "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
           "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
         "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}""";

    /** llava-hf/llava-v1.6-mistral-7b-hf's config.json. */
    static final String NEXT = """
        {"architectures": ["LlavaNextForConditionalGeneration"], "ignore_index": -100,
         "image_grid_pinpoints": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]], "image_token_index": 32000,
         "model_type": "llava_next", "projector_hidden_act": "gelu",
         "text_config": {"_name_or_path": "mistralai/Mistral-7B-Instruct-v0.2", "architectures": ["MistralForCausalLM"],
           "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral", "num_key_value_heads": 8,
           "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null, "torch_dtype": "bfloat16", "vocab_size": 32064},
         "torch_dtype": "float16", "transformers_version": "4.39.0.dev0", "use_image_newline_parameter": true,
         "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
           "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
         "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}""";

    @Test
    void readsTheLlavaHfConfigsWithTransformersDefaults() {
        LlavaConfig c = LlavaConfig.fromJson(json(LLAVA15));
        assertEquals(false, c.next());
        assertEquals(4096, c.text().hiddenSize());
        assertEquals(11008, c.text().intermediateSize());
        assertEquals(32, c.text().numHiddenLayers());
        assertEquals(32, c.text().numKeyValueHeads());
        assertEquals(32064, c.text().vocabSize());
        assertEquals(1e-5f, c.text().rmsNormEps());
        assertEquals(false, c.text().tieWordEmbeddings());
        assertEquals("quick_gelu", c.vision().hiddenAct());
        assertArrayEquals(new int[] {23}, c.hiddenStates());
        assertEquals(23, c.layersToRun());
        assertEquals(576, c.tokensPerView());
        assertEquals(32000, c.imageTokenIndex());

        LlavaConfig n = LlavaConfig.fromJson(json(NEXT));
        assertTrue(n.next());
        assertEquals("mistral", n.text().modelType());
        assertEquals(8, n.text().numKeyValueHeads());
        assertEquals(1e6, n.text().ropeTheta());
        assertEquals(0, n.text().slidingWindow(), "sliding_window: null");
        assertEquals(5, n.pinpoints().size());
        // the rows of a 500x300 image: 576 base + 24 rows x (40 + 1 newline)
        assertEquals(1560, n.anyres().rows(300, 500, 24, true));
    }

    @Test
    void absentSubConfigsTakeLlavasDefaults() {
        LlavaConfig c = LlavaConfig.fromJson(json("{\"model_type\": \"llava\", \"text_config\": {\"vocab_size\": 32064}}"));
        assertEquals(1024, c.vision().hiddenSize());
        assertEquals(336, c.vision().imageSize());
        assertEquals(24, c.vision().numHiddenLayers());
        assertEquals(4096, c.text().hiddenSize());
        assertEquals("llama", c.text().modelType());
        assertEquals(32000, c.imageTokenIndex());
        // LlamaConfig's 32000 tokens do not hold LlavaConfig's default image token (transformers fails on it too)
        assertTrue(error("{\"model_type\": \"llava\"}").contains("image_token_index 32000 is outside the vocabulary"));
    }

    static String with(String config, String key, String value) {
        return config.replaceFirst("\\{", "{\"" + key + "\": " + value + ", ");
    }

    static String error(String config) {
        return assertThrows(Mm1jException.class, () -> LlavaConfig.fromJson(json(config))).getMessage();
    }

    @Test
    void refusesWhatItCannotRunLikeTransformers() {
        assertTrue(error(with(LLAVA15, "rope_flavour", "\"x\"")).contains("rope_flavour"), "unknown top-level key");
        assertTrue(error(LLAVA15.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1e-05, \"attn_logit_softcapping\": 30.0"))
            .contains("text_config.attn_logit_softcapping"));
        assertTrue(error(LLAVA15.replace("\"patch_size\": 14", "\"patch_size\": 14, \"use_cls\": false")).contains("vision_config.use_cls"));
        assertTrue(error(NEXT.replace("\"vision_feature_select_strategy\": \"default\"", "\"vision_feature_select_strategy\": \"full\"")).contains("full"));
        assertTrue(error(LLAVA15.replace("\"projector_hidden_act\": \"gelu\"", "\"projector_hidden_act\": \"relu\"")).contains("projector_hidden_act"));
        assertTrue(error(LLAVA15.replace("\"vision_feature_layer\": -2", "\"vision_feature_layer\": -26")).contains("vision_feature_layer -26"));
        assertTrue(error(LLAVA15.replace("\"model_type\": \"clip_vision_model\"", "\"model_type\": \"siglip_vision_model\"")).contains("siglip_vision_model"));
        assertTrue(error(LLAVA15.replace("\"model_type\": \"llama\"", "\"model_type\": \"gemma\"")).contains("text_config.model_type"));
        assertTrue(error(NEXT.replace("[336, 1008]]", "[336, 1000]]")).contains("[336, 1000]"));
        assertTrue(error(LLAVA15.replace("\"image_token_index\": 32000", "\"image_token_index\": 40000")).contains("image_token_index 40000"));
        assertTrue(error(LLAVA15.replace("\"max_position_embeddings\": 4096", "\"max_position_embeddings\": 4096, \"pretraining_tp\": 2")).contains("pretraining_tp"));
        assertTrue(error(LLAVA15.replace("\"hidden_size\": 1024", "\"hidden_size\": 1000")).contains("num_attention_heads"));
        assertTrue(error(LLAVA15.replace("\"vision_feature_select_strategy\": \"default\"", "\"vision_feature_select_strategy\": \"cls\"")).contains("'cls'"));
        assertTrue(error("{\"model_type\": \"mm1\"}").contains("not a LLaVA model"));
    }

    @Test
    void processorConfigRefusals() {
        String clip = "{\"image_processor_type\": \"CLIPImageProcessor\", \"size\": {\"shortest_edge\": 336}, \"crop_size\": {\"height\": 336, \"width\": 336}";
        ProcessorConfig ok = ProcessorConfig.fromJson(json(clip + "}"));
        assertEquals(336, ok.shortestEdge());
        assertEquals(1.0 / 255, ok.rescaleFactor());
        assertNull(ok.pinpoints());
        for (String[] bad : new String[][] {
            {clip + ", \"resample\": 2}", "resample 2"},
            {clip + ", \"crop_pct\": 0.9}", "crop_pct"},
            {"{\"image_processor_type\": \"SiglipImageProcessor\"}", "SiglipImageProcessor"},
            {"{\"size\": {\"shortest_edge\": 336, \"longest_edge\": 900}}", "longest_edge"},
            {"{\"image_processor_type\": \"LlavaNextImageProcessor\", \"crop_size\": {\"height\": 336, \"width\": 300}}", "square crop_size"},
            {"{\"image_processor_type\": \"LlavaNextImageProcessor\", \"size\": {\"shortest_edge\": 336}, \"crop_size\": 336, \"image_grid_pinpoints\": [[336, 600]]}", "[336, 600]"},
            {clip + ", \"image_std\": [0.2, 0, 0.2]}", "image_std"},
        }) {
            String msg = assertThrows(Mm1jException.class, () -> ProcessorConfig.fromJson(json(bad[0]))).getMessage();
            assertTrue(msg.contains(bad[1]), msg);
        }
        // the model and its processor must agree on the view size and the pinpoints
        LlavaConfig c = LlavaConfig.fromJson(json(LLAVA15));
        String msg = assertThrows(Mm1jException.class, () -> LlavaModel.checkProcessor(c, ProcessorConfig.fromJson(json("{\"size\": 224}")))).getMessage();
        assertTrue(msg.contains("336x336"), msg);
        LlavaConfig n = LlavaConfig.fromJson(json(NEXT));
        msg = assertThrows(Mm1jException.class, () -> LlavaModel.checkProcessor(n, ProcessorConfig.fromJson(json(clip + "}")))).getMessage();
        assertTrue(msg.contains("does not go with model_type llava_next"), msg);
    }

    @Test
    void bothTensorNameGenerationsButNotMixed() {
        MapWeightSource legacy = new MapWeightSource("legacy");
        legacy.put("language_model.model.norm.weight", Tensor.of(new float[] {1}, 1));
        assertEquals(false, ((LlavaNames) LlavaNames.of(legacy)).renamed());
        MapWeightSource fresh = new MapWeightSource("new");
        fresh.put("model.language_model.norm.weight", Tensor.of(new float[] {1}, 1)).put("lm_head.weight", Tensor.of(new float[] {2}, 1, 1))
            .put("model.image_newline", Tensor.of(new float[] {3}, 1)).put("model.vision_tower.vision_model.pre_layrnorm.bias", Tensor.of(new float[] {4}, 1));
        WeightSource n = LlavaNames.of(fresh);
        assertEquals(java.util.Set.of("language_model.model.norm.weight", "language_model.lm_head.weight", "image_newline",
            "vision_tower.vision_model.pre_layrnorm.bias"), n.names());
        assertEquals(2f, n.tensor("language_model.lm_head.weight").toFloatArray()[0]);
        MapWeightSource mixed = new MapWeightSource("mixed");
        mixed.put("language_model.model.norm.weight", Tensor.of(new float[] {1}, 1)).put("model.vision_tower.vision_model.pre_layrnorm.bias", Tensor.of(new float[] {4}, 1));
        String msg = assertThrows(ModelFormatException.class, () -> LlavaNames.of(mixed)).getMessage();
        assertTrue(msg.contains("two transformers generations"), msg);
    }

    /** A checkpoint missing a tensor fails with the tensor's name; a GGUF text file is not an mmproj. */
    @Test
    void missingTensorsAndWrongFiles() throws Exception {
        Path src = Path.of("src/test/resources/golden/llava/llava15-legacy-f32"), copy = tmp.resolve("broken");
        Files.createDirectories(copy);
        for (String f : List.of("config.json", "preprocessor_config.json")) Files.copy(src.resolve(f), copy.resolve(f));
        Mm1Options o = Mm1Options.defaults().backend("reference").threads(1);
        String msg = assertThrows(ModelFormatException.class, () -> LoadedModel.open(copy, o)).getMessage();
        assertTrue(msg.contains("safetensors"), msg);
        Path gguf = Path.of("src/test/resources/golden/llava/gguf-llava15/text-f16.gguf");
        msg = assertThrows(ModelFormatException.class, () -> LoadedModel.open(gguf, o.mmproj(gguf))).getMessage();
        assertTrue(msg.contains("general.architecture is 'llama', expected 'clip'"), msg);
        Path mmproj = Path.of("src/test/resources/golden/llava/gguf-llava15/mmproj-f16.gguf");
        msg = assertThrows(Mm1jException.class, () -> LoadedModel.open(src, o.mmproj(mmproj))).getMessage();
        assertTrue(msg.contains("goes with a text GGUF file"), msg);
    }

    @Test
    void mmprojMetadataRefusals() throws Exception {
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("general.architecture", "clip");
        base.put("clip.has_vision_encoder", true);
        base.put("clip.projector_type", "mlp");
        for (String k : List.of("clip.vision.block_count", "clip.vision.embedding_length", "clip.vision.feed_forward_length",
            "clip.vision.attention.head_count", "clip.vision.image_size", "clip.vision.patch_size")) base.put(k, 4);
        Consumer<Map<String, Object>> nothing = m -> { };
        Object[][] cases = {
            {(Consumer<Map<String, Object>>) m -> m.put("clip.projector_type", "ldp"), "'ldp'"},
            {(Consumer<Map<String, Object>>) m -> m.remove("clip.vision.patch_size"), "clip.vision.patch_size"},
            {(Consumer<Map<String, Object>>) m -> m.put("clip.use_silu", true), "use_silu"},
            {(Consumer<Map<String, Object>>) m -> m.put("clip.vision.image_grid_pinpoints", new int[] {8, 16, 16}), "(width, height) pairs"},
            {(Consumer<Map<String, Object>>) m -> m.put("clip.vision.image_grid_pinpoints", new int[] {8, 16}), "mm_patch_merge_type"},
            {(Consumer<Map<String, Object>>) m -> m.put("clip.vision.feature_layer", new int[] {7}), "feature_layer 7"},
            {(Consumer<Map<String, Object>>) m -> m.put("clip.vision.image_mean", new float[] {0.5f}), "image_mean"},
        };
        for (Object[] c : cases) {
            Map<String, Object> kv = new LinkedHashMap<>(base);
            @SuppressWarnings("unchecked") Consumer<Map<String, Object>> edit = (Consumer<Map<String, Object>>) c[0];
            edit.accept(kv);
            Path f = writeGguf(tmp.resolve("bad.gguf"), kv);
            String msg = assertThrows(ModelFormatException.class, () -> Mmproj.open(f)).getMessage();
            assertTrue(msg.contains((String) c[1]), msg);
        }
        nothing.accept(base);
        try (Mmproj m = Mmproj.open(writeGguf(tmp.resolve("ok.gguf"), base))) {
            assertEquals(4, m.vision().numHiddenLayers());
            assertArrayEquals(new int[] {4}, m.hiddenStates(), "the last stored block");
            assertEquals(ProcessorConfig.LLAVA, m.processor().type(), "llava-1.5: pad to square");
            assertTrue(m.processor().padsToSquare());
        }
    }

    @Test
    void imagesMustMatchThePromptAndTheGrid() throws Exception {
        Mm1Options o = Mm1Options.defaults().backend("reference").threads(1);
        try (LoadedModel m = LoadedModel.open(Path.of("src/test/resources/golden/llava/next-legacy-bf16"), o)) {
            LlavaModel enc = (LlavaModel) m.requireImages();
            assertEquals(427, enc.imageTokenId());
            String msg = assertThrows(Mm1jException.class, () -> ImageSplice.expand(new int[] {1, 427, 5, 427}, 427, new int[] {44})).getMessage();
            assertTrue(msg.contains("2 image tokens") && msg.contains("1 image is given"), msg);
            msg = assertThrows(Mm1jException.class, () -> enc.encode(List.of())).getMessage();
            assertTrue(msg.contains("no images"), msg);
            // a wide image's views claimed for a tall image: the grid does not match
            try (ImageEncoder.Input wide = enc.prepare(RgbImage.blank(45, 28))) {
                ImageEncoder.Input lie = new ImageEncoder.Input(wide.pixels(), wide.rows(), new int[] {28, 45});
                msg = assertThrows(Mm1jException.class, () -> enc.encode(List.of(lie))).getMessage();
                assertTrue(msg.contains("rows") || msg.contains("views"), msg);
                ImageEncoder.Input noSize = new ImageEncoder.Input(wide.pixels(), wide.rows(), null);
                msg = assertThrows(Mm1jException.class, () -> enc.encode(List.of(noSize))).getMessage();
                assertTrue(msg.contains("original size"), msg);
            }
        }
        // a GGUF pair has no image token in its vocabulary: the image id is vocab_size
        try (LoadedModel m = LoadedModel.open(Path.of("src/test/resources/golden/llava/gguf-llava15/text-f16.gguf"),
                o.mmproj(Path.of("src/test/resources/golden/llava/gguf-llava15/mmproj-f16.gguf")))) {
            assertEquals(m.text().config().vocabSize(), m.requireImages().imageTokenId());
            assertTrue(m.describe().contains("GGUF pair"), m.describe());
        }
    }

    /** A metadata-only GGUF v3 file (strings, u32, bools, i32 and f32 arrays). */
    static Path writeGguf(Path f, Map<String, Object> kv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(kv.size());
        for (var e : kv.entrySet()) {
            str(b, e.getKey());
            switch (e.getValue()) {
                case String s -> str(b.putInt(8), s);
                case Boolean v -> b.putInt(7).put((byte) (v ? 1 : 0));
                case Integer v -> b.putInt(4).putInt(v);
                case int[] a -> {
                    b.putInt(9).putInt(5).putLong(a.length);
                    for (int v : a) b.putInt(v);
                }
                case float[] a -> {
                    b.putInt(9).putInt(6).putLong(a.length);
                    for (float v : a) b.putFloat(v);
                }
                default -> throw new IllegalArgumentException(e.getKey());
            }
        }
        out.write(b.array(), 0, b.position());
        Files.write(f, out.toByteArray());
        return f;
    }

    static void str(ByteBuffer b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(u.length).put(u);
    }
}
