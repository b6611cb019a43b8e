package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.format.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mm1j logits --image} (spec §9) on LLaVA checkpoints, against PyTorch's outputs (tools/llava/make_golden.py):
 * a LLaVA-NeXT folder with three images, and llama.cpp's GGUF pair with {@code --mmproj} and {@code img} image
 * positions; logits and image_embeds [R, d] within 1e-4, and one clear line for each bad input.
 */
class LlavaCommandsTest {
    static final String GOLDEN = "../model/src/test/resources/golden/llava/";

    @TempDir
    Path tmp;

    static double relError(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        double err = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }

    static void compare(String expected, Path out) {
        try (SafetensorsFile want = SafetensorsFile.open(Path.of(expected)); SafetensorsFile got = SafetensorsFile.open(out)) {
            for (String t : List.of("logits", "image_embeds")) {
                assertArrayEquals(want.tensor(t).shape(), got.tensor(t).shape(), t + " shape");
                double e = relError(want.tensor(t).toFloatArray(), got.tensor(t).toFloatArray());
                System.out.printf("[llava logits] %s %s rel err %.2e%n", expected, t, e);
                assertTrue(e <= 1e-4, t + ": " + e);
            }
        }
    }

    @Test
    void logitsOfAFolderWithImages() {
        Path out = tmp.resolve("next.safetensors");
        String images = GOLDEN + "images/";
        List<String> argv = new ArrayList<>(List.of("logits", "--model", GOLDEN + "next-legacy-bf16", "--tokens", "1,427,20,427,30,40,427,5",
            "--image", images + "wide.png", "--image", images + "tall_rgba.png", "--image", images + "tiny_gray.png",
            "--decode-from", "60", "--out", out.toString(), "--threads", "2"));
        Mm1CommandsTest.Result r = Mm1CommandsTest.run(argv.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        compare(GOLDEN + "next-legacy-bf16/expected.safetensors", out);
    }

    @Test
    void logitsOfAGgufPairWithImgPositions() {
        Path out = tmp.resolve("pair.safetensors");
        String dir = GOLDEN + "gguf-llava16/";
        Mm1CommandsTest.Result r = Mm1CommandsTest.run("logits", "--model", dir + "text-f16.gguf", "--mmproj", dir + "mmproj-f16.gguf",
            "--tokens", "1,img,22,img,9", "--image", GOLDEN + "images/small_square.png", "--image", GOLDEN + "images/wide.png",
            "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.status(), r.err());
        compare(dir + "expected.safetensors", out);
    }

    @Test
    void badInputsAreOneLine() {
        String out = tmp.resolve("o.safetensors").toString(), folder = GOLDEN + "llava15-legacy-f32", img = GOLDEN + "images/wide.png";
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", folder, "--tokens", "1,427,5,427", "--image", img, "--out", out), 1,
            "the ids hold 2 image tokens (image_token_id=427) but --image has 1 image");
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", folder, "--tokens", "1,427", "--pixels", GOLDEN + "llava15-legacy-f32/expected.safetensors",
            "--out", out), 2, "--pixels is for MM1 checkpoints");
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", folder, "--mmproj", GOLDEN + "gguf-llava15/mmproj-f16.gguf", "--tokens", "1",
            "--out", out), 1, "goes with a text GGUF file");
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", "../model/src/test/resources/golden/mm1/dense", "--mmproj",
            GOLDEN + "gguf-llava15/mmproj-f16.gguf", "--tokens", "1", "--out", out), 1, "goes with a text GGUF file");
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", GOLDEN + "gguf-llava15/text-f16.gguf", "--mmproj", GOLDEN + "nope.gguf", "--tokens", "1",
            "--out", out), 2, "--mmproj");
        // a GGUF pair's image id is past the vocabulary: only img reaches it
        Mm1CommandsTest.oneLine(Mm1CommandsTest.run("logits", "--model", GOLDEN + "gguf-llava15/text-f16.gguf", "--mmproj", GOLDEN + "gguf-llava15/mmproj-f16.gguf",
            "--tokens", "1,429", "--out", out), 1, "outside the vocabulary");
    }
}
