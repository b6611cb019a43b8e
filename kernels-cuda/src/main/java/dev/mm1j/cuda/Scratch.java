package dev.mm1j.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A pool of device buffers for temporaries (contiguous copies of strided operands, attention partials),
 * in power-of-two size classes, so ops that need scratch space do not call cuMemAlloc/cuMemFree (which
 * synchronise) each time. Buffers are reused in stream order, which keeps reuse safe; they are freed
 * when the backend closes.
 */
final class Scratch {
    private final Device device;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long held;

    Scratch(Device device) {
        this.device = device;
    }

    /** The size class of a request: a power of two, at least 256 bytes. */
    static long sizeClass(long bytes) {
        long c = 256;
        while (c < bytes) c <<= 1;
        return c;
    }

    /** A buffer of {@code sizeClass(bytes)} bytes (contents undefined). */
    synchronized long take(long bytes) {
        long c = sizeClass(bytes);
        ArrayDeque<Long> q = free.get(c);
        if (q != null && !q.isEmpty()) return q.pop();
        held += c;
        return device.allocate(c);
    }

    synchronized void release(long pointer, long sizeClass) {
        free.computeIfAbsent(sizeClass, k -> new ArrayDeque<>()).push(pointer);
    }

    /** Bytes allocated by the pool so far. */
    synchronized long held() {
        return held;
    }

    synchronized void close() {
        for (ArrayDeque<Long> q : free.values()) for (long p : q) device.free(p);
        free.clear();
    }
}
