package dev.mm1j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.lwjgl.cuda.CU;

/**
 * A GPU through the CUDA driver API (LWJGL): the device's primary context, the legacy default stream,
 * modules compiled by NVRTC on first use. Every entry point makes the context current on the calling
 * thread first (once per thread).
 */
final class CudaDevice implements Device {
    private final int ordinal;
    private final int device;
    private final long context;
    private final int cc;
    private final int sms;
    private final int maxShared;
    private final String description;
    private final Map<String, Long> modules = new HashMap<>();
    private final Map<Kernel, Long> functions = new IdentityHashMap<>();
    private final ThreadLocal<Boolean> bound = new ThreadLocal<>();
    private final MemorySegment out; // out-parameter scratch, guarded by this
    private boolean closed;

    CudaDevice(int ordinal, CudaRuntime.Status status) {
        this.ordinal = ordinal;
        if (ordinal < 0 || ordinal >= status.devices()) {
            throw new CudaException("[cuda] device " + ordinal + " does not exist (" + status.devices() + " found)", "CUDA_ERROR_INVALID_DEVICE");
        }
        out = Arena.ofAuto().allocate(256, 8);
        CudaRuntime.check(CU.ncuDeviceGet(out.address(), ordinal), "cuDeviceGet(" + ordinal + ")");
        device = out.get(ValueLayout.JAVA_INT, 0);
        CudaRuntime.check(CU.ncuDevicePrimaryCtxRetain(out.address(), device), "cuDevicePrimaryCtxRetain");
        context = out.get(ValueLayout.JAVA_LONG, 0);
        bind();
        int major = attribute(CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = attribute(CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        cc = major * 10 + minor;
        sms = attribute(CU.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        maxShared = attribute(CU.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        CudaRuntime.check(CU.ncuDeviceGetName(out.address(), 255, device), "cuDeviceGetName");
        String name = out.getString(0);
        CudaRuntime.check(CU.ncuDeviceTotalMem(out.address(), device), "cuDeviceTotalMem");
        long total = out.get(ValueLayout.JAVA_LONG, 0);
        description = String.format("%s (sm_%d, %d SMs, %.1f GiB), driver %d.%d, NVRTC %d.%d", name, cc, sms,
            total / (double) (1L << 30), status.driverVersion() / 1000, status.driverVersion() % 1000 / 10,
            status.nvrtcVersion() / 1000, status.nvrtcVersion() % 1000 / 10);
        if (cc < 80) {
            CU.cuDevicePrimaryCtxRelease(device);
            throw new CudaException("[cuda] " + name + " is sm_" + cc + "; the CUDA backend needs sm_80 (Ampere) or newer for its BF16 tensor-core kernels", "CUDA_ERROR_NOT_SUPPORTED");
        }
    }

    private int attribute(int attr) {
        CudaRuntime.check(CU.ncuDeviceGetAttribute(out.address(), attr, device), "cuDeviceGetAttribute(" + attr + ")");
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    /** Makes the primary context current on this thread (the first time the thread calls in). */
    private void bind() {
        if (bound.get() == null) {
            CudaRuntime.check(CU.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            bound.set(Boolean.TRUE);
        }
    }

    @Override
    public String description() {
        return "device " + ordinal + ": " + description;
    }

    @Override
    public int multiprocessors() {
        return sms;
    }

    @Override
    public int maxSharedMemoryPerBlock() {
        return maxShared;
    }

    @Override
    public synchronized long allocate(long bytes) {
        bind();
        long n = Math.max(1, bytes);
        int st = CU.ncuMemAlloc(out.address(), n);
        if (st != CU.CUDA_SUCCESS) {
            String extra = "";
            if (CU.ncuMemGetInfo(out.address() + 8, out.address() + 16) == CU.CUDA_SUCCESS) {
                extra = String.format(", %.2f GiB free of %.2f GiB", out.get(ValueLayout.JAVA_LONG, 8) / (double) (1L << 30),
                    out.get(ValueLayout.JAVA_LONG, 16) / (double) (1L << 30));
            }
            CudaRuntime.check(st, "cuMemAlloc(" + n + " bytes" + extra + ")");
        }
        long p = out.get(ValueLayout.JAVA_LONG, 0);
        CudaRuntime.check(CU.cuMemsetD8(p, (byte) 0, n), "cuMemsetD8");
        return p;
    }

    @Override
    public void free(long pointer) {
        if (closed) return;
        bind();
        CudaRuntime.check(CU.cuMemFree(pointer), "cuMemFree");
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src, long bytes) {
        bind();
        if (bytes == 0) return;
        if (src.isNative()) {
            CudaRuntime.check(CU.ncuMemcpyHtoD(dst, src.address(), bytes), "cuMemcpyHtoD(" + bytes + " bytes)");
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment tmp = a.allocate(bytes, 16);
                MemorySegment.copy(src, 0, tmp, 0, bytes);
                CudaRuntime.check(CU.ncuMemcpyHtoD(dst, tmp.address(), bytes), "cuMemcpyHtoD(" + bytes + " bytes)");
            }
        }
    }

    @Override
    public void copyToHost(MemorySegment dst, long src, long bytes) {
        bind();
        if (bytes == 0) return;
        if (dst.isNative()) {
            CudaRuntime.check(CU.ncuMemcpyDtoH(dst.address(), src, bytes), "cuMemcpyDtoH(" + bytes + " bytes)");
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment tmp = a.allocate(bytes, 16);
                CudaRuntime.check(CU.ncuMemcpyDtoH(tmp.address(), src, bytes), "cuMemcpyDtoH(" + bytes + " bytes)");
                MemorySegment.copy(tmp, 0, dst, 0, bytes);
            }
        }
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        bind();
        if (bytes > 0) CudaRuntime.check(CU.cuMemcpyDtoD(dst, src, bytes), "cuMemcpyDtoD(" + bytes + " bytes)");
    }

    @Override
    public void zero(long pointer, long bytes) {
        bind();
        if (bytes > 0) CudaRuntime.check(CU.cuMemsetD8(pointer, (byte) 0, bytes), "cuMemsetD8");
    }

    @Override
    public synchronized long function(Kernel k) {
        Long f = functions.get(k);
        if (f != null) return f;
        bind();
        Long module = modules.get(k.family());
        if (module == null) {
            Nvrtc.Image image = KernelSources.image(k.family(), cc);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment img = a.allocate(image.bytes().length + 1L, 16); // PTX must end in NUL; a CUBIN does not mind
                MemorySegment.copy(image.bytes(), 0, img, ValueLayout.JAVA_BYTE, 0, image.bytes().length);
                CudaRuntime.check(CU.ncuModuleLoadData(out.address(), img.address()), "cuModuleLoadData(" + k.family() + ".cu, " + image.target() + ")");
            }
            module = out.get(ValueLayout.JAVA_LONG, 0);
            modules.put(k.family(), module);
        }
        try (Arena a = Arena.ofConfined()) {
            CudaRuntime.check(CU.ncuModuleGetFunction(out.address(), module, a.allocateFrom(k.name()).address()), "cuModuleGetFunction(" + k + ")");
        }
        long fn = out.get(ValueLayout.JAVA_LONG, 0);
        functions.put(k, fn);
        return fn;
    }

    @Override
    public void allowSharedMemory(long function, int bytes) {
        bind();
        CudaRuntime.check(CU.cuFuncSetAttribute(function, CU.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes), "cuFuncSetAttribute(max dynamic shared " + bytes + ")");
    }

    @Override
    public void launch(long function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, LaunchArgs args) {
        bind();
        int st = CU.ncuLaunchKernel(function, gx, gy, gz, bx, by, bz, sharedBytes, 0L, args.address(), 0L);
        if (st != CU.CUDA_SUCCESS) {
            CudaRuntime.check(st, "cuLaunchKernel(" + args.kernel() + ", grid " + gx + "x" + gy + "x" + gz + ", block " + bx + "x" + by + "x" + bz + ", shared " + sharedBytes + ")");
        }
    }

    @Override
    public void synchronize() {
        bind();
        CudaRuntime.check(CU.cuCtxSynchronize(), "cuCtxSynchronize (a kernel failed earlier)");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        bind();
        CU.cuCtxSynchronize();
        for (long m : modules.values()) CU.cuModuleUnload(m);
        modules.clear();
        functions.clear();
        CU.cuDevicePrimaryCtxRelease(device);
        closed = true;
    }
}
