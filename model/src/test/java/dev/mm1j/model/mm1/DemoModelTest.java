package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The default model (models/mm1-demo) against its evaluation fixture (tools/demo/eval.py: PNG images, prompts and
 * PyTorch's greedy answers from the same checkpoint). Reads the fixture, never hard-coded answers, so that a new
 * checkpoint with its new fixture needs no change here. {@code -Dmm1j.test.demoModel=DIR} points at another
 * folder; the whole fixture runs with {@code bin/mm1j eval}.
 */
class DemoModelTest {
    static final Path MODEL = Path.of(System.getProperty("mm1j.test.demoModel", "../models/mm1-demo"));
    static final Path CASES = MODEL.resolve("eval/cases.jsonl");

    static void assumeFixture(Path file) {
        Assumptions.assumeTrue(Files.isRegularFile(file), "no evaluation fixture at " + file + " yet (tools/demo/eval.py writes it)");
    }

    /** Eight cases, the first of each category then the next ones: Java's greedy ids are PyTorch's, token for token. */
    @Test
    void aHandfulOfCasesMatchPyTorchTokenForToken() throws Exception {
        assumeFixture(CASES);
        List<EvalCases.Case> all = EvalCases.read(CASES);
        Set<EvalCases.Case> pick = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (EvalCases.Case c : all) if (seen.add(c.category())) pick.add(c);
        for (EvalCases.Case c : all) if (pick.size() < 8) pick.add(c);
        try (Mm1 m = Mm1.load(MODEL, Mm1Options.defaults().threads(2))) {
            for (EvalCases.Case c : pick) {
                EvalCases.Outcome o = EvalCases.run(m, c);
                System.out.printf("[demo] case %3d %-8s Java '%s' PyTorch '%s' expected '%s'%n", c.id(), c.category(), o.answer(), c.torchAnswer(), c.expected());
                assertTrue(o.promptIdsMatch(), "case " + c.id() + ": prompt ids " + Arrays.toString(m.promptIds(EvalCases.prompt(c))) + " vs PyTorch's " + Arrays.toString(c.promptIds()));
                assertArrayEquals(c.torchIds(), o.ids(), "case " + c.id() + " (" + c.category() + "): greedy ids");
                assertEquals(c.torchAnswer(), o.answer(), "case " + c.id());
            }
        }
    }

    /**
     * Every case's conversation (questions with their images, earlier answers, follow-ups, every phrasing variant),
     * rendered by Java's chat format and tokenized, gives PyTorch's prompt ids: what the model was trained on.
     */
    @Test
    void everyPromptTokenizesAsPyTorchDid() throws Exception {
        assumeFixture(CASES);
        List<EvalCases.Case> all = EvalCases.read(CASES);
        try (Mm1 m = Mm1.load(MODEL, Mm1Options.defaults().threads(1))) {
            for (EvalCases.Case c : all) {
                assertArrayEquals(c.promptIds(), m.promptIds(EvalCases.prompt(c)), "case " + c.id() + " (" + c.category() + ")");
            }
        }
    }

    /**
     * The fixture's golden tensors (eval/golden.safetensors): pixel values of the PNGs, vision features, image
     * embeddings and every position's logits within 1e-4 of PyTorch, at the native 84 px and at 112 px (resized
     * position embeddings).
     */
    @Test
    void goldenTensorsMatchPyTorch() throws Exception {
        Path golden = MODEL.resolve("eval/golden.safetensors");
        assumeFixture(golden);
        List<EvalCases.Case> all = EvalCases.read(CASES);
        try (SafetensorsFile g = SafetensorsFile.open(golden);
             LoadedModel lm = LoadedModel.open(MODEL, Mm1Options.defaults().threads(2))) {
            Mm1Model m = (Mm1Model) lm.images();
            List<String> prefixes = new ArrayList<>();
            for (String n : g.names()) if (n.endsWith(".logits")) prefixes.add(n.substring(0, n.length() - "logits".length()));
            assertTrue(!prefixes.isEmpty(), "golden file without logits");
            String[] ids = g.metadata().getOrDefault("cases", "").split(",");
            for (String pre : prefixes) {
                Tensor px = g.tensor(pre + "pixel_values");
                if (pre.startsWith("case")) { // the PNGs of that case, preprocessed in Java, are PyTorch's pixel values
                    int k = Integer.parseInt(pre.substring(4, pre.length() - 1));
                    int id = Integer.parseInt(ids[k].trim());
                    EvalCases.Case c = all.stream().filter(x -> x.id() == id).findFirst().orElseThrow();
                    try (Tensor mine = new ImagePreprocessor(m.config().vision(), ImageDecoder.withDefaultLimit()).pixels(c.images())) {
                        double e = rel(px.toFloatArray(), mine.toFloatArray());
                        assertTrue(e <= 1e-5, pre + " pixel values: " + e);
                    }
                }
                int[] prompt = g.tensor(pre + "prompt_ids").toIntArray();
                try (Tensor pixels = Convert.to(px, DType.F32); Mm1Model.Features enc = m.encode(pixels)) {
                    int[] expanded = ImageSplice.expand(prompt, m.imageTokenId(), (int) pixels.dim(0), (int) enc.embeds().dim(1));
                    int v = m.config().text().vocabSize();
                    Tensor rows = enc.embeds().reshape(enc.embeds().dim(0) * enc.embeds().dim(1), enc.embeds().dim(2));
                    try (KvCache cache = lm.text().newCache(expanded.length, DType.F32); Tensor logits = lm.ops().allocate(DType.F32, expanded.length, v)) {
                        ImageSplice.prefill(lm.text(), cache, expanded, rows, 0, expanded.length, logits);
                        double ef = rel(g.tensor(pre + "vision_features").toFloatArray(), host(lm.ops(), enc.features()));
                        double ee = rel(g.tensor(pre + "image_embeds").toFloatArray(), host(lm.ops(), enc.embeds()));
                        double el = rel(g.tensor(pre + "logits").toFloatArray(), host(lm.ops(), logits));
                        System.out.printf("[demo golden] %-10s vision_features %.2e image_embeds %.2e logits %.2e%n", pre, ef, ee, el);
                        assertTrue(ef <= 1e-4 && ee <= 1e-4 && el <= 1e-4, pre + ": " + ef + " " + ee + " " + el);
                    }
                }
            }
        }
    }

    static float[] host(Ops ops, Tensor t) {
        float[] out = new float[(int) t.numel()];
        ops.copyOut(t, java.lang.foreign.MemorySegment.ofArray(out));
        return out;
    }

    static double rel(float[] want, float[] got) {
        assertEquals(want.length, got.length, "sizes");
        double err = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }
}
