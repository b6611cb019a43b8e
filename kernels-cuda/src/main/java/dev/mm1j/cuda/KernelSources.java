package dev.mm1j.cuda;

import dev.mm1j.core.Mm1jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA C sources shipped as resources under {@code dev/mm1j/cuda/}, and the per-process cache of
 * what NVRTC made of them (one image per family and architecture: compiled at first use, reused by
 * every backend instance of the process).
 */
final class KernelSources {
    private static final String DIR = "/dev/mm1j/cuda/";
    private static final Map<String, Nvrtc.Image> IMAGES = new ConcurrentHashMap<>();

    private KernelSources() {}

    /** The text of resource {@code name} (e.g. "products.cu" or "common.cuh"). */
    static String read(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(DIR + name)) {
            if (in == null) throw new Mm1jException("[cuda] kernel source " + DIR + name + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Mm1jException("[cuda] cannot read kernel source " + DIR + name + ": " + e.getMessage(), e);
        }
    }

    /** The compiled image of {@code family} for compute capability {@code cc} (e.g. 90), compiling it once per process. */
    static Nvrtc.Image image(String family, int cc) {
        return IMAGES.computeIfAbsent(family + "@" + cc,
            key -> Nvrtc.compile(family, read(family + ".cu"), Map.of(Kernels.HEADER, read(Kernels.HEADER)), cc));
    }
}
