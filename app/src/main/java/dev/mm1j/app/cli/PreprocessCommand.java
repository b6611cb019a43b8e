package dev.mm1j.app.cli;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import dev.mm1j.model.vision.VisionPipelineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code mm1j preprocess}: writes the pixel_values the model would see for some images (spec §7). */
final class PreprocessCommand implements Command {
    @Override
    public String name() {
        return "preprocess";
    }

    @Override
    public String summary() {
        return "turn images into the pixel_values the vision encoder sees (safetensors)";
    }

    @Override
    public String usage() {
        return """
            usage: mm1j preprocess --config CONFIG --image FILE [--image FILE ...] --out PIXELS.safetensors
                                   [--max-pixels N]

            Decodes each image (PNG, JPEG, BMP or GIF), converts it to RGB, resizes it with Pillow's bicubic
            filter, normalises it with image_preprocess.mean/std and writes pixel_values F32 [N, 3, S, S].
            With image_split enabled every image becomes its tiles (row-major) plus an overview, so N is
            (tiles + 1) per image; S is then image_split.sub_image_size, else vision_config.image_size.

              --config      a config.json, or a checkpoint folder holding one
              --image       an image file (repeat for several; their views follow each other in order)
              --out         the safetensors file to write (tensor "pixel_values")
              --max-pixels  refuse images whose header declares more pixels (default %d)
            """.formatted(ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Path config = Path.of(args.require("config"));
        List<String> images = args.all("image");
        Path target = Path.of(args.require("out"));
        long maxPixels = args.getLong("max-pixels", ImageDecoder.DEFAULT_MAX_PIXELS);
        args.checkUnknown();
        if (images.isEmpty()) throw new CliException("missing --image");
        if (maxPixels < 1) throw new CliException("--max-pixels must be positive, got " + maxPixels);
        VisionPipelineConfig cfg = readConfig(config);
        ImagePreprocessor pre = new ImagePreprocessor(cfg, new ImageDecoder(maxPixels));
        try (Tensor pixels = pre.pixels(images.stream().map(Path::of).toList())) {
            SafetensorsWriter.write(target, Map.of("pixel_values", pixels), Map.of("generator", "mm1j preprocess"));
            String split = cfg.split().enabled()
                ? ", split " + cfg.split().rows() + "x" + cfg.split().cols() + " + overview " + cfg.split().overview()
                : "";
            out.println("wrote " + target + ": pixel_values " + pixels + " (" + images.size() + (images.size() == 1 ? " image" : " images") + split + ")");
        }
        return 0;
    }

    /** The vision-side keys of {@code path} (a config.json or a folder with one). */
    static VisionPipelineConfig readConfig(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        JsonObject root;
        try {
            root = JsonObject.read(file);
        } catch (NoSuchFileException e) {
            throw new CliException(file + ": no such file");
        }
        if (!root.has("vision_config")) {
            throw new CliException(file + " has no vision_config (model_type " + root.optString("model_type", "?") + "): it is not a multimodal MM1 config");
        }
        return VisionPipelineConfig.fromJson(root);
    }
}
