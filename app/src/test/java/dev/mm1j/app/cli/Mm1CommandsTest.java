package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.mm1.Prompt;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mm1j run / logits / eval on MM1 checkpoints: outputs, and one clear line for each bad input. */
class Mm1CommandsTest {
    static final String DENSE = "../model/src/test/resources/golden/mm1/dense";
    static final String DEMO = "../models/mm1-demo";
    static final String SHAPES1 = "../examples/shapes1.png", SHAPES2 = "../examples/shapes2.png";

    @TempDir
    Path tmp;

    record Result(int status, String out, String err) {}

    static Result run(String... argv) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** A failure: the expected status, one line on stderr, holding {@code part}. */
    static void oneLine(Result r, int status, String part) {
        assertEquals(status, r.status(), r.err());
        assertTrue(r.err().contains(part), "expected '" + part + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void logitsErrorsAreOneLine() throws Exception {
        String out = tmp.resolve("o.safetensors").toString(), px = DENSE + "/expected.safetensors";
        // an id outside the vocabulary (96)
        oneLine(run("logits", "--model", DENSE, "--tokens", "1,95,96", "--pixels", px, "--out", out), 1, "id 96 (at 2) is outside the vocabulary [0, 96)");
        oneLine(run("logits", "--model", DENSE, "--tokens", "1,-3", "--out", out), 1, "id -3 (at 1) is outside the vocabulary");
        // too many and too few images for the two of the pixels file
        oneLine(run("logits", "--model", DENSE, "--tokens", "1,95,2", "--pixels", px, "--out", out), 1, "the ids hold 1 image token (image_token_id=95) but --pixels has 2 images");
        oneLine(run("logits", "--model", DENSE, "--tokens", "95,95,95", "--pixels", px, "--out", out), 1, "hold 3 image tokens");
        oneLine(run("logits", "--model", DENSE, "--tokens", "1,95,5", "--out", out), 1, "give their pixel_values with --pixels");
        // wrong pixel shapes and files
        Path bad = tmp.resolve("bad.safetensors");
        try (Tensor t = Tensor.of(new float[2 * 3 * 40 * 40], 2, 3, 40, 40)) {
            SafetensorsWriter.write(bad, Map.of("pixel_values", t));
        }
        oneLine(run("logits", "--model", DENSE, "--tokens", "95,95", "--pixels", bad.toString(), "--out", out), 1, "S a multiple of patch_size 14");
        try (Tensor t = Tensor.of(new float[2 * 4 * 42 * 42], 2, 4, 42, 42)) {
            SafetensorsWriter.write(bad, Map.of("pixel_values", t));
        }
        oneLine(run("logits", "--model", DENSE, "--tokens", "95,95", "--pixels", bad.toString(), "--out", out), 1, "expected F32 [N, 3, S, S]");
        try (Tensor t = Tensor.of(new float[4], 4)) {
            SafetensorsWriter.write(bad, Map.of("pixels", t));
        }
        oneLine(run("logits", "--model", DENSE, "--tokens", "95", "--pixels", bad.toString(), "--out", out), 1, "has no tensor 'pixel_values'");
        oneLine(run("logits", "--model", DENSE, "--tokens", "95", "--pixels", tmp.resolve("none").toString(), "--out", out), 2, "no such file");
        oneLine(run("logits", "--model", "../model/src/test/resources/golden/text/llama", "--tokens", "1", "--pixels", px, "--out", out), 2, "is text-only");
        oneLine(run("logits", "--model", DENSE, "--tokens", "1,2", "--decode-from", "3", "--out", out), 2, "--decode-from must be between 0 and the number of positions (2");
    }

    @Test
    void logitsWithoutImagesOnAnMm1Checkpoint() throws Exception {
        Path out = tmp.resolve("text.safetensors");
        Result r = run("logits", "--model", DENSE, "--tokens", "1,5,9", "--out", out.toString(), "--backend", "reference");
        assertEquals(0, r.status(), r.err());
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(new long[] {3, 96}, f.tensor("logits").shape());
            assertEquals(null, f.tensor("image_embeds"));
        }
    }

    @Test
    void runStreamsTheSameAnswerAsTheApiAndPrintsJson() throws Exception {
        String q = "What colour is the star?";
        Mm1.Result api;
        try (Mm1 m = Mm1.load(Path.of(DEMO), Mm1Options.defaults().threads(2))) {
            api = m.generate(Prompt.of(q, Path.of(SHAPES1)), SamplingParams.greedy(), null);
            // the MM1 plain format, byte for byte: BOS, the question, one <image> per image, "Answer:"
            assertEquals("<s>Question: " + q + "\n<image>\nAnswer:", m.promptText(Prompt.of(q, Path.of(SHAPES1))));
            assertEquals(m.promptIds(Prompt.raw("Question: " + q + "\n<image>\nAnswer:", List.of(Prompt.Image.of(Path.of(SHAPES1))))).length,
                m.promptIds(Prompt.of(q, Path.of(SHAPES1))).length);
        }
        Result text = run("run", "--model", DEMO, "--image", SHAPES1, q, "--threads", "2");
        assertEquals(0, text.status(), text.err());
        assertEquals(api.text().strip(), text.out().strip());
        assertTrue(text.err().contains("1 image encoded in") && text.err().contains("t/s"), text.err());

        Result json = run("run", "--model", DEMO, "<image:" + SHAPES1 + "> " + q, "--json", "--threads", "2");
        assertEquals(0, json.status(), json.err());
        JsonObject o = JsonObject.of(Json.parse(json.out()), "run --json");
        assertEquals(api.text().strip(), o.getString("answer"));
        assertEquals(api.tokens().length, o.getLongs("tokens").length);
        assertEquals(1, o.getInt("images"));
        assertTrue(o.getObject("timings").getDouble("image_encode_ms") > 0);
        assertTrue(o.getObject("timings").has("generation_tokens_per_s"));
    }

    @Test
    void runErrorsAreOneLine() throws Exception {
        oneLine(run("run", "--model", DEMO, "--image", tmp.resolve("missing.png").toString(), "Describe the image."), 1, "missing.png: no such file");
        Path notImage = Files.writeString(tmp.resolve("notes.png"), "hello");
        oneLine(run("run", "--model", DEMO, "--image", notImage.toString(), "Describe the image."), 1, "not an image");
        oneLine(run("run", "--model", DEMO, "--image", SHAPES1), 2, "missing the question");
        oneLine(run("run", "--model", DEMO, "--raw", "<image><image>\\nQuestion: Describe the image.\\nAnswer:", "--image", SHAPES1), 2,
            "more <image> tokens than --image files");
        oneLine(run("run", "--model", DEMO, "--raw", "\\nQuestion: Describe the image.\\nAnswer:", "--image", SHAPES1), 2, "left over");
        oneLine(run("run", "--model", tmp.resolve("nothing").toString(), "hi"), 1, "no model at");
        oneLine(run("run", "--model", DEMO, "--temp", "-1", "hi"), 2, "temperature");
        oneLine(run("run", "--model", DEMO, "--imag", SHAPES1, "hi"), 2, "unknown option --imag");
    }

    @Test
    void twoImagesAndFewShotFollowTheFormat() throws Exception {
        try (Mm1 m = Mm1.load(Path.of(DEMO), Mm1Options.defaults().threads(2))) {
            Prompt p = Prompt.builder().image(Path.of(SHAPES1)).question("How many shapes are there?").answer("three")
                .image(Path.of(SHAPES1)).image(Path.of(SHAPES2)).question("Which image has more shapes?").build();
            assertEquals("<s>Question: How many shapes are there?\n<image>\nAnswer: three</s>\nQuestion: Which image has more shapes?\n<image><image>\nAnswer:",
                m.promptText(p));
            Mm1.Result r = m.generate(p, SamplingParams.greedy(), 8, List.of(), null);
            assertEquals(3, r.images());
            assertEquals(3 * 9 + m.promptIds(p).length - 3, r.promptPositions(), "each <image> becomes tokens_per_image positions");
        }
    }

    @Test
    void benchRunsTheWholePathOnACheckpoint() {
        Result r = run("bench", "--model", DENSE, "--images", "2", "-p", "5", "-n", "3", "-r", "1", "--backend", "reference");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("image 42px x2") && r.out().contains("pp5+8 image") && r.out().contains("tg3") && r.out().contains("GB/s"), r.out());
    }

    @Test
    void benchPresetErrorsAreOneLine() {
        oneLine(run("bench", "--preset", "mm1-3b"), 2, "--preset needs --random-weights");
        oneLine(run("bench", "--preset", "mm1-9b", "--random-weights"), 1, "unknown preset 'mm1-9b'");
        oneLine(run("bench", "--preset", "mm1-3b", "--random-weights", "--experts", "8"), 1, "is dense");
        // 64 experts of FFN 8192 in F32 (about 250 GB): refused before anything is allocated, with the way out
        oneLine(run("bench", "--preset", "mm1-3b-moe", "--random-weights", "--weights", "f32"), 1, "--experts 8");
        oneLine(run("bench", "--preset", "mm1-3b", "--random-weights", "--model", DENSE), 2, "not both");
    }
}
