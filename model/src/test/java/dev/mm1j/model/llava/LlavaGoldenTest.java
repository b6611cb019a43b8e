package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.Conformance;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Small random LLaVA checkpoints in every layout (tools/llava/make_golden.py) against the independent PyTorch
 * implementation tools/llava/llava_ref.py: Hugging Face folders of both tensor-name generations (F32, BF16; Llama and
 * Mistral text with GQA; one or several vision layers; strategy default and full; projector variants; LLaVA-NeXT on
 * wide, tall, tiny and square images) and llama.cpp GGUF pairs (spec §9.1: pad to square; (width, height) pinpoints;
 * F16 and Q8_0/Q4_0/Q4_K mmproj tensors, the legacy converter's and gguf-py's tensor names). Compared: the preprocessed pixels (bit for bit), the selected vision
 * features, the spliced rows (spec §9's image_embeds) and the logits of the whole expanded sequence, with several
 * --decode-from splits (all batched, all one at a time, inside the second image), on every available backend; and
 * greedy decoding through the KV cache token for token.
 */
class LlavaGoldenTest {
    static final Path DIR = Path.of("src/test/resources/golden/llava");
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    /** max |want − got| / max |want| (measured: 2e-7 to 7e-7 on cpu and reference, the Q8_0/Q4_0/Q4_K mmproj included). */
    static final double TOL = 1e-4;

    /** (case, mmproj variant or null, backend). */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            if (p.unavailableReason() != null || p.name().equals("cuda") && !Boolean.getBoolean("mm1j.test.cuda")) continue;
            for (String c : List.of("llava15-legacy-f32", "llava15-new-bf16", "next-legacy-bf16", "next-new-f32")) out.add(Arguments.of(c, "", p.name()));
            out.add(Arguments.of("gguf-llava15", "mmproj-f16.gguf", p.name()));
            out.add(Arguments.of("gguf-llava15", "mmproj-q.gguf", p.name()));
            out.add(Arguments.of("gguf-llava16", "mmproj-f16.gguf", p.name()));
            out.add(Arguments.of("gguf-llava16", "mmproj-f16-names.gguf", p.name()));
        }
        return out.stream();
    }

    record Prompt(int[] ids, List<Path> images, String text, List<String> mmproj, List<String> expected) {
        static Prompt read(Path folder) throws Exception {
            JsonObject o = JsonObject.of(Json.parse(folder.resolve("prompt.json")), "prompt.json");
            int[] ids = Arrays.stream(o.getLongs("ids")).mapToInt(Math::toIntExact).toArray();
            List<Path> images = o.getStrings("images").stream().map(DIR::resolve).toList();
            return new Prompt(ids, images, o.optString("text", null), o.has("mmproj") ? o.getStrings("mmproj") : List.of(),
                o.has("expected") ? o.getStrings("expected") : List.of("expected.safetensors"));
        }
    }

    /** Opens a case through the loading seam (a warning, e.g. an unused tensor, fails the test). */
    static LoadedModel open(String name, String mmproj, String backend) throws Exception {
        return open(name, mmproj, backend, null);
    }

    static LoadedModel open(String name, String mmproj, String backend, DType weights) throws Exception {
        Path folder = DIR.resolve(name);
        Mm1Options o = Mm1Options.defaults().backend(backend).threads(2).weights(weights).log(w -> { throw new AssertionError("unexpected warning: " + w); });
        if (mmproj.isEmpty()) return LoadedModel.open(folder, o);
        return LoadedModel.open(folder.resolve(Prompt.read(folder).text()), o.mmproj(folder.resolve(mmproj)));
    }

    static LlavaModel llava(LoadedModel m) {
        return (LlavaModel) m.requireImages();
    }

    static Path expectedFile(String name, String mmproj) throws Exception {
        Prompt p = Prompt.read(DIR.resolve(name));
        return DIR.resolve(name).resolve(mmproj.isEmpty() ? "expected.safetensors" : p.expected().get(p.mmproj().indexOf(mmproj)));
    }

    /** The prompt's ids; a GGUF pair's vocabulary has no image token, so its images take the encoder's image id (mm1j logits' img). */
    static int[] ids(Prompt p, LoadedModel m) {
        int image = m.requireImages().imageTokenId();
        return Arrays.stream(p.ids()).map(i -> i == 427 ? image : i).toArray();
    }

    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("cases")
    void imagesAndLogitsMatchPyTorch(String name, String mmproj, String backendName) throws Exception {
        Prompt prompt = Prompt.read(DIR.resolve(name));
        List<ImageEncoder.Input> inputs = new ArrayList<>();
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, mmproj)); LoadedModel m = open(name, mmproj, backendName)) {
            LlavaModel enc = llava(m);
            // 1. preprocessing: bit for bit
            for (int k = 0; k < prompt.images().size(); k++) {
                ImageEncoder.Input in = enc.prepare(DECODER.decode(prompt.images().get(k)));
                inputs.add(in);
                assertArrayEquals(want.tensor("pixel_values." + k).toFloatArray(), in.pixels().toFloatArray(), "pixel values of image " + k);
                assertEquals(want.tensor("rows_per_image").toIntArray()[k], in.rows(), "rows of image " + k);
            }
            // 2. the selected features of every view, the spliced rows
            double ef, er;
            try (LlavaModel.Features f = enc.features(inputs)) {
                List<Float> wantFeatures = new ArrayList<>();
                for (int k = 0; k < prompt.images().size(); k++) for (float x : want.tensor("image_features." + k).toFloatArray()) wantFeatures.add(x);
                ef = relError(toArray(wantFeatures), host(m, f.features()));
                assertArrayEquals(want.tensor("image_embeds").shape(), f.rows().shape(), "image_embeds shape");
                er = relError(want.tensor("image_embeds").toFloatArray(), host(m, f.rows()));
            }
            // 3. mm1j logits' forward pass: the expanded sequence batched, one at a time, and split inside the second image
            int[] ids = ids(prompt, m);
            int[] expanded = ImageSplice.expand(ids, enc.imageTokenId(), inputs.stream().mapToInt(ImageEncoder.Input::rows).toArray());
            assertEquals(want.tensor("logits").dim(0), expanded.length, "expanded length");
            StringBuilder line = new StringBuilder();
            // the scalar reference backend is slow one position at a time: it runs the batched prefill (and greedy below)
            int[] splits = backendName.equals("reference") ? new int[] {expanded.length} : new int[] {expanded.length, 0, insideSecondImage(expanded)};
            for (int k : splits) {
                Map<String, Tensor> out = Conformance.logits(m, ids, inputs, k, DType.F32);
                try {
                    double el = relError(want.tensor("logits").toFloatArray(), out.get("logits").toFloatArray());
                    double ee = relError(want.tensor("image_embeds").toFloatArray(), out.get("image_embeds").toFloatArray());
                    line.append(String.format(" logits@%d %.2e", k, el));
                    assertTrue(el <= TOL, name + " " + mmproj + " logits decode-from " + k + ": relative error " + el);
                    assertTrue(ee <= TOL, "image_embeds of the conformance pass: " + ee);
                } finally {
                    out.values().forEach(Tensor::close);
                }
            }
            System.out.printf("[golden llava] %-18s %-21s %-9s features %.2e rows %.2e%s%n", name, mmproj, backendName, ef, er, line);
            assertTrue(ef <= TOL, "vision features: relative error " + ef);
            assertTrue(er <= TOL, "image rows: relative error " + er);
        } finally {
            inputs.forEach(ImageEncoder.Input::close);
        }
    }

    /** Greedy decoding through the KV cache (the shared Generator, images spliced by ImageSplice) gives PyTorch's tokens. */
    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("cases")
    void greedyMatchesPyTorch(String name, String mmproj, String backendName) throws Exception {
        Prompt prompt = Prompt.read(DIR.resolve(name));
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, mmproj)); LoadedModel m = open(name, mmproj, backendName)) {
            int[] greedy = want.tensor("greedy").toIntArray();
            int[] tokens = greedy(m, ids(prompt, m), prompt.images(), greedy.length);
            System.out.printf("[golden llava] %-18s %-21s %-9s greedy %s (PyTorch min margin %.3f)%n", name, mmproj, backendName,
                Arrays.toString(tokens), want.tensor("min_margin").toFloatArray()[0]);
            assertArrayEquals(greedy, tokens, "greedy continuation");
        }
    }

    static int[] greedy(LoadedModel m, int[] ids, List<Path> images, int n) throws Exception {
        ImageEncoder enc = m.requireImages();
        List<ImageEncoder.Input> inputs = new ArrayList<>();
        try {
            for (Path p : images) inputs.add(enc.prepare(DECODER.decode(p)));
            try (ImageEncoder.Encoded e = enc.encode(inputs)) {
                int[] expanded = ImageSplice.expand(ids, enc.imageTokenId(), inputs.stream().mapToInt(ImageEncoder.Input::rows).toArray());
                try (KvCache cache = m.text().newCache(expanded.length + n, DType.F32); Generator gen = new Generator(m.text())) {
                    GenerationParams params = new GenerationParams(n, SamplingParams.greedy(), new int[0], List.of());
                    GenerationResult r = gen.generate(cache, expanded,
                        (c, from, logits) -> ImageSplice.prefill(m.text(), c, expanded, e.rows(), from, expanded.length, logits), params, null, null);
                    return r.tokens();
                }
            }
        } finally {
            inputs.forEach(ImageEncoder.Input::close);
        }
    }

    /**
     * The GGUF pair made from llava15-legacy-f32 (its weights are F16-exact) is the same model: on a square image, where
     * transformers' resize + centre crop and spec §9.1's pad + resize give the same pixels, its rows equal the folder's.
     */
    @ParameterizedTest(name = "on {2}")
    @MethodSource("cases")
    void ggufPairEqualsTheHfFolderOnASquareImage(String name, String mmproj, String backendName) throws Exception {
        if (!name.equals("llava15-legacy-f32")) return; // once per backend
        RgbImage square = DECODER.decode(DIR.resolve("images/square.png"));
        float[] hf = rows(open("llava15-legacy-f32", "", backendName), square), gguf = rows(open("gguf-llava15", "mmproj-f16.gguf", backendName), square);
        double err = relError(hf, gguf);
        System.out.printf("[golden llava] HF folder vs GGUF pair on a square image, %s: rows rel err %.2e%n", backendName, err);
        assertTrue(err <= TOL, "HF folder vs GGUF pair: " + err);
    }

    /**
     * Quantize-on-load ({@code --weights q8_0}) reaches the vision tower and the projector too: the folder still runs,
     * within the 8-bit rounding of weights (and of activations in the CPU's quantized dots) of PyTorch's logits.
     */
    @ParameterizedTest(name = "on {2}")
    @MethodSource("cases")
    void quantizeOnLoadRuns(String name, String mmproj, String backendName) throws Exception {
        if (!name.equals("next-legacy-bf16")) return; // once per backend
        Prompt prompt = Prompt.read(DIR.resolve(name));
        List<ImageEncoder.Input> inputs = new ArrayList<>();
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, "")); LoadedModel m = open(name, "", backendName, DType.Q8_0)) {
            for (Path p : prompt.images()) inputs.add(m.requireImages().prepare(DECODER.decode(p)));
            Map<String, Tensor> out = Conformance.logits(m, prompt.ids(), inputs, -1, DType.F32);
            try {
                double er = relError(want.tensor("image_embeds").toFloatArray(), out.get("image_embeds").toFloatArray());
                double el = relError(want.tensor("logits").toFloatArray(), out.get("logits").toFloatArray());
                System.out.printf("[golden llava] %s --weights q8_0 on %s: rows rel err %.2e, logits rel err %.2e%n", name, backendName, er, el);
                assertTrue(er < 5e-2 && el < 5e-2, "Q8_0 weights: rows " + er + ", logits " + el);
            } finally {
                out.values().forEach(Tensor::close);
            }
        } finally {
            inputs.forEach(ImageEncoder.Input::close);
        }
    }

    /** The rows of one image (closes the model). */
    static float[] rows(LoadedModel m, RgbImage image) {
        try (m; ImageEncoder.Input in = m.requireImages().prepare(image); ImageEncoder.Encoded e = m.requireImages().encode(List.of(in))) {
            return host(m, e.rows());
        }
    }

    /** Two positions into the second run of image positions (or the middle of the sequence with one image). */
    static int insideSecondImage(int[] expanded) {
        int runs = 0;
        for (int i = 0; i < expanded.length; i++) {
            if (expanded[i] < 0 && (i == 0 || expanded[i - 1] >= 0) && ++runs == 2) return i + 2;
        }
        return expanded.length / 2;
    }

    static float[] host(LoadedModel m, Tensor t) {
        try (Tensor h = m.ops().toHostF32(t)) {
            return h.toFloatArray();
        }
    }

    static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    /** max |a − b| / max |a|. */
    static double relError(float[] want, float[] got) {
        assertEquals(want.length, got.length, "element count");
        double err = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }
}
