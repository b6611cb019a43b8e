package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The LLaVA processors against tools/llava/processors.py (a port of transformers' slow CLIPImageProcessor,
 * LlavaImageProcessor and LlavaNextImageProcessor on PIL images, and spec §9.1's GGUF preprocessing), on 13 awkward
 * images (odd sizes, 100x20, 16x90, 2x2, 5x4, RGBA, grey, grey+alpha, palette, BMP, JPEG) x 7 processors: every
 * pixel value bit for bit (the JPEG within the decoders' difference: the JDK's libjpeg vs Pillow's libjpeg-turbo),
 * the chosen anyres resolution, and LLaVA-NeXT at its real size (336-px tiles) against Pillow's 8-bit views.
 */
class LlavaPreprocessTest {
    static final Path DIR = Path.of("src/test/resources/golden/llava/preprocess");
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    static ProcessorConfig processor(Map<String, Object> p) {
        JsonObject o = new JsonObject(p, "processors.json");
        if (o.optBoolean("gguf", false)) {
            List<int[]> hw = null;
            if (o.has("pinpoints_wh")) {
                hw = new ArrayList<>();
                for (Object pair : o.getList("pinpoints_wh")) {
                    List<?> l = (List<?>) pair;
                    hw.add(new int[] {((Number) l.get(1)).intValue(), ((Number) l.get(0)).intValue()});
                }
            }
            return ProcessorConfig.forMmproj(o.getInt("image_size"), ProcessorConfig.CLIP_MEAN, ProcessorConfig.CLIP_STD, hw);
        }
        return ProcessorConfig.fromJson(o);
    }

    @Test
    @SuppressWarnings("unchecked")
    void pixelsMatchThePythonPortBitForBit() throws Exception {
        JsonObject manifest = JsonObject.of(Json.parse(DIR.resolve("processors.json")), "processors.json");
        Map<String, Object> procs = manifest.getObject("processors").map();
        StringBuilder report = new StringBuilder();
        int cases = 0;
        try (SafetensorsFile want = SafetensorsFile.open(DIR.resolve("expected.safetensors"))) {
            for (var e : procs.entrySet()) {
                ProcessorConfig pc = processor((Map<String, Object>) e.getValue());
                LlavaImageProcessor proc = new LlavaImageProcessor(pc);
                double worstJpeg = 0;
                for (String image : manifest.getStrings("images")) {
                    String key = e.getKey() + "/" + image;
                    RgbImage img = DECODER.decode(DIR.resolve("images").resolve(image));
                    try (LlavaImageProcessor.Processed p = proc.process(img)) {
                        Tensor w = want.tensor(key);
                        assertArrayEquals(w.shape(), p.pixels().shape(), key + " shape");
                        float[] a = w.toFloatArray(), b = p.pixels().toFloatArray();
                        if (image.endsWith(".jpg")) {
                            double d = 0;
                            for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
                            worstJpeg = Math.max(worstJpeg, d);
                            // a few levels of 1/255 over std ~0.26 after the decoders' difference and the resize
                            assertTrue(d <= 8 / 255.0 / 0.26, key + ": JPEG pixels differ by " + d);
                        } else {
                            for (int i = 0; i < a.length; i++) {
                                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                                    throw new AssertionError(key + ": pixel value " + i + " is " + b[i] + ", Python's " + a[i]);
                                }
                            }
                        }
                        if (pc.isNext()) {
                            assertArrayEquals(want.tensor(key + "/best").toIntArray(), pc.anyres().bestResolution(img.height(), img.width()), key + " best resolution");
                        }
                        cases++;
                    }
                }
                report.append(String.format("  %-9s %s: bit-exact (JPEG max diff %.4f)%n", e.getKey(), pc.type(), worstJpeg));
            }
        }
        System.out.print("[llava preprocess] " + cases + " image x processor cases:\n" + report);
        assertEquals(13 * 7, cases);
    }

    /** LLaVA-NeXT at 336 px with llava-v1.6's pinpoints: every view (base + tiles) equals Pillow's, level for level. */
    @Test
    void realSizeNextViewsMatchPillow() {
        Map<String, Object> cfg = Map.of("image_processor_type", "LlavaNextImageProcessor", "size", Map.of("shortest_edge", 336L),
            "crop_size", Map.of("height", 336L, "width", 336L));
        LlavaImageProcessor proc = new LlavaImageProcessor(ProcessorConfig.fromJson(new JsonObject(cfg, "test")));
        Path real = DIR.resolve("real");
        List<RgbImage> views = proc.views(DECODER.decode(real.resolve("smooth_500x300.png")));
        assertEquals(3, views.size(), "base + 1x2 tiles");
        for (int i = 0; i < views.size(); i++) {
            RgbImage want = DECODER.decode(real.resolve("smooth_500x300.view" + i + ".png"));
            assertEquals(want.width(), views.get(i).width());
            assertArrayEquals(want.rgb(), views.get(i).rgb(), "view " + i);
        }
    }
}
