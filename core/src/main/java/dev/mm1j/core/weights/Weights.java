package dev.mm1j.core.weights;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prefixing, strict weight loader that model code reads checkpoints through:
 * {@code weights.prefix("model.layers").prefix(3).get("self_attn.q_proj.weight", hidden, hidden)}.
 * A missing tensor or a shape mismatch fails with the full name and both shapes; every tensor handed out
 * is remembered so that {@link #unused()} can list what the model never asked for.
 *
 * <p>All prefixed views share one record of used names. Tensors come back as stored (possibly a
 * memory-mapped view in F16/BF16/Q8_0...); callers convert or upload them as they need.
 */
public final class Weights {
    private final WeightSource source;
    private final String prefix;
    private final Set<String> used;

    public Weights(WeightSource source) {
        this(source, "", ConcurrentHashMap.newKeySet());
    }

    private Weights(WeightSource source, String prefix, Set<String> used) {
        this.source = source;
        this.prefix = prefix;
        this.used = used;
    }

    public WeightSource source() {
        return source;
    }

    /** A view whose names are {@code prefix + "." + name}. */
    public Weights prefix(String p) {
        return new Weights(source, prefix.isEmpty() ? p : prefix + "." + p, used);
    }

    public Weights prefix(int i) {
        return prefix(Integer.toString(i));
    }

    /** The full name of {@code name} under this prefix. */
    public String fullName(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    public boolean has(String name) {
        return source.tensor(fullName(name)) != null;
    }

    /** The tensor {@code name}, which must have exactly {@code shape} (no shape given: any shape). */
    public Tensor get(String name, long... shape) {
        String full = fullName(name);
        Tensor t = source.tensor(full);
        if (t == null) throw new Mm1jException("missing tensor '" + full + "' in " + source.describe() + (shape.length > 0 ? " (expected shape " + Arrays.toString(shape) + ")" : ""));
        if (shape.length > 0 && !Arrays.equals(t.shape(), shape)) {
            throw new Mm1jException("tensor '" + full + "' in " + source.describe() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        used.add(full);
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
            throw new Mm1jException("tensor '" + fullName(name) + "' in " + source.describe() + " has dtype " + t.dtype() + ", expected one of " + allowed);
        }
        return t;
    }

    /** Names in the source that no {@code get} asked for, sorted. */
    public Set<String> unused() {
        Set<String> out = new TreeSet<>(source.names());
        out.removeAll(used);
        return out;
    }
}
