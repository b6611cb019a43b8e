package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.RandomWeights;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API: image sources, text-only checkpoints through the same calls, the default model, closing. */
class Mm1ApiTest {
    static final Path DEMO = Path.of("../models/mm1-demo");
    static final Path SHAPES1 = Path.of("../examples/shapes1.png");

    @TempDir
    Path tmp;

    @Test
    void anImageGivesTheSameAnswerFromAFileBytesOrABufferedImage() throws Exception {
        byte[] png = Files.readAllBytes(SHAPES1);
        BufferedImage img = ImageIO.read(SHAPES1.toFile());
        String q = "Describe the image.";
        try (Mm1 m = Mm1.load(DEMO, Mm1Options.defaults().threads(2))) {
            List<String> streamed = new ArrayList<>();
            Mm1.Result a = m.generate(Prompt.of(q, SHAPES1), SamplingParams.greedy(), streamed::add);
            Mm1.Result b = m.generate(Prompt.builder().image(png).question(q).build(), SamplingParams.greedy(), null);
            Mm1.Result c = m.generate(Prompt.builder().image(img).question(q).build(), SamplingParams.greedy(), null);
            assertEquals(a.text(), String.join("", streamed), "the streamed pieces make the answer");
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.tokens(), c.tokens());
            assertEquals(1, a.images());
            assertTrue(a.reusedPositions() == 0 && b.reusedPositions() > 0, "the cached prefix is reused up to the first image");
        }
    }

    @Test
    void promptsAreCheckedWhereTheyAreBuilt() {
        assertThrows(Mm1jException.class, () -> Prompt.builder().image(SHAPES1).build(), "images after the last question");
        assertThrows(Mm1jException.class, () -> Prompt.builder().question("a").question("b"), "two questions in a row");
        assertThrows(Mm1jException.class, () -> Prompt.builder().answer("x"), "an answer without a question");
    }

    @Test
    void aTextOnlyCheckpointRunsThroughTheSameApi() throws Exception {
        // a random Llama checkpoint over the demo model's tokenizer (428 ids)
        TextConfig c = new TextConfig("llama", 64, 96, 2, 4, 2, 16, 1e-5f, 10000.0, null, 428, 256, false, "silu", false, 0, 0, 2, 1, 1, new int[] {2});
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (MapWeightSource src = RandomWeights.create(c, DType.F32, 5, 1f)) {
            for (String n : src.names()) tensors.put(n, src.tensor(n));
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), tensors);
        }
        Files.writeString(tmp.resolve("config.json"), """
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 428, "max_position_embeddings": 256,
             "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2}""");
        Files.copy(DEMO.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Prompt p = Prompt.of("How many shapes are there?");
        int[] viaApi;
        int[] ids;
        try (Mm1 m = Mm1.load(tmp, Mm1Options.defaults().backend("reference"))) {
            assertFalse(m.isMultimodal());
            ids = m.promptIds(p);
            viaApi = m.generate(p, SamplingParams.greedy(), 6, List.of(), true, null).tokens();
            Mm1jException e = assertThrows(Mm1jException.class, () -> m.generate(Prompt.of("Describe the image.", SHAPES1), SamplingParams.greedy(), null));
            assertTrue(e.getMessage().contains("text-only"), e.getMessage());
        }
        // the same ids through the decoder and the Generator directly
        try (var lm = dev.mm1j.model.LoadedModel.open(tmp, Mm1Options.defaults().backend("reference")); TextModel tm = lm.text();
             KvCache cache = tm.newCache(256, DType.F32); Generator g = new Generator(tm)) {
            GenerationResult r = g.generate(cache, ids, new GenerationParams(6, SamplingParams.greedy(), new int[0], List.of()), null, null);
            assertArrayEquals(r.tokens(), viaApi);
        }
    }

    @Test
    void theDefaultModelIsFoundUnderTheInstallOrNamedWhenMissing() {
        String old = System.getProperty("mm1j.home");
        try {
            System.setProperty("mm1j.home", "..");
            assertEquals(DEMO.toAbsolutePath().normalize(), Mm1.defaultModel());
            System.setProperty("mm1j.home", tmp.toString());
            Mm1jException e = assertThrows(Mm1jException.class, Mm1::defaultModel);
            assertTrue(e.getMessage().contains("the default model is missing") && e.getMessage().contains(tmp.toString()), e.getMessage());
        } finally {
            if (old == null) System.clearProperty("mm1j.home");
            else System.setProperty("mm1j.home", old);
        }
    }

    @Test
    void aClosedModelSaysSo() throws Exception {
        Mm1 m = Mm1.load(DEMO, Mm1Options.defaults().backend("reference"));
        m.close();
        m.close(); // idempotent
        Mm1jException e = assertThrows(Mm1jException.class, () -> m.generate(Prompt.of("Describe the image.", SHAPES1), SamplingParams.greedy(), null));
        assertTrue(e.getMessage().contains("closed"));
    }
}
