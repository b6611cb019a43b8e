package dev.mm1j.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Where the CUDA driver and NVRTC are, decided before LWJGL is touched. Explicit settings win, in this
 * order:
 * <ul>
 *   <li>the driver: {@code -Dmm1j.cuda.libcuda=PATH}, env {@code MM1J_LIBCUDA}, LWJGL's own
 *       {@code -Dorg.lwjgl.cuda.libname}; otherwise {@code libcuda.so.1}, found by the system loader (the
 *       name the driver installs; LWJGL's default {@code libcuda.so} exists only with the dev package);</li>
 *   <li>NVRTC: {@code -Dmm1j.cuda.libnvrtc=PATH}, env {@code MM1J_LIBNVRTC}, {@code -Dorg.lwjgl.cuda.nvrtc.libname};
 *       otherwise the newest {@code libnvrtc.so*} in {@code LD_LIBRARY_PATH}, {@code $CUDA_HOME},
 *       {@code $CUDA_PATH}, {@code /usr/local/cuda}, {@code /usr/local/cuda-*}, {@code /opt/cuda} (their
 *       {@code lib64}, {@code lib}, {@code targets/*}/lib) and the distribution's library directories;</li>
 *   <li>NVRTC's builtins ({@code libnvrtc-builtins.so*}, which LWJGL loads eagerly):
 *       {@code -Dorg.lwjgl.cuda.nvrtc-builtins.libname}, else the one next to libnvrtc with the same
 *       major version.</li>
 * </ul>
 */
final class CudaLibraries {
    static final String PROP_LIBCUDA = "mm1j.cuda.libcuda";
    static final String ENV_LIBCUDA = "MM1J_LIBCUDA";
    static final String PROP_NVRTC = "mm1j.cuda.libnvrtc";
    static final String ENV_NVRTC = "MM1J_LIBNVRTC";
    static final String LWJGL_LIBCUDA = "org.lwjgl.cuda.libname";
    static final String LWJGL_NVRTC = "org.lwjgl.cuda.nvrtc.libname";
    static final String LWJGL_BUILTINS = "org.lwjgl.cuda.nvrtc-builtins.libname";
    static final String DEFAULT_LIBCUDA = "libcuda.so.1";

    private final UnaryOperator<String> props;
    private final UnaryOperator<String> env;

    /** @param props system properties (name to value or null); @param env environment variables */
    CudaLibraries(UnaryOperator<String> props, UnaryOperator<String> env) {
        this.props = props;
        this.env = env;
    }

    static CudaLibraries system() {
        return new CudaLibraries(System::getProperty, System::getenv);
    }

    private String first(String... names) {
        for (int i = 0; i < names.length; i += 2) {
            String v = names[i].equals("prop") ? props.apply(names[i + 1]) : env.apply(names[i + 1]);
            if (v != null && !v.isBlank()) return v.trim();
        }
        return null;
    }

    /** The driver library to load: a path or a soname for the system loader. */
    String libcuda() {
        String v = first("prop", PROP_LIBCUDA, "env", ENV_LIBCUDA, "prop", LWJGL_LIBCUDA);
        return v != null ? v : DEFAULT_LIBCUDA;
    }

    /** True when the user named the driver library (then a failure says so). */
    boolean libcudaExplicit() {
        return first("prop", PROP_LIBCUDA, "env", ENV_LIBCUDA, "prop", LWJGL_LIBCUDA) != null;
    }

    /** The NVRTC library given explicitly, or null. */
    String nvrtcExplicit() {
        return first("prop", PROP_NVRTC, "env", ENV_NVRTC, "prop", LWJGL_NVRTC);
    }

    /** Directories searched for NVRTC when it is not given, in order. */
    List<Path> searchDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        String ld = env.apply("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        List<Path> roots = new ArrayList<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String v = env.apply(var);
            if (v != null && !v.isBlank()) roots.add(Path.of(v));
        }
        roots.add(Path.of("/usr/local/cuda"));
        roots.addAll(versionedToolkits(Path.of("/usr/local")));
        roots.add(Path.of("/opt/cuda"));
        for (Path r : roots) {
            dirs.add(r.resolve("lib64"));
            dirs.add(r.resolve("lib"));
            dirs.add(r.resolve("targets/x86_64-linux/lib"));
            dirs.add(r.resolve("targets/sbsa-linux/lib"));
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib/aarch64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/lib"));
        return List.copyOf(dirs);
    }

    /** /usr/local/cuda-X.Y directories, newest first. */
    private static List<Path> versionedToolkits(Path parent) {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().matches("cuda-\\d+(\\.\\d+)*") && Files.isDirectory(p))
                .sorted(Comparator.comparing((Path p) -> versionKey(p.getFileName().toString().substring(5))).reversed())
                .toList();
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    /** The NVRTC library: the explicit setting, else the newest libnvrtc.so* in the first directory that has one; null if none. */
    String nvrtc() {
        String explicit = nvrtcExplicit();
        if (explicit != null) return explicit;
        for (Path dir : searchDirs()) {
            Path p = newest(dir, "libnvrtc.so");
            if (p != null) return p.toString();
        }
        return null;
    }

    /** The builtins library matching {@code nvrtc}: explicit, else a sibling file with the same major version, else null. */
    String builtinsFor(String nvrtc) {
        String explicit = first("prop", LWJGL_BUILTINS);
        if (explicit != null) return explicit;
        Path p = Path.of(nvrtc);
        Path dir = p.getParent();
        if (dir == null) return null;
        String major = majorOf(p.getFileName().toString(), "libnvrtc.so");
        Path b = major != null ? newest(dir, "libnvrtc-builtins.so." + major) : null;
        return b != null ? b.toString() : (b = newest(dir, "libnvrtc-builtins.so")) != null ? b.toString() : null;
    }

    /** The file in {@code dir} named {@code prefix} or {@code prefix.N[.M...]} with the highest version; null if none. */
    static Path newest(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> {
                String n = f.getFileName().toString();
                return (n.equals(prefix) || n.startsWith(prefix + ".") && n.substring(prefix.length() + 1).matches("\\d+(\\.\\d+)*"))
                    && Files.isRegularFile(f);
            }).max(Comparator.comparing((Path f) -> versionKey(suffix(f.getFileName().toString(), prefix)))).orElse(null);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static String suffix(String name, String prefix) {
        return name.length() > prefix.length() ? name.substring(prefix.length() + 1) : "";
    }

    /** "12.4.1" as a zero-padded comparable string. */
    static String versionKey(String v) {
        StringBuilder sb = new StringBuilder();
        for (String part : v.split("\\.")) {
            if (part.isEmpty()) continue;
            sb.append(String.format("%08d", Long.parseLong(part.length() > 8 ? part.substring(0, 8) : part)));
        }
        return sb.toString();
    }

    /** The first version component after {@code prefix.} in a file name, or null ("libnvrtc.so.12.4" -> "12"). */
    static String majorOf(String name, String prefix) {
        if (!name.startsWith(prefix + ".")) return null;
        String rest = name.substring(prefix.length() + 1);
        int dot = rest.indexOf('.');
        String m = dot < 0 ? rest : rest.substring(0, dot);
        return m.matches("\\d+") ? m : null;
    }

    /** What to tell the user when the driver library cannot be opened. */
    String libcudaHint() {
        return libcudaExplicit()
            ? "check the path given by -D" + PROP_LIBCUDA + ", " + ENV_LIBCUDA + " or -D" + LWJGL_LIBCUDA
            : "no NVIDIA driver here? If it is installed elsewhere, set -D" + PROP_LIBCUDA + "=/path/to/libcuda.so.1 or " + ENV_LIBCUDA;
    }

    /** What to tell the user when NVRTC is missing. */
    String nvrtcHint() {
        return "install the CUDA toolkit's NVRTC (e.g. the cuda-nvrtc package) or set -D" + PROP_NVRTC
            + "=/path/to/libnvrtc.so.12 or " + ENV_NVRTC + " (libnvrtc-builtins must sit next to it)";
    }
}
