package dev.mm1j.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.ProtectionDomain;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a private copy of the kernel package ({@value #PACKAGE}) whose vector species is {@link #bits()}.
 *
 * <p>Why: the Vector API only compiles to SIMD instructions when the species is a compile-time constant
 * (a {@code static final}); with a species held in a field every vector op falls back to slow boxed Java.
 * The kernels therefore read their species from static finals in {@code Vec}, initialised from the loader
 * that defined them: the ordinary class path copy uses the preferred species, and a backend created with
 * another {@code vector.bits} gets a copy of the same classes defined by one of these loaders, compiled by
 * the JIT with its own constants. One source, every species, no slow path.
 */
public final class SpeciesClassLoader extends ClassLoader {
    static final String PACKAGE = "dev.mm1j.cpu.simd";

    private static final ConcurrentHashMap<Integer, SpeciesClassLoader> LOADERS = new ConcurrentHashMap<>();

    static {
        registerAsParallelCapable();
    }

    private final int bits;
    private final ProtectionDomain domain;

    private SpeciesClassLoader(int bits, ClassLoader parent) {
        super("mm1j-simd-" + bits, parent);
        this.bits = bits;
        this.domain = SpeciesClassLoader.class.getProtectionDomain();
    }

    /** The shared loader for {@code bits}-bit kernels. */
    static SpeciesClassLoader forBits(int bits) {
        return LOADERS.computeIfAbsent(bits, b -> new SpeciesClassLoader(b, SpeciesClassLoader.class.getClassLoader()));
    }

    /** The vector width, in bits, of the kernels this loader defines. */
    public int bits() {
        return bits;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(PACKAGE + ".")) return super.loadClass(name, resolve);
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                String resource = name.replace('.', '/') + ".class";
                try (InputStream in = getParent().getResourceAsStream(resource)) {
                    if (in == null) throw new ClassNotFoundException(name);
                    byte[] bytes = in.readAllBytes();
                    c = defineClass(name, bytes, 0, bytes.length, domain);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + resource, e);
                }
            }
            if (resolve) resolveClass(c);
            return c;
        }
    }
}
