package dev.mm1j.model.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import java.nio.file.Path;
import java.util.Locale;

/** The options every model command shares: --model, --backend, --threads (-t), --ctx (-c), --kv-type. */
final class ModelOptions {
    static final String HELP = """
          --model PATH      checkpoint folder (config.json + safetensors) or .gguf file
          --backend NAME    compute backend (default: the best available; see mm1j backends)
          --threads N, -t N worker threads (default: all cores)
          --weights T       convert the matmul weights on load: q8_0, q4_0, bf16, f16, f32 (default: as stored)
        """;
    static final String CTX_HELP = """
          --ctx N, -c N     context length: KV-cache positions per sequence (default %d)
          --kv-type T       KV-cache storage: f32, f16, bf16 or auto (f16 when the backend computes on it)
        """;

    final Path model;
    final String backend;
    final int threads;
    final int ctx;
    final String kvType;
    final DType weights; // null: as stored

    private ModelOptions(Path model, String backend, int threads, int ctx, String kvType, DType weights) {
        this.weights = weights;
        this.model = model;
        this.backend = backend;
        this.threads = threads;
        this.ctx = ctx;
        this.kvType = kvType;
    }

    static ModelOptions read(Args a, int defaultCtx, String defaultKv) {
        return read(a, defaultCtx, defaultKv, true);
    }

    /** As above; without {@code requireModel} a missing --model leaves {@link #model} null (e.g. bench --preset). */
    static ModelOptions read(Args a, int defaultCtx, String defaultKv, boolean requireModel) {
        Path model = requireModel || a.has("model") ? Path.of(a.require("model")) : null;
        String backend = a.get("backend", "auto");
        int threads = a.has("t") ? a.getInt("t", 0) : a.getInt("threads", 0);
        if (threads < 0) throw new CliException("--threads must be >= 0 (0 = all cores), got " + threads);
        int ctx = 0; // commands that size the context themselves pass 0 and take no --ctx
        if (defaultCtx > 0) {
            ctx = a.has("c") ? a.getInt("c", defaultCtx) : a.getInt("ctx", defaultCtx);
            if (ctx < 1) throw new CliException("--ctx must be at least 1, got " + ctx);
        }
        String kv = a.get("kv-type", defaultKv).toLowerCase(Locale.ROOT);
        if (!kv.equals("auto") && !kv.equals("f32") && !kv.equals("f16") && !kv.equals("bf16")) {
            throw new CliException("--kv-type must be f32, f16, bf16 or auto, got '" + kv + "'");
        }
        DType weights;
        try {
            weights = dev.mm1j.core.weights.Weights.parseMatrixDtype(a.get("weights", "stored"));
        } catch (IllegalArgumentException e) {
            throw new CliException("--weights: " + e.getMessage());
        }
        return new ModelOptions(model, backend, threads, ctx, kv, weights);
    }

    /** Opens the --model checkpoint (with --weights conversion). */
    dev.mm1j.model.text.TextCheckpoint open() throws java.io.IOException {
        return dev.mm1j.model.text.TextCheckpoint.open(model, weights);
    }

    Backend createBackend() {
        return Backends.create(backend, BackendOptions.threads(threads));
    }

    /** Ops on {@code b}, falling back to the reference backend for ops it lacks. */
    static Ops ops(Backend b) {
        return new Ops(b, b instanceof ReferenceBackend ? null : new ReferenceBackend());
    }

    /** The KV-cache dtype: as asked, or for auto F16 when the backend itself runs attention and set_rows on it. */
    DType kvDtype(Backend b) {
        return switch (kvType) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> b.supportsOp(Op.ATTENTION, DType.F16) && b.supportsOp(Op.SET_ROWS, DType.F16) && !(b instanceof ReferenceBackend) ? DType.F16 : DType.F32;
        };
    }
}
