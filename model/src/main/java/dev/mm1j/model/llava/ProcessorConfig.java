package dev.mm1j.model.llava;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code preprocessor_config.json} of a LLaVA checkpoint: the keys transformers' {@code CLIPImageProcessor},
 * {@code LlavaImageProcessor} (pad to a square first) and {@code LlavaNextImageProcessor} (anyres) read, with their
 * defaults. Validated on construction; a key this engine does not implement with a value that would change the
 * pixels is refused with its name.
 *
 * @param type          {@code image_processor_type}: CLIPImageProcessor, LlavaImageProcessor or LlavaNextImageProcessor
 * @param doResize      {@code do_resize}
 * @param shortestEdge  {@code size.shortest_edge}, or 0 when {@code size} is {height, width}
 * @param sizeH         {@code size.height} (0 with shortest_edge)
 * @param sizeW         {@code size.width} (0 with shortest_edge)
 * @param doCenterCrop  {@code do_center_crop}
 * @param cropH         {@code crop_size.height}
 * @param cropW         {@code crop_size.width}
 * @param doRescale     {@code do_rescale}
 * @param rescaleFactor {@code rescale_factor} (a double, as Python holds it)
 * @param doNormalize   {@code do_normalize}
 * @param mean          {@code image_mean} (3 values, as doubles: the pad colour is int(255·m) of these)
 * @param std           {@code image_std}
 * @param doPad         {@code do_pad}: LlavaImageProcessor pads to a square with the mean colour; for NeXT it only
 *                      pads batches, which does not change any image
 * @param pinpoints     {@code image_grid_pinpoints} as (height, width) (NeXT), else null
 */
public record ProcessorConfig(String type, boolean doResize, int shortestEdge, int sizeH, int sizeW, boolean doCenterCrop,
                              int cropH, int cropW, boolean doRescale, double rescaleFactor, boolean doNormalize,
                              double[] mean, double[] std, boolean doPad, List<int[]> pinpoints) {

    public static final String CLIP = "CLIPImageProcessor";
    public static final String LLAVA = "LlavaImageProcessor";
    public static final String NEXT = "LlavaNextImageProcessor";
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    /** LlavaNextImageProcessor's default pinpoints (height, width). */
    static final int[][] NEXT_PINPOINTS = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};

    /** Keys that carry no pixel arithmetic (or only batch padding), accepted whatever their value. */
    private static final Set<String> INERT = Set.of("image_processor_type", "processor_class", "feature_extractor_type",
        "do_convert_rgb", "auto_map", "_processor_class", "image_seq_length", "default_to_square", "data_format",
        "input_data_format", "return_tensors", "device", "disable_grouping", "patch_size", "vision_feature_select_strategy",
        "num_additional_image_tokens", "image_token", "chat_template");
    private static final Set<String> READ = Set.of("do_resize", "size", "resample", "do_center_crop", "crop_size", "do_rescale",
        "rescale_factor", "do_normalize", "image_mean", "image_std", "do_pad", "image_grid_pinpoints");

    public ProcessorConfig {
        if (!Set.of(CLIP, LLAVA, NEXT).contains(type)) {
            throw new Mm1jException("preprocessor_config.json: image_processor_type '" + type + "' is not supported (" + CLIP + ", " + LLAVA + " or " + NEXT + ")");
        }
        if ((doResize || NEXT.equals(type)) && (shortestEdge > 0) == (sizeH > 0 && sizeW > 0)) {
            throw new Mm1jException("preprocessor_config.json: size needs either shortest_edge or height and width (positive)");
        }
        if (doCenterCrop && (cropH < 1 || cropW < 1)) throw new Mm1jException("preprocessor_config.json: crop_size " + cropH + "x" + cropW + " must be positive");
        if (!(rescaleFactor > 0) || !Double.isFinite(rescaleFactor)) throw new Mm1jException("preprocessor_config.json: rescale_factor " + rescaleFactor + " must be a positive number");
        if (mean == null || mean.length != 3 || std == null || std.length != 3) throw new Mm1jException("preprocessor_config.json: image_mean and image_std need 3 values each");
        for (int c = 0; c < 3; c++) {
            if (!Double.isFinite(mean[c]) || !(std[c] > 0) || !Double.isFinite(std[c])) {
                throw new Mm1jException("preprocessor_config.json: image_mean " + Arrays.toString(mean) + " / image_std " + Arrays.toString(std) + " must be finite, std positive");
            }
        }
        mean = mean.clone();
        std = std.clone();
        if (NEXT.equals(type)) {
            if (cropH != cropW || cropH < 1) throw new Mm1jException("preprocessor_config.json: LLaVA-NeXT needs a square crop_size (its tile), got " + cropH + "x" + cropW);
            new Anyres(pinpoints, cropH); // validates the pinpoints against the tile
            pinpoints = pinpoints.stream().map(int[]::clone).toList();
        } else {
            pinpoints = null;
        }
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    public boolean isNext() {
        return NEXT.equals(type);
    }

    /** Whether the image is first padded to a square of its long side with the mean colour (LlavaImageProcessor do_pad). */
    public boolean padsToSquare() {
        return LLAVA.equals(type) && doPad;
    }

    /** The anyres geometry of a NeXT processor (tiles of crop_size). */
    public Anyres anyres() {
        if (!isNext()) throw new Mm1jException("[processor] " + type + " has no anyres grid");
        return new Anyres(pinpoints, cropH);
    }

    /** The side NeXT squashes the base image to: shortest_edge, or min(height, width) of size. */
    public int baseSize() {
        return shortestEdge > 0 ? shortestEdge : Math.min(sizeH, sizeW);
    }

    /** Reads {@code folder/preprocessor_config.json}. */
    public static ProcessorConfig load(Path folder) throws IOException {
        Path f = folder.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(f)) throw new Mm1jException(folder + ": no preprocessor_config.json (a LLaVA folder needs it to preprocess images)");
        return fromJson(JsonObject.read(f));
    }

    /** Parses the object, with transformers' defaults for absent keys. */
    public static ProcessorConfig fromJson(JsonObject o) {
        String type = o.optString("image_processor_type", CLIP);
        if (type.endsWith("Fast")) type = type.substring(0, type.length() - 4); // the torchvision twins: computed here as the PIL ones
        for (String k : o.keys()) {
            if (!INERT.contains(k) && !READ.contains(k) && o.get(k) != null) {
                throw new Mm1jException("preprocessor_config.json: key '" + k + "' is not understood by this engine and may change the pixels; refusing rather than guessing");
            }
        }
        int resample = o.optInt("resample", 3);
        if (resample != 3) throw new Mm1jException("preprocessor_config.json: resample " + resample + " is not supported (3: bicubic)");
        int se = 0, h = 0, w = 0;
        Object size = o.get("size");
        if (size == null) {
            se = 224;
        } else if (size instanceof Number) {
            se = o.getInt("size");
        } else {
            JsonObject s = o.getObject("size");
            if (s.has("shortest_edge")) {
                if (s.has("longest_edge")) throw new Mm1jException("preprocessor_config.json: size.longest_edge is not supported");
                se = s.getInt("shortest_edge");
            } else {
                h = s.getInt("height");
                w = s.getInt("width");
            }
        }
        int ch = 224, cw = 224;
        Object crop = o.get("crop_size");
        if (crop instanceof Number) {
            ch = cw = o.getInt("crop_size");
        } else if (crop != null) {
            JsonObject c = o.getObject("crop_size");
            ch = c.getInt("height");
            cw = c.getInt("width");
        }
        List<int[]> pins = new ArrayList<>();
        if (o.has("image_grid_pinpoints")) {
            for (Object p : o.getList("image_grid_pinpoints")) pins.add(pair(p));
        } else {
            for (int[] p : NEXT_PINPOINTS) pins.add(p.clone());
        }
        return new ProcessorConfig(type, o.optBoolean("do_resize", true), se, h, w, o.optBoolean("do_center_crop", true), ch, cw,
            o.optBoolean("do_rescale", true), o.optDouble("rescale_factor", 1.0 / 255), o.optBoolean("do_normalize", true),
            three(o, "image_mean", CLIP_MEAN), three(o, "image_std", CLIP_STD), o.optBoolean("do_pad", NEXT.equals(type)), pins);
    }

    /**
     * The processor an mmproj GGUF implies (spec §9.1): CLIP at {@code image_size} (shortest edge and crop), rescale
     * 1/255, the file's mean/std; without pinpoints the image is first padded to a square with the mean colour
     * (llava-1.5, trained with "pad"), with pinpoints ((height, width), converted from the file's (width, height))
     * the NeXT rules.
     */
    public static ProcessorConfig forMmproj(int imageSize, double[] mean, double[] std, List<int[]> pinpointsHw) {
        boolean next = pinpointsHw != null && !pinpointsHw.isEmpty();
        return new ProcessorConfig(next ? NEXT : LLAVA, true, imageSize, 0, 0, true, imageSize, imageSize, true, 1.0 / 255, true,
            mean, std, !next, next ? pinpointsHw : List.of());
    }

    private static int[] pair(Object p) {
        if (p instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b
            && a.doubleValue() == Math.rint(a.doubleValue()) && b.doubleValue() == Math.rint(b.doubleValue())) {
            return new int[] {a.intValue(), b.intValue()};
        }
        throw new Mm1jException("image_grid_pinpoints: expected [height, width] pairs of integers, got " + p);
    }

    private static double[] three(JsonObject o, String key, double[] fallback) {
        if (!o.has(key)) return fallback.clone();
        if (o.get(key) instanceof Number n) return new double[] {n.doubleValue(), n.doubleValue(), n.doubleValue()};
        double[] d = o.getDoubles(key);
        if (d.length != 3) throw new Mm1jException("preprocessor_config.json: " + key + " needs 3 values, got " + d.length);
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProcessorConfig p && toString().equals(p.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return type + "[resize " + (doResize ? shortestEdge > 0 ? "shortest_edge " + shortestEdge : sizeH + "x" + sizeW : "off")
            + ", crop " + (doCenterCrop ? cropH + "x" + cropW : "off") + ", rescale " + (doRescale ? rescaleFactor : "off")
            + ", normalize " + (doNormalize ? Arrays.toString(mean) + "/" + Arrays.toString(std) : "off")
            + (padsToSquare() ? ", pad to square" : "") + (pinpoints != null ? ", pinpoints " + pinpoints.stream().map(Arrays::toString).toList() : "") + "]";
    }
}
