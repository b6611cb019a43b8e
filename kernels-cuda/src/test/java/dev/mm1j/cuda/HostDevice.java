package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Device} made of host memory, for checking the backend's Java side without a GPU: "device
 * pointers" are native addresses, copies really copy, kernels do not run. Every launch is recorded and
 * checked: grid and block within CUDA's limits, shared memory within the device's, the argument list
 * complete, and every pointer argument 0 or inside a live allocation. The
 * raw argument values are kept for tests to inspect.
 */
final class HostDevice implements Device {
    /** One recorded launch: the kernel, its grid and block, and the pointer arguments. */
    record Launch(Kernel kernel, int gx, int gy, int gz, int bx, int shared, List<Long> raw) {}

    private final Arena arena = Arena.ofShared();
    private final TreeMap<Long, Long> live = new TreeMap<>(); // address -> size
    private final Map<Kernel, Long> functions = new IdentityHashMap<>();
    private final Map<Long, Kernel> byHandle = new TreeMap<>();
    final List<Launch> launches = new ArrayList<>();
    int allowedShared = 48 * 1024;

    @Override
    public String description() {
        return "host memory (kernels do not run)";
    }

    @Override
    public int multiprocessors() {
        return 132;
    }

    @Override
    public int maxSharedMemoryPerBlock() {
        return 227 * 1024;
    }

    @Override
    public long allocate(long bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes), 256);
        live.put(s.address(), Math.max(1, bytes));
        return s.address();
    }

    @Override
    public void free(long pointer) {
        assertTrue(live.remove(pointer) != null, "free of an address that is not allocated (or freed twice)");
    }

    private MemorySegment at(long pointer, long bytes) {
        Map.Entry<Long, Long> e = live.floorEntry(pointer);
        assertTrue(e != null && pointer + bytes <= e.getKey() + e.getValue(), "access of " + bytes + " bytes at " + pointer + " outside every allocation");
        return MemorySegment.ofAddress(pointer).reinterpret(bytes);
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
        return functions.computeIfAbsent(k, kk -> {
            long h = 0x1000L + functions.size();
            byHandle.put(h, kk);
            return h;
        });
    }

    @Override
    public void allowSharedMemory(long function, int bytes) {
        assertTrue(bytes <= maxSharedMemoryPerBlock());
        allowedShared = Math.max(allowedShared, bytes);
    }

    @Override
    public void launch(long function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, LaunchArgs args) {
        Kernel k = byHandle.get(function);
        assertEquals(args.kernel(), k, "the function handle belongs to another kernel");
        args.address(); // throws unless every parameter was given
        String what = k + " grid " + gx + "x" + gy + "x" + gz + " block " + bx;
        assertTrue(gx >= 1 && gy >= 1 && gz >= 1 && gy <= 65535 && gz <= 65535, what);
        assertTrue(bx >= 32 && bx <= 1024 && bx % 32 == 0 && by == 1 && bz == 1, what);
        assertTrue(sharedBytes <= allowedShared, what + ": " + sharedBytes + " bytes of shared memory without opting in");
        List<Long> raw = new ArrayList<>();
        for (int i = 0; i < k.params().size(); i++) {
            Kernel.Param kind = k.params().get(i);
            raw.add(kind.size == 4 ? args.value(i).get(ValueLayout.JAVA_INT, 0) : args.value(i).get(ValueLayout.JAVA_LONG, 0));
            if (kind != Kernel.Param.PTR) continue;
            long p = raw.getLast();
            if (p == 0) continue;
            Map.Entry<Long, Long> e = live.floorEntry(p);
            assertTrue(e != null && p < e.getKey() + e.getValue(), what + ": pointer parameter " + i + " is outside every live allocation");
        }
        launches.add(new Launch(k, gx, gy, gz, bx, sharedBytes, raw));
    }

    @Override
    public void synchronize() {}

    int liveAllocations() {
        return live.size();
    }

    @Override
    public void close() {
        arena.close();
    }
}
