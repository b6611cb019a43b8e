package dev.mm1j.cpu;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import java.lang.reflect.InvocationTargetException;
import jdk.incubator.vector.FloatVector;

/**
 * The Vector API CPU backend ({@code cpu}): host memory, a dedicated thread pool and SIMD kernels for every op,
 * implemented by {@code dev.mm1j.cpu.simd.SimdBackend}, one class per op family behind it.
 *
 * <p>Options: {@code threads} (0 = all processors) and the properties {@code vector.bits} (128, 256 or 512, up to
 * what the CPU supports; default the preferred width, or the system property {@code mm1j.vector.bits}),
 * {@code matmul.panels} ({@code true}: {@code prepareWeight} repacks Q8_0/Q4_0 weights into row-interleaved
 * panels; {@code false}: weights stay as stored and the row-major kernels run; default the system property
 * {@code mm1j.matmul.panels}, else true) and {@code matmul.exact} ({@code true}: the panel GEMV keeps the
 * activations in F32 instead of quantizing them to 8-bit blocks; default {@code mm1j.matmul.exact}, else false).
 * Each width runs the same kernel code compiled with its own species (see {@link SpeciesClassLoader}), which is why
 * the backend is made here and used as a {@link Backend}: {@code settings()} reports {@code vector.bits} and
 * {@code threads}.
 */
public final class CpuBackend {
    public static final String NAME = "cpu";

    private CpuBackend() {}

    /** A CPU backend of the width and thread count {@code options} ask for; errors name a width this CPU lacks. */
    public static Backend create(BackendOptions options) {
        int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = parseBits(options.property("vector.bits", System.getProperty("mm1j.vector.bits", Integer.toString(max))), max);
        boolean panels = parseFlag("matmul.panels", options.property("matmul.panels", System.getProperty("mm1j.matmul.panels", "true")));
        boolean exact = parseFlag("matmul.exact", options.property("matmul.exact", System.getProperty("mm1j.matmul.exact", "false")));
        int threads = options.effectiveThreads();
        Backend b = bits == max ? new dev.mm1j.cpu.simd.SimdBackend(threads, panels, exact) : load(bits, threads, panels, exact);
        if (!b.settings().get("vector.bits").equals(Integer.toString(bits))) {
            b.close();
            throw new IllegalStateException("[cpu] asked for " + bits + "-bit kernels, got " + b.settings());
        }
        return b;
    }

    private static int parseBits(String value, int max) {
        int bits;
        try {
            bits = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new Mm1jException("[cpu] vector.bits must be 128, 256 or 512, got '" + value + "'");
        }
        if (bits != 128 && bits != 256 && bits != 512) throw new Mm1jException("[cpu] vector.bits must be 128, 256 or 512, got " + bits);
        if (bits > max) throw new Mm1jException("[cpu] vector.bits=" + bits + " is not supported on this CPU (at most " + max + ")");
        return bits;
    }

    private static boolean parseFlag(String name, String value) {
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Mm1jException("[cpu] " + name + " must be true or false, got '" + value + "'");
        };
    }

    private static Backend load(int bits, int threads, boolean panels, boolean exact) {
        try {
            Class<?> c = SpeciesClassLoader.forBits(bits).loadClass(SpeciesClassLoader.PACKAGE + ".SimdBackend");
            return (Backend) c.getConstructor(int.class, boolean.class, boolean.class).newInstance(threads, panels, exact);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("[cpu] cannot create " + bits + "-bit kernels", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("[cpu] cannot load " + bits + "-bit kernels", e);
        }
    }
}
