package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.quant.Convert;
import dev.mm1j.model.Conformance;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code mm1j logits} (spec §8, §9): the forward pass over given ids, every position's logits written to a
 * safetensors file, so that any framework can check the engine on the same weights ({@link Conformance}). Images
 * come as preprocessed {@code --pixels} (MM1) or as image files preprocessed by the family's processor.
 */
final class LogitsCommand implements Command {
    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "forward pass over token ids; write every position's logits (spec §8, §9)";
    }

    @Override
    public String usage() {
        return "usage: mm1j logits --model PATH [--mmproj MMPROJ.gguf] --tokens 5,9,7 [--pixels PIXELS.safetensors | --image FILE ...] [--decode-from K] --out OUT.safetensors\n\n"
            + "Runs the model over the ids and writes 'logits' F32 [T, V]. With --decode-from K, positions 0..K-1 run\n"
            + "as one batched prefill and the rest one at a time through the KV cache (the output must not depend on K).\n"
            + "Each image id in the ids (or the word img) is one image, in order, and becomes its rows (T counts the\n"
            + "expanded positions); the file then also holds the encoder's outputs: for MM1 'vision_features' [N, g², W] and\n"
            + "'image_embeds' [N, tokens, d] (spec §8), for other families 'image_embeds' [R, d] (spec §9). The folder needs\n"
            + "config.json and the weights, not a tokenizer.\n\noptions:\n"
            + "  --tokens IDS      comma-separated input ids; img marks an image position\n"
            + "  --pixels FILE     MM1: safetensors with pixel_values F32 [N, 3, S, S], preprocessed (see mm1j preprocess)\n"
            + "  --image FILE      an image file, preprocessed as the family's processor does it (repeatable)\n"
            + "  --decode-from K   0 <= K <= T (default T: everything in one prefill)\n"
            + "  --out FILE        the safetensors file to write\n"
            + "  --kv-type T       KV-cache storage f32 (default), f16 or bf16\n"
            + ModelOptions.HELP;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, "f32");
        String tokens = args.require("tokens");
        Path outFile = Path.of(args.require("out"));
        String pixelsFile = args.get("pixels", null);
        List<String> imageFiles = args.all("image");
        int k = args.getInt("decode-from", -1);
        args.checkUnknown();
        if (k < -1) throw new CliException("--decode-from must be between 0 and the number of positions, got " + k);
        if (pixelsFile != null && !imageFiles.isEmpty()) throw new CliException("give the images as --pixels or as --image files, not both");
        Path pixelsPath = pixelsFile == null ? null : Path.of(pixelsFile);
        if (pixelsPath != null && !Files.isRegularFile(pixelsPath)) throw new CliException("--pixels: " + pixelsPath + ": no such file");
        try (LoadedModel model = mo.open(mo.requireModel(), "logits", err)) {
            ImageEncoder encoder = model.images();
            boolean images = pixelsPath != null || !imageFiles.isEmpty();
            if (images && encoder == null) throw new CliException((pixelsPath != null ? "--pixels" : "--image") + " needs a model that takes images; " + model.name() + " is text-only");
            if (pixelsPath != null && !(encoder instanceof Mm1Model)) throw new CliException("--pixels is for MM1 checkpoints (spec §8); give --image files for " + model.name());
            int[] ids = parseIds(tokens, encoder == null ? -1 : encoder.imageTokenId(), model.text().config().vocabSize());
            List<ImageEncoder.Input> inputs = new ArrayList<>();
            try (Tensor pixels = pixelsPath == null ? null : readPixels(pixelsPath)) {
                if (pixels != null) inputs.addAll(((Mm1Model) encoder).inputs(pixels));
                ImageDecoder decoder = new ImageDecoder(mo.options.maxImagePixels());
                for (String f : imageFiles) inputs.add(encoder.prepare(decoder.decode(Path.of(f))));
                int t = checkImages(ids, encoder, inputs, pixelsPath != null ? "--pixels" : "--image");
                if (k > t) throw new CliException("--decode-from must be between 0 and the number of positions (" + t + (inputs.isEmpty() ? "" : " with the images expanded") + "), got " + k);
                Map<String, Tensor> outputs = Conformance.logits(model, ids, inputs, k, model.kvDtype(t, 1));
                try {
                    SafetensorsWriter.write(outFile, outputs, Map.of("generator", "mm1j logits", "decode_from", Integer.toString(k < 0 ? t : k)));
                    StringBuilder what = new StringBuilder();
                    for (Map.Entry<String, Tensor> e : outputs.entrySet()) what.append(what.isEmpty() ? "" : ", ").append(e.getKey()).append(" F32 ").append(Arrays.toString(e.getValue().shape()));
                    err.println("mm1j logits: wrote " + outFile + " (" + what + ")");
                } finally {
                    outputs.values().forEach(Tensor::close);
                }
            } finally {
                if (pixelsPath == null) inputs.forEach(ImageEncoder.Input::close); // --pixels inputs are views of the file's copy
            }
        }
        return 0;
    }

    /** The ids must hold one image id per image; returns the positions of the expanded sequence. */
    private static int checkImages(int[] ids, ImageEncoder encoder, List<ImageEncoder.Input> inputs, String option) {
        if (encoder == null) return ids.length;
        int found = ImageSplice.count(ids, encoder.imageTokenId()), given = inputs.size();
        if (found != given) {
            String held = "the ids hold " + found + " image token" + (found == 1 ? "" : "s") + " (image_token_id=" + encoder.imageTokenId() + ")";
            throw new Mm1jException(given == 0 ? held + ": give " + (encoder instanceof Mm1Model ? "their pixel_values with --pixels (or the image files with --image)" : "the image files with --image")
                : held + " but " + option + " has " + given + " image" + (given == 1 ? "" : "s") + ": one image per token");
        }
        long t = ids.length - (long) found;
        for (ImageEncoder.Input in : inputs) t += in.rows();
        return (int) t;
    }

    /** Reads {@code pixel_values} [N, 3, S, S] from a safetensors file into a host F32 tensor. */
    static Tensor readPixels(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor t = f.tensor("pixel_values");
            if (t == null) throw new Mm1jException("--pixels: " + file + " has no tensor 'pixel_values' (it holds " + f.names() + ")");
            if (t.rank() != 4 || !t.dtype().isFloat()) throw new Mm1jException("--pixels: pixel_values is " + t + ", expected F32 [N, 3, S, S]");
            return Convert.to(t, DType.F32);
        }
    }

    /** The ids of {@code --tokens}: integers, or the word img for an image position (the image id). */
    static int[] parseIds(String s, int imageTokenId, int vocab) {
        int[] ids = parseIds(s, imageTokenId);
        for (int i = 0; i < ids.length; i++) {
            // a GGUF pair's image id lies past its vocabulary (it has no image token): only img reaches it
            if ((ids[i] < 0 || ids[i] >= vocab) && ids[i] != imageTokenId) {
                throw new Mm1jException("--tokens: token id " + ids[i] + " (at " + i + ") is outside the vocabulary [0, " + vocab + ")");
            }
        }
        return ids;
    }

    static int[] parseIds(String s) {
        return parseIds(s, -1);
    }

    private static int[] parseIds(String s, int imageTokenId) {
        String[] parts = s.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.equals("img")) {
                if (imageTokenId < 0) throw new CliException("--tokens: 'img' (at " + i + ") marks an image, but this model takes no images");
                ids[i] = imageTokenId;
                continue;
            }
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new CliException("--tokens: '" + parts[i] + "' is not an integer id (expected e.g. 5,9,7)");
            }
        }
        return ids;
    }
}
