package dev.mm1j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import org.lwjgl.cuda.CU;
import org.lwjgl.cuda.NVRTC;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryUtil;

/**
 * Process-wide CUDA state: finds and loads the driver and NVRTC once, initialises the driver and records
 * why CUDA cannot run here, if it cannot. Never throws and never lets a missing library reach LWJGL's
 * loader (which would print its own advice): both libraries are first opened with the JDK's
 * {@link SymbolLookup#libraryLookup}, and LWJGL is configured with the files that opened.
 */
final class CudaRuntime {

    /** The outcome of initialisation. {@code reason} is null when CUDA is usable. */
    record Status(String reason, String libcuda, String nvrtc, int driverVersion, int nvrtcVersion, int devices) {}

    private static Status status;

    private CudaRuntime() {}

    /** Initialises on first call (thread-safe) and returns the outcome. */
    static synchronized Status status() {
        if (status == null) {
            try {
                status = init(CudaLibraries.system());
            } catch (Throwable t) { // a broken driver install must not take the JVM's other backends down
                status = new Status("CUDA initialisation failed: " + t, null, null, 0, 0, 0);
            }
        }
        return status;
    }

    private static Status init(CudaLibraries libs) {
        String libcuda = libs.libcuda();
        String err = tryOpen(libcuda);
        if (err != null) return new Status(libcuda + " not found (" + libs.libcudaHint() + ")", libcuda, null, 0, 0, 0);
        String nvrtc = libs.nvrtc();
        if (nvrtc == null) return new Status("libnvrtc not found (" + libs.nvrtcHint() + ")", libcuda, null, 0, 0, 0);
        err = tryOpen(nvrtc);
        if (err != null) return new Status(nvrtc + " cannot be opened: " + err + " (" + libs.nvrtcHint() + ")", libcuda, nvrtc, 0, 0, 0);
        String builtins = libs.builtinsFor(nvrtc);

        if (System.getProperty(CudaLibraries.LWJGL_LIBCUDA) == null) Configuration.CUDA_LIBRARY_NAME.set(libcuda);
        if (System.getProperty(CudaLibraries.LWJGL_NVRTC) == null) Configuration.CUDA_NVRTC_LIBRARY_NAME.set(nvrtc);
        if (builtins != null && System.getProperty(CudaLibraries.LWJGL_BUILTINS) == null) {
            Configuration.CUDA_NVRTC_BUILTINS_LIBRARY_NAME.set(builtins);
        }

        int driver, count, nvrtcVersion;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, 2);
            int st = CU.cuInit(0);
            if (st != CU.CUDA_SUCCESS) return new Status("cuInit failed: " + errorName(st) + " (" + errorString(st) + ")", libcuda, nvrtc, 0, 0, 0);
            check(CU.ncuDriverGetVersion(out.address()), "cuDriverGetVersion");
            driver = out.get(ValueLayout.JAVA_INT, 0);
            check(CU.ncuDeviceGetCount(out.address()), "cuDeviceGetCount");
            count = out.get(ValueLayout.JAVA_INT, 0);
            if (count == 0) return new Status("the CUDA driver sees no device", libcuda, nvrtc, driver, 0, 0);
            try {
                int st2 = NVRTC.nnvrtcVersion(out.address(), out.address() + 4);
                if (st2 != NVRTC.NVRTC_SUCCESS) return new Status("nvrtcVersion failed: " + NVRTC.nvrtcGetErrorString(st2), libcuda, nvrtc, driver, 0, count);
                nvrtcVersion = out.get(ValueLayout.JAVA_INT, 0) * 1000 + out.get(ValueLayout.JAVA_INT, 4) * 10;
            } catch (Throwable t) {
                return new Status("NVRTC (" + nvrtc + (builtins != null ? ", " + builtins : ", no libnvrtc-builtins found next to it")
                    + ") could not be loaded: " + t.getMessage() + " (" + libs.nvrtcHint() + ")", libcuda, nvrtc, driver, 0, count);
            }
        }
        return new Status(null, libcuda, nvrtc, driver, nvrtcVersion, count);
    }

    /** Null if the library opens, else the loader's message. Opens and closes it again. */
    static String tryOpen(String lib) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(lib, arena);
            return null;
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return e.getMessage();
        }
    }

    /** e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    static String errorName(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
            if (CU.ncuGetErrorName(status, p.address()) != CU.CUDA_SUCCESS) return "CUDA error " + status;
            return MemoryUtil.memUTF8(p.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /** The driver's description of a status, e.g. "out of memory". */
    static String errorString(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
            if (CU.ncuGetErrorString(status, p.address()) != CU.CUDA_SUCCESS) return "unknown error";
            return MemoryUtil.memUTF8(p.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is CUDA_SUCCESS. */
    static void check(int status, String call) {
        if (status != CU.CUDA_SUCCESS) {
            String name = errorName(status);
            throw new CudaException("[cuda] " + call + ": " + name + " (" + errorString(status) + ")", name);
        }
    }
}
