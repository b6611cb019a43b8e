package dev.mm1j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lwjgl.cuda.NVRTC;

/**
 * Compiles a kernel family with NVRTC for one device. When NVRTC knows the device's architecture it
 * produces a CUBIN for {@code sm_XY} (no JIT in the driver); otherwise PTX for the newest
 * {@code compute_XY} it supports below the device, which the driver JIT-compiles. Failures throw a
 * {@link CudaException} carrying NVRTC's status and the full compile log.
 */
final class Nvrtc {
    private Nvrtc() {}

    /**
     * Options shared with the nvcc check in the tests ({@code KernelSourcesTest}): C++17, IEEE division and
     * square roots, denormals kept (no --use_fast_math), FMA contraction on (the nvcc default).
     */
    static final List<String> OPTIONS = List.of("-std=c++17", "--fmad=true", "--prec-div=true", "--prec-sqrt=true", "--ftz=false");

    /** A compiled module image and what it was compiled for. */
    record Image(byte[] bytes, String target, boolean cubin) {}

    static Image compile(String family, String source, Map<String, String> headers, int computeCapability) {
        int target = pickArch(computeCapability);
        boolean cubin = target == computeCapability;
        String arch = (cubin ? "--gpu-architecture=sm_" : "--gpu-architecture=compute_") + target;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment prog = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment hdrSrc = arena.allocate(ValueLayout.ADDRESS, Math.max(1, headers.size()));
            MemorySegment hdrNames = arena.allocate(ValueLayout.ADDRESS, Math.max(1, headers.size()));
            int i = 0;
            for (Map.Entry<String, String> h : headers.entrySet()) {
                hdrSrc.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(h.getValue()));
                hdrNames.setAtIndex(ValueLayout.ADDRESS, i++, arena.allocateFrom(h.getKey()));
            }
            check(NVRTC.nnvrtcCreateProgram(prog.address(), arena.allocateFrom(source).address(),
                arena.allocateFrom(family + ".cu").address(), headers.size(), hdrSrc.address(), hdrNames.address()),
                "nvrtcCreateProgram(" + family + ".cu)", null);
            long p = prog.get(ValueLayout.JAVA_LONG, 0);
            try {
                List<String> opts = new ArrayList<>(OPTIONS);
                opts.add(arch);
                MemorySegment optv = arena.allocate(ValueLayout.ADDRESS, opts.size());
                for (int j = 0; j < opts.size(); j++) optv.setAtIndex(ValueLayout.ADDRESS, j, arena.allocateFrom(opts.get(j)));
                int st = NVRTC.nnvrtcCompileProgram(p, opts.size(), optv.address());
                if (st != NVRTC.NVRTC_SUCCESS) check(st, "nvrtcCompileProgram(" + family + ".cu, " + String.join(" ", opts) + ")", log(arena, p));
                MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
                byte[] bytes;
                if (cubin) {
                    check(NVRTC.nnvrtcGetCUBINSize(p, size.address()), "nvrtcGetCUBINSize", null);
                    MemorySegment buf = arena.allocate(size.get(ValueLayout.JAVA_LONG, 0));
                    check(NVRTC.nnvrtcGetCUBIN(p, buf.address()), "nvrtcGetCUBIN", null);
                    bytes = buf.toArray(ValueLayout.JAVA_BYTE);
                } else {
                    check(NVRTC.nnvrtcGetPTXSize(p, size.address()), "nvrtcGetPTXSize", null);
                    MemorySegment buf = arena.allocate(size.get(ValueLayout.JAVA_LONG, 0)); // includes the trailing NUL
                    check(NVRTC.nnvrtcGetPTX(p, buf.address()), "nvrtcGetPTX", null);
                    bytes = buf.toArray(ValueLayout.JAVA_BYTE);
                }
                return new Image(bytes, (cubin ? "sm_" : "compute_") + target, cubin);
            } finally {
                NVRTC.nnvrtcDestroyProgram(prog.address());
            }
        }
    }

    /** The device's arch if NVRTC supports it, else the newest supported one below it. */
    private static int pickArch(int cc) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
            check(NVRTC.nnvrtcGetNumSupportedArchs(n.address()), "nvrtcGetNumSupportedArchs", null);
            int count = n.get(ValueLayout.JAVA_INT, 0);
            MemorySegment archs = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, count));
            check(NVRTC.nnvrtcGetSupportedArchs(archs.address()), "nvrtcGetSupportedArchs", null);
            int best = -1;
            for (int i = 0; i < count; i++) {
                int a = archs.getAtIndex(ValueLayout.JAVA_INT, i);
                if (a == cc) return cc;
                if (a < cc && a > best) best = a;
            }
            if (best < 0) throw new CudaException("[nvrtc] this NVRTC supports no architecture up to sm_" + cc + "; install a NVRTC that supports the device", "NVRTC_ERROR_INVALID_OPTION");
            return best;
        }
    }

    private static String log(Arena arena, long prog) {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        if (NVRTC.nnvrtcGetProgramLogSize(prog, size.address()) != NVRTC.NVRTC_SUCCESS) return "(no log)";
        long n = size.get(ValueLayout.JAVA_LONG, 0);
        if (n <= 1) return "(empty log)";
        MemorySegment buf = arena.allocate(n);
        if (NVRTC.nnvrtcGetProgramLog(prog, buf.address()) != NVRTC.NVRTC_SUCCESS) return "(no log)";
        return buf.getString(0);
    }

    private static void check(int status, String call, String log) {
        if (status == NVRTC.NVRTC_SUCCESS) return;
        String name = NVRTC.nvrtcGetErrorString(status);
        throw new CudaException("[nvrtc] " + call + ": " + name + (log != null ? "\n" + log : ""), name);
    }
}
