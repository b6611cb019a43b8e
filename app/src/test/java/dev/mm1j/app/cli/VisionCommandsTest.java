package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessConfig;
import dev.mm1j.model.vision.ImagePreprocessor;
import dev.mm1j.model.vision.ImageSplitConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mm1j preprocess} and {@code mm1j bench vision} through {@link Main#run}. */
class VisionCommandsTest {
    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Path golden(String name) throws Exception {
        return Path.of("../model/src/test/resources/golden/vision/preprocess/", name);
    }

    static Path config(Path dir, boolean split) throws Exception {
        Path c = dir.resolve("config.json");
        Files.writeString(c, """
            {"model_type": "mm1",
             "vision_config": {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
                               "num_attention_heads": 2, "image_size": 42, "patch_size": 14},
             "image_split": {"enabled": %s, "sub_image_size": 28, "grid": [2, 2], "overview": "after"}}
            """.formatted(split));
        return c;
    }

    @Test
    void preprocessWritesPixelValues(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("pixels.safetensors");
        Result r = run("preprocess", "--config", config(tmp, false).toString(), "--image", golden("rgb_37x23.png").toString(),
            "--image", golden("photo_160x120.jpg").toString(), "--out", out.toString());
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("pixel_values F32[2, 3, 42, 42]"), r.out);
        ImagePreprocessor p = new ImagePreprocessor(ImagePreprocessConfig.defaults(), ImageSplitConfig.disabled(), 42, new ImageDecoder(1 << 20));
        try (SafetensorsFile f = SafetensorsFile.open(out); Tensor want = p.pixels(List.of(golden("rgb_37x23.png"), golden("photo_160x120.jpg")))) {
            assertArrayEquals(want.toFloatArray(), f.tensor("pixel_values").toFloatArray());
        }
    }

    @Test
    void preprocessWithSplitting(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("pixels.safetensors");
        Result r = run("preprocess", "--config", tmp.toString(), "--image", golden("rgb_200x150.png").toString(), "--out", out.toString());
        config(tmp, true);
        r = run("preprocess", "--config", tmp.toString(), "--image", golden("rgb_200x150.png").toString(), "--out", out.toString());
        assertEquals(0, r.status, r.err);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(new long[] {5, 3, 28, 28}, f.tensor("pixel_values").shape());
        }
    }

    @Test
    void preprocessErrorsAreOneLine(@TempDir Path tmp) throws Exception {
        Path cfg = config(tmp, false);
        Path txt = Files.writeString(tmp.resolve("notes.txt"), "not an image");
        Result r = run("preprocess", "--config", cfg.toString(), "--image", txt.toString(), "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(1, r.status);
        assertTrue(r.err.contains("not an image") && r.err.strip().lines().count() == 1, r.err);
        r = run("preprocess", "--config", cfg.toString(), "--image", golden("rgb_200x150.png").toString(), "--max-pixels", "100", "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(1, r.status);
        assertTrue(r.err.contains("more than the limit of 100"), r.err);
        r = run("preprocess", "--config", tmp.resolve("missing.json").toString(), "--image", txt.toString(), "--out", "x");
        assertEquals(2, r.status);
        assertTrue(r.err.contains("no such file"), r.err);
        Files.writeString(cfg, "{\"model_type\": \"llama\", \"hidden_size\": 8}");
        r = run("preprocess", "--config", cfg.toString(), "--image", txt.toString(), "--out", "x");
        assertTrue(r.status != 0 && r.err.contains("no vision_config"), r.err);
        r = run("preprocess", "--config", cfg.toString(), "--out", "x");
        assertEquals(2, r.status);
    }

    @Test
    void benchVisionArguments() {
        assertEquals(2, run("bench", "vision", "--preset", "mm1-1b").status);
        assertEquals(2, run("bench", "vision", "--image-size", "100").status);
        assertEquals(2, run("bench", "sound").status);
        assertEquals(2, run("bench", "vision", "--dtype", "q4_0").status);
    }

    /** One real run on the best backend (the full-size C-Abstractor takes about a minute on the scalar reference: skipped there). */
    @Test
    void benchVisionRunsOnATinyInput() {
        Assumptions.assumeFalse(Backends.create("auto", BackendOptions.defaults()).name().equals("reference"), "only the reference backend is available");
        Result r = run("bench", "vision", "--layers", "1", "--image-size", "14", "--dtype", "bf16", "--iters", "1", "--warmup", "0");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("BF16"), r.out);
    }
}
