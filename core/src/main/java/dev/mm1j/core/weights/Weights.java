package dev.mm1j.core.weights;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.quant.Convert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The prefixing, strict weight loader that model code reads checkpoints through:
 * {@code weights.prefix("model.layers").prefix(3).matrix("self_attn.q_proj.weight", hidden, hidden)}.
 * A missing tensor or a shape mismatch fails with the full name and both shapes; every tensor handed out
 * is remembered so that {@link #finish()} can warn once about what the model never asked for.
 *
 * <p>Three ways to ask, by what the model does with the tensor:
 * <ul>
 *   <li>{@link #matrix}: a matmul weight [out, in]. With a matrix dtype configured (quantize-on-load,
 *       {@code --weights q8_0|q4_0|bf16|f16|f32}) it comes back in that dtype, converted once, cached, freed
 *       by {@link #close()}; without one, as stored (storage-only types such as F64 become F32).</li>
 *   <li>{@link #f32}: norm weights, biases, position embeddings: contiguous F32 (converted once when stored
 *       otherwise).</li>
 *   <li>{@link #embedding} (a gather table, never quantized further) and {@link #get} (exactly as stored,
 *       usually a memory-mapped view).</li>
 * </ul>
 *
 * <p>All prefixed views share one record of used names, one cache, and one matrix dtype. A view made with
 * {@link #on(Ops)} places what those three hand out in the backend's memory (model blocks load through such a
 * view); {@link #get} always gives the host tensor as read. Thread-safe.
 */
public final class Weights implements AutoCloseable {
    /** State shared by every prefixed view. */
    private static final class Shared {
        final WeightSource source;
        final DType matrixDtype;
        final Set<String> used = ConcurrentHashMap.newKeySet();
        final Map<String, Tensor> converted = new ConcurrentHashMap<>();
        final List<String> notes = new ArrayList<>();
        volatile Consumer<String> warnings = System.err::println;
        Progress progress;
        boolean finished;

        Shared(WeightSource source, DType matrixDtype) {
            this.source = source;
            this.matrixDtype = matrixDtype;
        }

        synchronized Progress progress() {
            if (progress == null) progress = Progress.bytes("converting weights" + (matrixDtype != null ? " to " + matrixDtype : ""), 0);
            return progress;
        }
    }

    private final Shared shared;
    private final String prefix;
    private final Ops ops; // where matrix/f32/embedding place what they hand out; null: host memory, as read

    /** Tensors as stored (no quantize-on-load). */
    public Weights(WeightSource source) {
        this(source, null);
    }

    /**
     * Tensors from {@code source}; {@link #matrix} converts matmul weights to {@code matrixDtype} (one of F32,
     * F16, BF16, Q8_0, Q4_0), or leaves them as stored when it is null.
     */
    public Weights(WeightSource source, DType matrixDtype) {
        if (matrixDtype != null && !(matrixDtype.isFloat() || matrixDtype == DType.Q8_0 || matrixDtype == DType.Q4_0)) {
            throw new IllegalArgumentException("matrix dtype must be F32, F16, BF16, Q8_0 or Q4_0, got " + matrixDtype);
        }
        this.shared = new Shared(source, matrixDtype);
        this.prefix = "";
        this.ops = null;
    }

    private Weights(Shared shared, String prefix, Ops ops) {
        this.shared = shared;
        this.prefix = prefix;
        this.ops = ops;
    }

    /**
     * A view whose {@link #matrix}, {@link #f32} and {@link #embedding} hand out tensors in {@code ops}' memory
     * (the same tensors on a host backend, uploaded copies on a device; {@link #matrix} in the backend's matmul
     * layout, {@link dev.mm1j.core.backend.Backend#prepareWeight}). How model blocks load their parameters.
     */
    public Weights on(Ops ops) {
        return new Weights(shared, prefix, ops);
    }

    /**
     * The matrix dtype of a {@code --weights} option: {@code q8_0}, {@code q4_0}, {@code bf16}, {@code f16},
     * {@code f32}, or {@code stored}/{@code auto} (null: as stored).
     */
    public static DType parseMatrixDtype(String option) {
        String o = option.trim().toLowerCase(Locale.ROOT);
        return switch (o) {
            case "stored", "auto", "" -> null;
            case "q8_0", "q8" -> DType.Q8_0;
            case "q4_0", "q4" -> DType.Q4_0;
            case "bf16" -> DType.BF16;
            case "f16", "fp16" -> DType.F16;
            case "f32", "fp32" -> DType.F32;
            default -> throw new IllegalArgumentException("unknown weight dtype '" + option + "' (expected q8_0, q4_0, bf16, f16, f32 or stored)");
        };
    }

    public WeightSource source() {
        return shared.source;
    }

    /** The dtype {@link #matrix} converts to, or null (as stored). */
    public DType matrixDtype() {
        return shared.matrixDtype;
    }

    /** Where warnings go (default: a line on stderr). */
    public Weights warnings(Consumer<String> sink) {
        shared.warnings = sink;
        return this;
    }

    /** A view whose names are {@code prefix + "." + name}. */
    public Weights prefix(String p) {
        return new Weights(shared, prefix.isEmpty() ? p : prefix + "." + p, ops);
    }

    public Weights prefix(int i) {
        return prefix(Integer.toString(i));
    }

    /** The full name of {@code name} under this prefix. */
    public String fullName(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    public boolean has(String name) {
        return shared.source.names().contains(fullName(name));
    }

    /** The tensor {@code name} exactly as stored, which must have exactly {@code shape} (no shape given: any shape). */
    public Tensor get(String name, long... shape) {
        String full = fullName(name);
        Tensor t = shared.source.tensor(full);
        if (t == null) {
            throw new ModelFormatException("missing tensor '" + full + "' in " + shared.source.describe() + (shape.length > 0 ? " (expected shape " + Arrays.toString(shape) + ")" : ""));
        }
        if (shape.length > 0 && !Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException("tensor '" + full + "' in " + shared.source.describe() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        shared.used.add(full);
        return t;
    }

    /** Like {@link #get} but returns null when the tensor is absent. */
    public Tensor getOptional(String name, long... shape) {
        return has(name) ? get(name, shape) : null;
    }

    /** {@link #get} plus a dtype check against the allowed set. */
    public Tensor get(String name, Set<DType> allowed, long... shape) {
        Tensor t = get(name, shape);
        if (!allowed.contains(t.dtype())) {
            throw new ModelFormatException("tensor '" + fullName(name) + "' in " + shared.source.describe() + " has dtype " + t.dtype() + ", expected one of " + allowed);
        }
        return t;
    }

    /**
     * A matmul weight of exactly {@code shape} (usually [out, in]; the last dim is the one the dot products
     * run along): in the configured matrix dtype, converted once and cached; as stored when none is configured
     * or when the last dim is not a multiple of the quantization block (then noted in {@link #finish()}).
     */
    public Tensor matrix(String name, long... shape) {
        Tensor t = get(name, shape);
        DType target = shared.matrixDtype;
        if (target != null && target.isQuantized() && (t.rank() == 0 || t.dim(-1) % target.blockSize() != 0)) {
            note(fullName(name) + " " + t + " stays " + (usable(t) ? t.dtype() : DType.F32) + ": its rows are not a multiple of " + target.blockSize());
            target = null;
        }
        if (target == null) target = usable(t) ? t.dtype() : DType.F32;
        Tensor host = convert(fullName(name), t, target);
        // in the backend's matmul layout (Backend.prepareWeight: the CPU backend repacks Q8_0/Q4_0 into panels)
        return ops == null ? host : ops.prepareWeight(host);
    }

    /** A gather table (e.g. token embeddings) of exactly {@code shape}: as stored when the engine computes on it, else F32. */
    public Tensor embedding(String name, long... shape) {
        Tensor t = get(name, shape);
        return place(convert(fullName(name), t, usable(t) ? t.dtype() : DType.F32));
    }

    /** The tensor as contiguous F32 (norm weights, biases): a view when stored so, else converted once and cached. */
    public Tensor f32(String name, long... shape) {
        return place(convert(fullName(name), get(name, shape), DType.F32));
    }

    private Tensor place(Tensor host) {
        return ops == null ? host : ops.upload(host);
    }

    /** Like {@link #f32} but null when the tensor is absent. */
    public Tensor f32Optional(String name, long... shape) {
        return has(name) ? f32(name, shape) : null;
    }

    private static boolean usable(Tensor t) {
        return t.dtype().isComputable() && t.dtype() != DType.I32;
    }

    private Tensor convert(String full, Tensor t, DType target) {
        if (t.dtype() == target && t.isContiguous()) return t;
        return shared.converted.computeIfAbsent(full + "@" + target, k -> {
            Tensor out;
            try {
                out = Convert.to(t, target);
            } catch (ShapeException e) {
                throw new ModelFormatException("tensor '" + full + "' in " + shared.source.describe() + " " + t + " cannot be converted to " + target + ": " + e.getMessage());
            }
            shared.progress().advance(out.byteSize());
            return out;
        });
    }

    private void note(String line) {
        synchronized (shared.notes) {
            if (!shared.notes.contains(line)) shared.notes.add(line);
        }
    }

    /** Names in the source that nothing asked for, sorted. */
    public Set<String> unused() {
        Set<String> out = new TreeSet<>(shared.source.names());
        out.removeAll(shared.used);
        return out;
    }

    /**
     * Call once the model has taken its tensors: ends the progress line and warns, once, about unused
     * tensors (up to 10 names and the count) and about matrices left unconverted.
     */
    public void finish() {
        synchronized (shared) {
            if (shared.finished) return;
            shared.finished = true;
            if (shared.progress != null) shared.progress.close();
        }
        Set<String> unused = unused();
        if (!unused.isEmpty()) {
            List<String> first = new ArrayList<>(unused).subList(0, Math.min(10, unused.size()));
            shared.warnings.accept("warning: " + unused.size() + " tensor" + (unused.size() == 1 ? " " : "s ") + "in " + shared.source.describe() + " not used by the model: "
                + String.join(", ", first) + (unused.size() > first.size() ? ", ..." : ""));
        }
        synchronized (shared.notes) {
            for (String n : shared.notes) shared.warnings.accept("note: " + n);
        }
    }

    /** Frees every converted tensor (views of the source are left to the source). */
    @Override
    public void close() {
        synchronized (shared) {
            if (shared.progress != null) shared.progress.close();
        }
        shared.converted.values().forEach(Tensor::close);
        shared.converted.clear();
    }
}
