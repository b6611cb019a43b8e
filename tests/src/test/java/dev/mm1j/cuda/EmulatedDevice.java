package dev.mm1j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Device} that runs the real kernel sources on the host: the .cu files are compiled by g++ against
 * emu.h (a shim of the CUDA C++ the kernels use, see there) into a shared library, loaded once per process;
 * device memory is host memory. It checks what the GPU cannot be asked here (the arithmetic, indexing, tiling,
 * bounds and synchronisation of every kernel) and what it cannot (NVRTC, the driver, real warp scheduling, the
 * tensor cores' own fragment layout, which emu.cpp takes from the PTX ISA).
 */
final class EmulatedDevice implements Device {
    private static MethodHandle launch;
    private static String unavailable;
    private static Arena libArena;

    private final Map<Long, Arena> live = new HashMap<>();
    private int allowedShared = 48 * 1024;

    /** Null when the emulator is built (compiling it on first call), else why it cannot be. */
    static synchronized String unavailableReason() {
        if (launch == null && unavailable == null) {
            try {
                build();
            } catch (Exception | LinkageError e) {
                unavailable = "the CUDA host emulator could not be built: " + e.getMessage();
            }
        }
        return unavailable;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = EmulatedDevice.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String gxx() {
        for (String c : List.of("/usr/bin/g++", "/usr/local/bin/g++")) if (Files.isExecutable(Path.of(c))) return c;
        return null;
    }

    private static void build() throws Exception {
        String gxx = gxx();
        if (gxx == null) {
            unavailable = "g++ not found: the kernels were not run in the host emulator";
            return;
        }
        Path dir = Files.createTempDirectory("mm1j-cuda-emu");
        Files.writeString(dir.resolve("emu.h"), resource("emu/emu.h"));
        Files.writeString(dir.resolve("emu.cpp"), resource("emu/emu.cpp"));
        Files.writeString(dir.resolve(Kernels.HEADER), KernelSources.read(Kernels.HEADER));
        List<String> cmd = new ArrayList<>(List.of(gxx, "-std=c++20", "-O1", "-fPIC", "-shared", "-w",
            "-include", dir.resolve("emu.h").toString(), "-I", dir.toString(), "-o", dir.resolve("libmm1jemu.so").toString(),
            dir.resolve("emu.cpp").toString(), dir.resolve("glue.cpp").toString(), "-x", "c++"));
        for (String f : Kernels.FAMILIES) {
            // the one construct C++ cannot take: dynamic shared memory
            String src = KernelSources.read(f + ".cu").replace("extern __shared__ float smem[];", "float* smem = (float*)emu_dynamic_smem();");
            Files.writeString(dir.resolve(f + ".cu"), src);
            cmd.add(dir.resolve(f + ".cu").toString());
        }
        Files.writeString(dir.resolve("glue.cpp"), glue());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            unavailable = "g++ failed on the kernels: " + log;
            return;
        }
        libArena = Arena.ofShared();
        MemorySegment fn = SymbolLookup.libraryLookup(dir.resolve("libmm1jemu.so"), libArena).find("emu_launch").orElseThrow();
        launch = Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** emu_run(kernel, params): calls kernel number k of Kernels.ALL with its unpacked parameters. */
    private static String glue() {
        StringBuilder decl = new StringBuilder("struct Dims { long long n[6]; };\n");
        StringBuilder run = new StringBuilder("extern \"C\" void emu_run(int k, void** p) {\n  switch (k) {\n");
        for (int i = 0; i < Kernels.ALL.size(); i++) {
            Kernel k = Kernels.ALL.get(i);
            List<String> types = new ArrayList<>(), args = new ArrayList<>();
            for (int j = 0; j < k.params().size(); j++) {
                String t = switch (k.params().get(j)) {
                    case PTR -> "void*";
                    case I32 -> "int";
                    case I64 -> "long long";
                    case F32 -> "float";
                    case DIMS -> "Dims";
                };
                types.add(t);
                args.add("*(" + t + "*)p[" + j + "]");
            }
            decl.append("extern \"C\" void ").append(k.name()).append('(').append(String.join(", ", types)).append(");\n");
            run.append("    case ").append(i).append(": ").append(k.name()).append('(').append(String.join(", ", args)).append("); break;\n");
        }
        return decl + run.toString() + "  }\n}\n";
    }

    @Override
    public String description() {
        return "host emulation of the CUDA kernels";
    }

    @Override
    public int multiprocessors() {
        return 1; // few blocks per launch: every block costs its threads' creation; grid-stride loops do the rest
    }

    @Override
    public int maxSharedMemoryPerBlock() {
        return 227 * 1024;
    }

    @Override
    public synchronized long allocate(long bytes) {
        Arena a = Arena.ofShared();
        long p = a.allocate(Math.max(1, bytes), 256).address();
        live.put(p, a);
        return p;
    }

    @Override
    public synchronized void free(long pointer) {
        Arena a = live.remove(pointer);
        if (a == null) throw new IllegalStateException("free of unknown device pointer " + pointer);
        a.close();
    }

    private static MemorySegment at(long p, long bytes) {
        return MemorySegment.ofAddress(p).reinterpret(bytes);
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src, long bytes) {
        MemorySegment.copy(src, 0, at(dst, bytes), 0, bytes);
    }

    @Override
    public void copyToHost(MemorySegment dst, long src, long bytes) {
        MemorySegment.copy(at(src, bytes), 0, dst, 0, bytes);
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
    }

    @Override
    public void zero(long pointer, long bytes) {
        at(pointer, bytes).fill((byte) 0);
    }

    @Override
    public long function(Kernel k) {
        return Kernels.ALL.indexOf(k);
    }

    @Override
    public void allowSharedMemory(long function, int bytes) {
        allowedShared = Math.max(allowedShared, bytes);
    }

    @Override
    public void launch(long function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, LaunchArgs args) {
        if (sharedBytes > allowedShared) throw new IllegalStateException(args.kernel() + ": " + sharedBytes + " bytes of shared memory without opting in");
        if (bx % 32 != 0 || bx > 1024 || by != 1 || bz != 1) throw new IllegalStateException(args.kernel() + ": block " + bx);
        try {
            int rc = (int) launch.invokeExact((int) function, gx, gy, gz, bx, sharedBytes, MemorySegment.ofAddress(args.address()));
            if (rc != 0) throw new IllegalStateException("emu_launch returned " + rc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void synchronize() {}

    @Override
    public synchronized void close() {
        for (Arena a : live.values()) a.close();
        live.clear();
    }
}
