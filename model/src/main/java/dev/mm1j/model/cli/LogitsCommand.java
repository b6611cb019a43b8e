package dev.mm1j.model.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.mm1.Mm1Model;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextModel;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code mm1j logits} (spec §8): the forward pass over given ids, every position's logits written to a
 * safetensors file, so that any framework can check the engine on the same weights. For MM1 checkpoints the
 * images come as preprocessed {@code --pixels} and the vision outputs are written too ({@link Mm1Logits}).
 */
final class LogitsCommand implements Command {
    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "forward pass over token ids; write every position's logits (spec §8)";
    }

    @Override
    public String usage() {
        return "usage: mm1j logits --model PATH --tokens 5,9,7 [--pixels PIXELS.safetensors] [--decode-from K] --out OUT.safetensors\n\n"
            + "Runs the model over the ids and writes 'logits' F32 [T, V]. With --decode-from K, positions 0..K-1 run\n"
            + "as one batched prefill and the rest one at a time through the KV cache (the output must not depend on K).\n"
            + "For an MM1 checkpoint each image_token_id in the ids is one image of --pixels, in order, and becomes its\n"
            + "connector outputs (spec §7: T counts the expanded positions); the file then also holds 'vision_features'\n"
            + "[N, g², W] and 'image_embeds' [N, tokens, d]. The folder needs config.json and the weights, not a tokenizer.\n\noptions:\n"
            + "  --tokens IDS      comma-separated input ids\n"
            + "  --pixels FILE     safetensors with pixel_values F32 [N, 3, S, S], preprocessed (see mm1j preprocess)\n"
            + "  --decode-from K   0 <= K <= T (default T: everything in one prefill)\n"
            + "  --out FILE        the safetensors file to write\n"
            + "  --kv-type T       KV-cache storage f32 (default), f16 or bf16\n"
            + ModelOptions.HELP;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, 0, "f32");
        int[] ids = parseIds(args.require("tokens"));
        Path outFile = Path.of(args.require("out"));
        String pixelsFile = args.get("pixels", null);
        int t = ids.length;
        int k = args.getInt("decode-from", -1);
        args.checkUnknown();
        if (k < -1) throw new CliException("--decode-from must be between 0 and the number of positions, got " + k);
        if (isMm1(mo.model)) return runMm1(mo, ids, pixelsFile, k, outFile, err);
        if (pixelsFile != null) throw new CliException("--pixels needs an MM1 checkpoint (model_type mm1); " + mo.model + " is text-only");
        if (k == -1) k = t;
        if (k > t) throw new CliException("--decode-from must be between 0 and the number of tokens (" + t + "), got " + k);
        try (TextCheckpoint ckpt = mo.open(); Backend backend = mo.createBackend()) {
            Ops ops = ModelOptions.ops(backend);
            try (TextModel model = ckpt.load(ops, line -> err.println("mm1j logits: " + line))) {
                Map<String, Tensor> outputs = outputs(model, ids, k, mo.kvDtype(backend));
                SafetensorsWriter.write(outFile, outputs, Map.of("generator", "mm1j logits", "decode_from", Integer.toString(k)));
                outputs.values().forEach(Tensor::close);
            }
        }
        err.println("mm1j logits: wrote " + outFile + " (logits F32 [" + t + ", V])");
        return 0;
    }

    private static int runMm1(ModelOptions mo, int[] ids, String pixelsFile, int k, Path outFile, PrintStream err) throws Exception {
        try (Backend backend = mo.createBackend();
             Mm1Model model = Mm1Model.open(mo.model, mo.weights, ModelOptions.ops(backend), line -> err.println("mm1j logits: " + line));
             Tensor pixels = pixelsFile == null ? null : Mm1Logits.readPixels(Path.of(pixelsFile), model.config().vision().vision().patchSize())) {
            Map<String, Tensor> outputs = Mm1Logits.outputs(model, ids, pixels, k, mo.kvDtype(backend));
            try {
                long positions = outputs.get("logits").dim(0);
                SafetensorsWriter.write(outFile, outputs, Map.of("generator", "mm1j logits", "decode_from", Long.toString(k < 0 ? positions : k)));
                StringBuilder what = new StringBuilder("logits F32 [" + positions + ", V]");
                if (outputs.containsKey("image_embeds")) what.append(", vision_features ").append(java.util.Arrays.toString(outputs.get("vision_features").shape()))
                    .append(", image_embeds ").append(java.util.Arrays.toString(outputs.get("image_embeds").shape()));
                err.println("mm1j logits: wrote " + outFile + " (" + what + ")");
            } finally {
                outputs.values().forEach(Tensor::close);
            }
        }
        return 0;
    }

    /** Whether {@code path} is a checkpoint folder whose config.json says model_type mm1. */
    static boolean isMm1(Path path) throws java.io.IOException {
        Path cfg = path.resolve("config.json");
        if (!java.nio.file.Files.isDirectory(path) || !java.nio.file.Files.isRegularFile(cfg)) return false;
        Object type = JsonObject.of(Json.parse(cfg), "config.json").get("model_type");
        return "mm1".equals(type);
    }

    /** The tensors to write: {@code logits} F32 [T, V] on the host. */
    static Map<String, Tensor> outputs(TextModel model, int[] ids, int k, DType kv) {
        int t = ids.length, v = model.config().vocabSize();
        Ops ops = model.ops();
        Tensor host = Tensor.allocateHost(DType.F32, t, v);
        MemorySegment hostData = host.data();
        try (KvCache cache = model.newCache(t, kv)) {
            if (k > 0) {
                try (Tensor logits = ops.allocate(DType.F32, k, v)) {
                    model.prefill(cache, java.util.Arrays.copyOf(ids, k), logits);
                    ops.backend().copyOut(logits, hostData);
                }
            }
            if (k < t) {
                try (DecodeBatch batch = model.newDecodeBatch(1)) {
                    KvCache[] one = {cache};
                    for (int i = k; i < t; i++) {
                        Tensor row = batch.step(one, new int[] {ids[i]}, 1);
                        ops.backend().copyOut(row, hostData.asSlice((long) i * v * 4, (long) v * 4));
                    }
                }
            }
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("logits", host);
        return out;
    }

    static int[] parseIds(String s) {
        String[] parts = s.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CliException("--tokens: '" + parts[i] + "' is not an integer id (expected e.g. 5,9,7)");
            }
        }
        if (ids.length == 0) throw new CliException("--tokens is empty");
        return ids;
    }
}
