package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.model.Conformance;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance forward pass of {@code mm1j logits --pixels} ({@link Conformance}) against PyTorch (tools/mm1/make_golden.py through tools/mm1ref) on two small random
 * MM1 checkpoints, two images each: {@code dense} (C-Abstractor, GQA) and {@code moe} (mlp projector, feature layer
 * −2, resized position embeddings, MoE decoder, adjacent image tokens). logits over the expanded sequence,
 * vision_features and image_embeds within 1e-4 of the largest value, for several --decode-from (inside an image
 * too), on every available backend.
 */
class Mm1GoldenTest {
    static final Path DIR = Path.of("src/test/resources/golden/mm1");
    static final double TOL = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            if (p.unavailableReason() != null || p.name().equals("cuda") && !Boolean.getBoolean("mm1j.test.cuda")) continue;
            for (String c : List.of("dense", "moe")) out.add(Arguments.of(c, p.name()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void logitsMatchPyTorch(String name, String backend) throws Exception {
        Path folder = DIR.resolve(name), expected = folder.resolve("expected.safetensors");
        try (SafetensorsFile want = SafetensorsFile.open(expected)) {
            int[] ids = want.tensor("ids").toIntArray();
            long positions = want.tensor("logits").dim(0);
            // everything in one prefill, everything decoded one at a time, and a split inside the second image
            long tokensPerImage = want.tensor("image_embeds").dim(1);
            int image = dev.mm1j.core.json.JsonObject.read(folder.resolve("config.json")).getInt("image_token_id");
            int lastImage = -1, before = 0;
            for (int i = 0; i < ids.length; i++) if (ids[i] == image) lastImage = i;
            for (int i = 0; i < lastImage; i++) if (ids[i] == image) before++;
            long inside = lastImage + before * (tokensPerImage - 1) + 2;
            for (long k : new long[] {positions, 0, inside}) {
                Map<String, Tensor> got;
                try (LoadedModel m = LoadedModel.open(folder, Mm1Options.defaults().backend(backend).threads(2));
                     Tensor pixels = Convert.to(want.tensor("pixel_values"), DType.F32)) {
                    got = Conformance.logits(m, ids, ((Mm1Model) m.images()).inputs(pixels), (int) k, DType.F32);
                }
                try {
                    for (String t : List.of("logits", "vision_features", "image_embeds")) {
                        assertArrayEquals(want.tensor(t).shape(), got.get(t).shape(), t + " shape");
                        double e = relError(want.tensor(t).toFloatArray(), got.get(t).toFloatArray());
                        System.out.printf("[golden mm1] %-5s %-9s decode-from %2d  %-15s rel err %.2e%n", name, backend, k, t, e);
                        assertTrue(e <= TOL, name + " " + t + " decode-from " + k + ": relative error " + e);
                    }
                } finally {
                    got.values().forEach(Tensor::close);
                }
            }
        }
    }

    /** Greedy decoding through the KV cache (Mm1Model's splice + the shared Generator) gives PyTorch's tokens. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void greedyMatchesPyTorch(String name, String backendName) throws Exception {
        Path folder = DIR.resolve(name);
        try (SafetensorsFile want = SafetensorsFile.open(folder.resolve("expected.safetensors"));
             LoadedModel lm = LoadedModel.open(folder, Mm1Options.defaults().backend(backendName).threads(2));
             Tensor pixels = Convert.to(want.tensor("pixel_values"), DType.F32);
             ImageEncoder.Encoded enc = lm.images().encode(((Mm1Model) lm.images()).inputs(pixels))) {
            int[] ids = want.tensor("ids").toIntArray(), greedy = want.tensor("greedy").toIntArray();
            int[] expanded = ImageSplice.expand(ids, lm.images().imageTokenId(), (int) pixels.dim(0), (int) (enc.rows().dim(0) / pixels.dim(0)));
            try (KvCache cache = lm.text().newCache(expanded.length + greedy.length, DType.F32); Generator gen = new Generator(lm.text())) {
                GenerationParams params = new GenerationParams(greedy.length, SamplingParams.greedy(), new int[0], List.of());
                GenerationResult r = gen.generate(cache, expanded, (c, from, logits) -> ImageSplice.prefill(lm.text(), c, expanded, enc.rows(), from, expanded.length, logits),
                    params, null, null);
                System.out.printf("[golden mm1] %-5s %-9s greedy %s (PyTorch min margin %.3f)%n", name, backendName,
                    java.util.Arrays.toString(r.tokens()), want.tensor("min_margin").toFloatArray()[0]);
                assertArrayEquals(greedy, r.tokens(), "greedy continuation");
                assertEquals(expanded.length + greedy.length - 1, cache.position());
            }
        }
    }

    /**
     * image_split (grid 1x2, overview before, sub-images smaller than image_size): the PNG cut into its views in Java
     * gives PyTorch's pixels, and with each view encoded on its own and the views' embeddings following each other at
     * the one {@code <image>}, the logits of the whole sequence.
     */
    @ParameterizedTest(name = "split on {1}")
    @MethodSource("cases")
    void splitImagesFollowEachOtherAtTheirToken(String ignored, String backendName) throws Exception {
        if (!ignored.equals("dense")) return; // once per backend
        Path folder = DIR.resolve("split");
        try (SafetensorsFile want = SafetensorsFile.open(folder.resolve("expected.safetensors"));
             LoadedModel lm = LoadedModel.open(folder, Mm1Options.defaults().backend(backendName).threads(2));
             ImageEncoder.Input image = lm.images().prepare(ImageDecoder.withDefaultLimit().decode(folder.resolve("image.png")));
             ImageEncoder.Encoded enc = lm.images().encode(List.of(image))) {
            Tensor pixels = image.pixels();
            Mm1Config config = ((Mm1Model) lm.images()).config();
            assertEquals(3, pixels.dim(0), "2 tiles and the overview");
            assertTrue(relError(want.tensor("pixel_values").toFloatArray(), pixels.toFloatArray()) <= 1e-5, "pixel values of the views");
            int[] ids = want.tensor("ids").toIntArray();
            assertEquals(config.tokensPerImage(), image.rows());
            assertEquals(config.tokensPerImage(), enc.rows().dim(0));
            int[] expanded = ImageSplice.expand(ids, config.imageTokenId(), new int[] {image.rows()});
            int v = config.text().vocabSize();
            try (KvCache cache = lm.text().newCache(expanded.length, DType.F32); Tensor logits = lm.ops().allocate(DType.F32, expanded.length, v)) {
                ImageSplice.prefill(lm.text(), cache, expanded, enc.rows(), 0, expanded.length, logits);
                float[] got = new float[expanded.length * v];
                lm.ops().copyOut(logits, java.lang.foreign.MemorySegment.ofArray(got));
                double e = relError(want.tensor("logits").toFloatArray(), got);
                System.out.printf("[golden mm1] split %-9s logits rel err %.2e%n", backendName, e);
                assertTrue(e <= TOL, "split logits: " + e);
            }
        }
    }

    /** max |a − b| / max |a|. */
    static double relError(float[] want, float[] got) {
        double err = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }
}
