package dev.mm1j.model.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.format.safetensors.SafetensorsWeights;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.Weights;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ViT and the connectors against tools/mm1ref (PyTorch, F32) on small random checkpoints written by
 * tools/vision/make_model_golden.py: every stage (patch embedding, embeddings, pre-LN, each layer, features,
 * the position-embedded features, each RegNet block, the pooled grid, the embeddings) of every run.
 *
 * <p>Error measure: max |java − torch| / max |torch| over the tensor. Budget {@value #BUDGET} for F32 and
 * BF16 weights alike (the reference computes in F32 on the BF16-rounded values, so only F32 rounding differs).
 */
class VisionGoldenTest {
    static final double BUDGET = 1e-4;

    static Ops ops() {
        // -Dmm1j.test.backend=cuda (tools/gpu-check.sh) runs it on another backend than the automatic choice
        return new Ops(Backends.create(System.getProperty("mm1j.test.backend", "auto"), BackendOptions.threads(2)), new ReferenceBackend());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cabs_f32", "mlp_bf16", "cabs_bf16"})
    void matchesPyTorch(String name) throws Exception {
        Path dir = Path.of(VisionGoldenTest.class.getResource("/golden/vision/model/" + name + "/config.json").toURI()).getParent();
        JsonObject json = JsonObject.read(dir.resolve("config.json"));
        VisionPipelineConfig cfg = VisionPipelineConfig.fromJson(json);
        long d = json.getObject("text_config").getLong("hidden_size");
        Ops ops = ops();
        try (SafetensorsWeights src = SafetensorsWeights.open(dir.resolve("model.safetensors"));
             SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            Weights weights = new Weights(src);
            double worst = 0;
            StringBuilder report = new StringBuilder();
            try (VisionTower vit = VisionTower.load(weights, cfg, ops); Connector conn = Connector.load(weights, cfg, d, ops)) {
                // strict loading: everything is used except the layers past the feature layer
                Set<String> skipped = new TreeSet<>();
                for (String t : src.names()) {
                    for (int i = cfg.layersToRun(); i < cfg.vision().numHiddenLayers(); i++) {
                        if (t.startsWith(VisionTower.PREFIX + ".encoder.layers." + i + ".")) skipped.add(t);
                    }
                }
                assertEquals(skipped, weights.unused(), "unused tensors");
                for (int r = 0; expected.names().contains("r" + r + ".pixel_values"); r++) {
                    Map<String, float[]> got = new HashMap<>();
                    Map<String, long[]> shapes = new HashMap<>();
                    Probe probe = (stage, t) -> {
                        got.put(stage, t.toFloatArray());
                        shapes.put(stage, t.shape());
                    };
                    try (Tensor f = vit.features(expected.tensor("r" + r + ".pixel_values"), probe); Tensor e = conn.embeddings(f, probe)) {
                        assertEquals(cfg.connector().tokensPerImage((int) Math.round(Math.sqrt(f.dim(1)))), e.dim(1));
                    }
                    String prefix = "r" + r + ".";
                    int compared = 0;
                    for (String t : new TreeSet<>(expected.names())) {
                        if (!t.startsWith(prefix) || t.endsWith("pixel_values")) continue;
                        String stage = t.substring(prefix.length());
                        Tensor want = expected.tensor(t);
                        assertTrue(got.containsKey(stage), name + ": the Java forward did not produce stage " + stage);
                        assertArrayEquals(want.shape(), shapes.get(stage), name + " " + t + " shape");
                        double err = relErr(got.get(stage), want.toFloatArray());
                        worst = Math.max(worst, err);
                        report.append(String.format("    %-28s %-16s %.2e%n", t, java.util.Arrays.toString(want.shape()), err));
                        assertTrue(err <= BUDGET, name + " " + t + ": max relative error " + err + " > " + BUDGET);
                        compared++;
                    }
                    assertTrue(compared >= 5, "compared " + compared + " stages");
                }
            }
            System.out.printf("[vision golden] %s on %s: worst max relative error %.2e%n%s", name, ops.backend().name(), worst, report);
        }
    }

    /** max |a − b| / max |b|. */
    static double relErr(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]), "non-finite value at " + i);
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs((double) b[i]));
        }
        return diff / Math.max(scale, 1e-30);
    }
}
