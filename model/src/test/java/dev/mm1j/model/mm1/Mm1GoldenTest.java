package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.model.cli.Main;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.nn.Params;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code mm1j logits --pixels} against PyTorch (tools/mm1/make_golden.py through tools/mm1ref) on two small random
 * MM1 checkpoints, two images each: {@code dense} (C-Abstractor, GQA) and {@code moe} (mlp projector, feature layer
 * −2, resized position embeddings, MoE decoder, adjacent image tokens). logits over the expanded sequence,
 * vision_features and image_embeds within 1e-4 of the largest value, for several --decode-from (inside an image
 * too), on every available backend.
 */
class Mm1GoldenTest {
    static final Path DIR = Path.of("src/test/resources/golden/mm1");
    static final double TOL = 1e-4;

    @TempDir
    Path tmp;

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
            StringBuilder tokens = new StringBuilder();
            for (int id : ids) tokens.append(tokens.isEmpty() ? "" : ",").append(id);
            // everything in one prefill, everything decoded one at a time, and a split inside the second image
            long tokensPerImage = want.tensor("image_embeds").dim(1);
            int image = dev.mm1j.core.json.JsonObject.read(folder.resolve("config.json")).getInt("image_token_id");
            int lastImage = -1, before = 0;
            for (int i = 0; i < ids.length; i++) if (ids[i] == image) lastImage = i;
            for (int i = 0; i < lastImage; i++) if (ids[i] == image) before++;
            long inside = lastImage + before * (tokensPerImage - 1) + 2;
            for (long k : new long[] {positions, 0, inside}) {
                Path out = tmp.resolve(name + "-" + k + ".safetensors");
                String[] argv = {"logits", "--model", folder.toString(), "--tokens", tokens.toString(), "--pixels", expected.toString(),
                    "--decode-from", Long.toString(k), "--out", out.toString(), "--backend", backend, "--threads", "2"};
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int status = Main.run(argv, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
                assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
                try (SafetensorsFile got = SafetensorsFile.open(out)) {
                    for (String t : List.of("logits", "vision_features", "image_embeds")) {
                        assertArrayEquals(want.tensor(t).shape(), got.tensor(t).shape(), t + " shape");
                        double e = relError(want.tensor(t).toFloatArray(), got.tensor(t).toFloatArray());
                        System.out.printf("[golden mm1] %-5s %-9s decode-from %2d  %-15s rel err %.2e%n", name, backend, k, t, e);
                        assertTrue(e <= TOL, name + " " + t + " decode-from " + k + ": relative error " + e);
                    }
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
             Backend backend = Backends.create(backendName, BackendOptions.threads(2));
             Mm1Model m = Mm1Model.open(folder, null, new Ops(backend, new ReferenceBackend()), null);
             Tensor pixels = Params.toF32(want.tensor("pixel_values"));
             Mm1Model.Encoded enc = m.encode(pixels)) {
            int[] ids = want.tensor("ids").toIntArray(), greedy = want.tensor("greedy").toIntArray();
            int[] expanded = m.expand(ids, (int) pixels.dim(0), (int) enc.embeds().dim(1));
            try (KvCache cache = m.text().newCache(expanded.length + greedy.length, DType.F32); Generator gen = new Generator(m.text())) {
                GenerationParams params = new GenerationParams(greedy.length, SamplingParams.greedy(), new int[0], List.of());
                GenerationResult r = gen.generate(cache, expanded, (c, from, logits) -> m.prefill(c, expanded, enc.embeds(), from, expanded.length, logits),
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
             Backend backend = Backends.create(backendName, BackendOptions.threads(2));
             Mm1Model m = Mm1Model.open(folder, null, new Ops(backend, new ReferenceBackend()), null);
             Tensor pixels = new ImagePreprocessor(m.config().vision(), ImageDecoder.withDefaultLimit()).pixels(List.of(folder.resolve("image.png")));
             Mm1Model.Encoded enc = m.encode(pixels)) {
            assertEquals(3, pixels.dim(0), "2 tiles and the overview");
            assertTrue(relError(want.tensor("pixel_values").toFloatArray(), pixels.toFloatArray()) <= 1e-5, "pixel values of the views");
            int[] ids = want.tensor("ids").toIntArray();
            Tensor perInput = Mm1Model.perInput(enc.embeds(), 1);
            assertEquals(m.config().tokensPerImage(), perInput.dim(1));
            int[] expanded = m.expand(ids, 1, (int) perInput.dim(1));
            int v = m.config().text().vocabSize();
            try (KvCache cache = m.text().newCache(expanded.length, DType.F32); Tensor logits = m.ops().allocate(DType.F32, expanded.length, v)) {
                m.prefill(cache, expanded, perInput, 0, expanded.length, logits);
                float[] got = new float[expanded.length * v];
                backend.copyOut(logits, java.lang.foreign.MemorySegment.ofArray(got));
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
