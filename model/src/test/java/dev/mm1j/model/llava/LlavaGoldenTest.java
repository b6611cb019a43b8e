package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    static LlavaModel open(String name, String mmproj, Ops ops) throws Exception {
        Path folder = DIR.resolve(name);
        if (mmproj.isEmpty()) return LlavaModel.open(folder, null, ops, w -> { throw new AssertionError("unexpected warning: " + w); });
        Prompt p = Prompt.read(folder);
        return LlavaModel.openGguf(folder.resolve(p.text()), folder.resolve(mmproj), null, ops, w -> { throw new AssertionError("unexpected warning: " + w); });
    }

    static Path expectedFile(String name, String mmproj) throws Exception {
        Prompt p = Prompt.read(DIR.resolve(name));
        return DIR.resolve(name).resolve(mmproj.isEmpty() ? "expected.safetensors" : p.expected().get(p.mmproj().indexOf(mmproj)));
    }

    /** The prompt's ids; a GGUF pair's vocabulary has no image token, so its images are marked with {@link LlavaModel#IMAGE}. */
    static int[] ids(Prompt p, boolean gguf) {
        return gguf ? Arrays.stream(p.ids()).map(i -> i == 427 ? LlavaModel.IMAGE : i).toArray() : p.ids();
    }

    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("cases")
    void imagesAndLogitsMatchPyTorch(String name, String mmproj, String backendName) throws Exception {
        double tol = TOL;
        Prompt prompt = Prompt.read(DIR.resolve(name));
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, mmproj));
             Backend backend = Backends.create(backendName, BackendOptions.threads(2));
             LlavaModel m = open(name, mmproj, new Ops(backend, new ReferenceBackend()))) {
            // 1. preprocessing: bit for bit
            List<LlavaImageProcessor.Processed> processed = new ArrayList<>();
            for (int k = 0; k < prompt.images().size(); k++) {
                RgbImage img = DECODER.decode(prompt.images().get(k));
                LlavaImageProcessor.Processed p = m.processor().process(img);
                processed.add(p);
                assertArrayEquals(want.tensor("pixel_values." + k).toFloatArray(), p.pixels().toFloatArray(), "pixel values of image " + k);
            }
            try (LlavaModel.Encoded enc = m.encodeProcessed(processed)) {
                processed.forEach(LlavaImageProcessor.Processed::close);
                // 2. the selected features of every view, the spliced rows
                assertArrayEquals(want.tensor("rows_per_image").toIntArray(), enc.rowsPerImage(), "rows per image");
                float[] features = host(backend, enc.features());
                List<Float> wantFeatures = new ArrayList<>();
                for (int k = 0; k < prompt.images().size(); k++) for (float f : want.tensor("image_features." + k).toFloatArray()) wantFeatures.add(f);
                double ef = relError(toArray(wantFeatures), features);
                double er = relError(want.tensor("image_embeds").toFloatArray(), host(backend, enc.rows()));
                assertArrayEquals(want.tensor("image_embeds").shape(), enc.rows().shape(), "image_embeds shape");
                // 3. logits of the expanded sequence, batched, one at a time, and split inside the second image
                int[] expanded = m.expand(ids(prompt, !mmproj.isEmpty()), enc.rowsPerImage());
                long positions = want.tensor("logits").dim(0);
                assertEquals(positions, expanded.length, "expanded length");
                int inside = insideSecondImage(expanded);
                StringBuilder line = new StringBuilder();
                // the scalar reference backend is slow one position at a time: it runs the batched prefill (and greedy below)
                int[] splits = backendName.equals("reference") ? new int[] {expanded.length} : new int[] {expanded.length, 0, inside};
                for (int k : splits) {
                    double el = relError(want.tensor("logits").toFloatArray(), logits(m, expanded, enc.rows(), k));
                    line.append(String.format(" logits@%d %.2e", k, el));
                    assertTrue(el <= tol, name + " " + mmproj + " logits decode-from " + k + ": relative error " + el);
                }
                System.out.printf("[golden llava] %-18s %-15s %-9s features %.2e rows %.2e%s%n", name, mmproj, backendName, ef, er, line);
                assertTrue(ef <= tol, "vision features: relative error " + ef);
                assertTrue(er <= tol, "image rows: relative error " + er);
            }
        }
    }

    /** Greedy decoding through the KV cache (the shared Generator, images spliced by LlavaModel.prefill) gives PyTorch's tokens. */
    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("cases")
    void greedyMatchesPyTorch(String name, String mmproj, String backendName) throws Exception {
        Prompt prompt = Prompt.read(DIR.resolve(name));
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, mmproj));
             Backend backend = Backends.create(backendName, BackendOptions.threads(2));
             LlavaModel m = open(name, mmproj, new Ops(backend, new ReferenceBackend()))) {
            List<RgbImage> images = new ArrayList<>();
            for (Path p : prompt.images()) images.add(DECODER.decode(p));
            try (LlavaModel.Encoded enc = m.encode(images)) {
                int[] expanded = m.expand(ids(prompt, !mmproj.isEmpty()), enc.rowsPerImage());
                int[] greedy = want.tensor("greedy").toIntArray();
                try (KvCache cache = m.text().newCache(expanded.length + greedy.length, DType.F32); Generator gen = new Generator(m.text())) {
                    GenerationParams params = new GenerationParams(greedy.length, SamplingParams.greedy(), new int[0], List.of());
                    GenerationResult r = gen.generate(cache, expanded, (c, from, logits) -> m.prefill(c, expanded, enc.rows(), from, expanded.length, logits),
                        params, null, null);
                    System.out.printf("[golden llava] %-18s %-15s %-9s greedy %s (PyTorch min margin %.3f)%n", name, mmproj, backendName,
                        Arrays.toString(r.tokens()), want.tensor("min_margin").toFloatArray()[0]);
                    assertArrayEquals(greedy, r.tokens(), "greedy continuation");
                }
            }
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
        try (Backend backend = Backends.create(backendName, BackendOptions.threads(2))) {
            Ops ops = new Ops(backend, new ReferenceBackend());
            float[] hf, gguf;
            try (LlavaModel m = open("llava15-legacy-f32", "", ops); LlavaModel.Encoded e = m.encode(List.of(square))) {
                hf = host(backend, e.rows());
            }
            try (LlavaModel m = open("gguf-llava15", "mmproj-f16.gguf", ops); LlavaModel.Encoded e = m.encode(List.of(square))) {
                gguf = host(backend, e.rows());
            }
            double err = relError(hf, gguf);
            System.out.printf("[golden llava] HF folder vs GGUF pair on a square image, %s: rows rel err %.2e%n", backendName, err);
            assertTrue(err <= TOL, "HF folder vs GGUF pair: " + err);
        }
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
        try (SafetensorsFile want = SafetensorsFile.open(expectedFile(name, ""));
             Backend backend = Backends.create(backendName, BackendOptions.threads(2));
             LlavaModel m = LlavaModel.open(DIR.resolve(name), DType.Q8_0, new Ops(backend, new ReferenceBackend()), null)) {
            List<RgbImage> images = new ArrayList<>();
            for (Path p : prompt.images()) images.add(DECODER.decode(p));
            try (LlavaModel.Encoded enc = m.encode(images)) {
                int[] expanded = m.expand(prompt.ids(), enc.rowsPerImage());
                double er = relError(want.tensor("image_embeds").toFloatArray(), host(backend, enc.rows()));
                double el = relError(want.tensor("logits").toFloatArray(), logits(m, expanded, enc.rows(), expanded.length));
                System.out.printf("[golden llava] %s --weights q8_0 on %s: rows rel err %.2e, logits rel err %.2e%n", name, backendName, er, el);
                assertTrue(er < 5e-2 && el < 5e-2, "Q8_0 weights: rows " + er + ", logits " + el);
            }
        }
    }

    /** Every position's logits with positions [0, k) as one prefill and the rest one at a time through the KV cache. */
    static float[] logits(LlavaModel m, int[] expanded, Tensor rows, int k) {
        int t = expanded.length, v = m.config().text().vocabSize();
        try (KvCache cache = m.text().newCache(t, DType.F32); Tensor logits = m.ops().allocate(DType.F32, t, v)) {
            if (k > 0) m.prefill(cache, expanded, rows, 0, k, logits.slice(0, 0, k));
            for (int p = k; p < t; p++) m.prefill(cache, expanded, rows, p, p + 1, logits.slice(0, p, p + 1));
            float[] out = new float[t * v];
            m.ops().backend().copyOut(logits, MemorySegment.ofArray(out));
            return out;
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

    static float[] host(Backend b, Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        b.copyOut(t, MemorySegment.ofArray(out));
        return out;
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
