package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The options every model command shares, read once: --model, --backend, --threads (-t), --weights, --ctx (-c),
 * --kv-type, --template, --max-pixels; they become the {@link Mm1Options} the model is opened with
 * ({@link LoadedModel#open}), the one way every command opens a model.
 */
final class ModelOptions {
    static final String HELP = """
          --model PATH      checkpoint folder (config.json + safetensors) or .gguf file
          --backend NAME    compute backend (default: the best available; see mm1j backends)
          --threads N, -t N worker threads (default: all cores)
          --weights T       convert the matmul weights on load: q8_0, q4_0, bf16, f16, f32 (default: as stored)
          --mmproj FILE     llama.cpp's mmproj GGUF (CLIP tower + LLaVA projector) to go with a text GGUF --model
        """;
    static final String CTX_HELP = """
          --ctx N, -c N     context length: KV-cache positions per sequence (default: the model's, at most 4096)
          --kv-type T       KV-cache storage: f32, f16, bf16 or auto (f32 up to 256 MiB of caches, else f16 when the
                            backend computes on it)
        """;
    static final String TEMPLATE_HELP = """
          --template NAME   a built-in chat format: llama3, chatml, mistral, vicuna, mm1, raw (default: the checkpoint's own
                            chat template, rendered as transformers does; else recognised from the model type)
        """;

    /** The --model path, or null when it was not given. */
    final Path model;
    final Mm1Options options;
    /** The --kv-type as given (auto, f32, f16, bf16). */
    final String kvType;

    private ModelOptions(Path model, Mm1Options options, String kvType) {
        this.model = model;
        this.options = options;
        this.kvType = kvType;
    }

    /** Reads the options; {@code defaultKv} is the command's --kv-type default (auto, or f32 for the conformance command). */
    static ModelOptions read(Args a, String defaultKv) {
        Path model = a.has("model") ? Path.of(a.require("model")) : null;
        int threads = a.has("t") ? a.getInt("t", 0) : a.getInt("threads", 0);
        if (threads < 0) throw new CliException("--threads must be >= 0 (0 = all cores), got " + threads);
        int ctx = a.has("c") ? a.getInt("c", 0) : a.getInt("ctx", 0);
        if (ctx < 0 || (ctx == 0 && (a.has("c") || a.has("ctx")))) throw new CliException("--ctx must be at least 1, got " + ctx);
        String kv = a.get("kv-type", defaultKv).toLowerCase(Locale.ROOT);
        DType kvDtype = switch (kv) {
            case "auto" -> null;
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> throw new CliException("--kv-type must be f32, f16, bf16 or auto, got '" + kv + "'");
        };
        long maxPixels = a.getLong("max-pixels", ImageDecoder.DEFAULT_MAX_PIXELS);
        if (maxPixels < 1) throw new CliException("--max-pixels must be positive, got " + maxPixels);
        DType weights;
        try {
            weights = Weights.parseMatrixDtype(a.get("weights", "stored"));
        } catch (IllegalArgumentException e) {
            throw new CliException("--weights: " + e.getMessage());
        }
        Mm1Options o = Mm1Options.defaults().backend(a.get("backend", "auto")).threads(threads).weights(weights).contextLength(ctx)
            .kvCache(kvDtype).template(a.get("template", null)).maxImagePixels(maxPixels);
        if (a.has("mmproj")) {
            Path mmproj = Path.of(a.require("mmproj"));
            if (!Files.isRegularFile(mmproj)) throw new CliException("--mmproj: " + mmproj + ": no such file");
            o = o.mmproj(mmproj);
        }
        return new ModelOptions(model, o, kv);
    }

    /** The --model path, or an error saying it is needed. */
    Path requireModel() {
        if (model == null) throw new CliException("missing --model PATH");
        return model;
    }

    /** The --model path, or the default model (the demo model). */
    Path modelOrDefault() {
        return model != null ? model : LoadedModel.defaultModel();
    }

    /** Opens {@code path}; loading notes and warnings go to {@code err} as {@code mm1j COMMAND: ...} lines. */
    LoadedModel open(Path path, String command, PrintStream err) throws IOException {
        return LoadedModel.open(path, options.log(line -> err.println("mm1j " + command + ": " + line)));
    }

    /** The worker threads the backend runs (all cores for 0). */
    int threads() {
        return options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
    }
}
