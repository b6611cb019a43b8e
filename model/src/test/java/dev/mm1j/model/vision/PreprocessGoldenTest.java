package dev.mm1j.model.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decoding, resizing, splitting and normalisation against Pillow 9.4 (golden files from
 * tools/vision/make_preprocess_golden.py). Budgets: PNG/BMP/GIF decode exactly; the resize of Pillow's decoded
 * image is within 1/255 of Pillow's (observed: 0); JPEG decoders (libjpeg-turbo vs the JDK's libjpeg 6b) may
 * differ by a few levels.
 */
class PreprocessGoldenTest {
    static Path dir;
    static JsonObject manifest;
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    /** Largest per-sample difference allowed between the JDK's and Pillow's JPEG decoding. */
    static final int JPEG_DECODE_BUDGET = 3;

    @BeforeAll
    static void load() throws Exception {
        dir = Path.of(PreprocessGoldenTest.class.getResource("/golden/vision/preprocess/manifest.json").toURI()).getParent();
        manifest = JsonObject.of(Json.parse(dir.resolve("manifest.json")), "manifest.json");
    }

    static RgbImage png(String name) {
        return DECODER.decode(dir.resolve(name));
    }

    static int maxDiff(RgbImage a, RgbImage b) {
        assertEquals(b.width(), a.width(), "width");
        assertEquals(b.height(), a.height(), "height");
        int m = 0;
        byte[] x = a.rgb(), y = b.rgb();
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] & 0xff) - (y[i] & 0xff)));
        return m;
    }

    static List<JsonObject> list(String key) {
        List<JsonObject> out = new ArrayList<>();
        for (Object o : manifest.getList(key)) out.add(JsonObject.of(o, key));
        return out;
    }

    @Test
    void decodesLikePillow() {
        StringBuilder report = new StringBuilder();
        for (JsonObject c : list("cases")) {
            String name = c.getString("name");
            RgbImage mine = DECODER.decode(dir.resolve(c.getString("source")));
            int d = maxDiff(mine, png(c.getString("decoded")));
            int budget = c.getInt("decode_tolerance") < 0 ? JPEG_DECODE_BUDGET : c.getInt("decode_tolerance");
            report.append(String.format("  %-14s %-5s %-5s decode max diff %d%n", name, c.getString("format"), c.getString("mode"), d));
            assertTrue(d <= budget, name + ": decoded pixels differ from Pillow's by " + d + " > " + budget);
        }
        System.out.print("[preprocess golden] decode vs Pillow 9.4:\n" + report);
    }

    @Test
    void resizesLikePillow() {
        int worst = 0;
        for (JsonObject c : list("cases")) {
            int size = c.getInt("size");
            RgbImage resized = PillowResize.resize(png(c.getString("decoded")), size, size);
            int d = maxDiff(resized, png(c.getString("resized")));
            worst = Math.max(worst, d);
            assertTrue(d <= 1, c.getString("name") + ": resized pixels differ from Pillow's by " + d + "/255");
        }
        System.out.println("[preprocess golden] bicubic resize vs Pillow: max diff " + worst + "/255");
    }

    @Test
    void decodeAndResizeEndToEnd() {
        for (JsonObject c : list("cases")) {
            if (c.getInt("decode_tolerance") != 0) continue; // JPEG: covered by the two tests above
            int size = c.getInt("size");
            ImagePreprocessor p = new ImagePreprocessor(ImagePreprocessConfig.defaults(), ImageSplitConfig.disabled(), size, DECODER);
            List<RgbImage> views = p.views(DECODER.decode(dir.resolve(c.getString("source"))));
            assertEquals(1, views.size());
            int d = maxDiff(views.get(0), png(c.getString("resized")));
            assertTrue(d <= 1, c.getString("name") + ": differs from Pillow by " + d + "/255");
        }
    }

    @Test
    void splitsLikeTheSpec() {
        for (JsonObject s : list("splits")) {
            long[] grid = s.getLongs("grid");
            ImageSplitConfig split = new ImageSplitConfig(true, s.getInt("sub_image_size"), (int) grid[0], (int) grid[1], s.getString("overview"));
            ImagePreprocessor p = new ImagePreprocessor(ImagePreprocessConfig.defaults(), split, 999, DECODER);
            List<RgbImage> views = p.views(DECODER.decode(dir.resolve(s.getString("source"))));
            List<Object> expected = s.getList("views");
            assertEquals(expected.size(), views.size(), s.getString("name") + ": number of views");
            for (int i = 0; i < views.size(); i++) {
                int d = maxDiff(views.get(i), png((String) expected.get(i)));
                assertTrue(d <= 1, s.getString("name") + " view " + i + ": differs from Pillow by " + d + "/255");
            }
            try (Tensor t = p.pixels(List.of(dir.resolve(s.getString("source"))))) {
                assertEquals(List.of((long) views.size(), 3L, (long) split.subImageSize(), (long) split.subImageSize()),
                    java.util.Arrays.stream(t.shape()).boxed().toList());
            }
        }
    }

    @Test
    void normalisesLikeTheReference() {
        JsonObject n = manifest.getObject("normalised");
        double[] mean = n.getDoubles("mean"), std = n.getDoubles("std");
        ImagePreprocessConfig cfg = new ImagePreprocessConfig(
            new float[] {(float) mean[0], (float) mean[1], (float) mean[2]}, new float[] {(float) std[0], (float) std[1], (float) std[2]}, "squash", "bicubic");
        ImagePreprocessor p = new ImagePreprocessor(cfg, ImageSplitConfig.disabled(), n.getInt("size"), DECODER);
        double[] expected = n.getDoubles("values");
        try (Tensor t = p.pixels(List.of(dir.resolve(n.getString("source"))))) {
            assertEquals(List.of(1L, 3L, (long) n.getInt("size"), (long) n.getInt("size")), java.util.Arrays.stream(t.shape()).boxed().toList());
            float[] got = t.toFloatArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) assertEquals((float) expected[i], got[i], 0f, "value " + i);
        }
    }
}
