package dev.mm1j.model.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.safetensors.SafetensorsWriter;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
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
 * safetensors file, so that any framework can check the engine on the same weights. Text-only for now; the
 * MM1 assembly adds {@code --pixels} and the vision outputs to {@link #outputs}.
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
        return "usage: mm1j logits --model PATH --tokens 5,9,7 [--decode-from K] --out OUT.safetensors\n\n"
            + "Runs the model over the ids and writes 'logits' F32 [T, V]. With --decode-from K, positions 0..K-1 run\n"
            + "as one batched prefill and the rest one at a time through the KV cache (the output must not depend on K).\n"
            + "The folder needs config.json and the weights, not a tokenizer.\n\noptions:\n"
            + "  --tokens IDS      comma-separated input ids\n"
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
        int t = ids.length;
        int k = args.getInt("decode-from", t);
        args.checkUnknown();
        if (k < 0 || k > t) throw new CliException("--decode-from must be between 0 and the number of tokens (" + t + "), got " + k);
        try (TextCheckpoint ckpt = mo.open(); Backend backend = mo.createBackend()) {
            checkNoImages(ckpt, ids);
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

    /** Images need the MM1 assembly (--pixels); until then an image id is an error, not a silent text token. */
    private static void checkNoImages(TextCheckpoint ckpt, int[] ids) throws java.io.IOException {
        if (!ckpt.config().modelType().equals("mm1")) return;
        JsonObject root = JsonObject.of(Json.parse(ckpt.path().resolve("config.json")), "config.json");
        int image = root.optInt("image_token_id", -1);
        for (int id : ids) {
            if (id == image) throw new Mm1jException("the ids hold image_token_id=" + image + " but this command does not take images (--pixels) yet");
        }
    }
}
