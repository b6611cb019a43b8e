package dev.mm1j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Packs one launch's parameters the way {@code cuLaunchKernel} wants them: each value at its natural
 * alignment in a native block, plus an array of pointers to them ({@code void** kernelParams}). The
 * buffers are allocated once per thread and reused, so launching allocates nothing. Every value is
 * checked against the kernel's declared {@link Kernel.Param} list.
 */
final class LaunchArgs {
    private static final int VALUE_BYTES = 4096;
    private static final int MAX_PARAMS = 64;
    private static final ThreadLocal<LaunchArgs> PER_THREAD = ThreadLocal.withInitial(LaunchArgs::new);

    private final MemorySegment values;
    private final MemorySegment pointers;
    private Kernel kernel;
    private int count;
    private long used;

    LaunchArgs() {
        Arena arena = Arena.ofAuto();
        values = arena.allocate(VALUE_BYTES, 16);
        pointers = arena.allocate(MAX_PARAMS * 8L, 8);
    }

    /** This thread's argument block, reset for {@code k}. */
    static LaunchArgs begin(Kernel k) {
        LaunchArgs a = PER_THREAD.get();
        a.kernel = k;
        a.count = 0;
        a.used = 0;
        return a;
    }

    Kernel kernel() {
        return kernel;
    }

    int count() {
        return count;
    }

    /** Address of the {@code void*[]} array, valid until the next {@link #begin} on this thread. */
    long address() {
        if (count != kernel.params().size()) {
            throw new IllegalStateException(kernel + " takes " + kernel.params().size() + " parameters, " + count + " given");
        }
        return pointers.address();
    }

    /** The bytes of parameter {@code i} (for tests). */
    MemorySegment value(int i) {
        long at = pointers.getAtIndex(ValueLayout.JAVA_LONG, i) - values.address();
        return values.asSlice(at, kernel.params().get(i).size);
    }

    private long slot(Kernel.Param p) {
        if (count >= kernel.params().size() || kernel.params().get(count) != p) {
            throw new IllegalStateException(kernel + " parameter " + count + ": expected "
                + (count < kernel.params().size() ? kernel.params().get(count) : "nothing") + ", got " + p);
        }
        long at = (used + p.align - 1) / p.align * p.align;
        used = at + p.size;
        pointers.setAtIndex(ValueLayout.JAVA_LONG, count++, values.address() + at);
        return at;
    }

    LaunchArgs ptr(long devicePointer) {
        values.set(ValueLayout.JAVA_LONG, slot(Kernel.Param.PTR), devicePointer);
        return this;
    }

    LaunchArgs i32(int v) {
        values.set(ValueLayout.JAVA_INT, slot(Kernel.Param.I32), v);
        return this;
    }

    LaunchArgs i32(long v) {
        return i32(Math.toIntExact(v));
    }

    LaunchArgs i64(long v) {
        values.set(ValueLayout.JAVA_LONG, slot(Kernel.Param.I64), v);
        return this;
    }

    LaunchArgs f32(float v) {
        values.set(ValueLayout.JAVA_FLOAT, slot(Kernel.Param.F32), v);
        return this;
    }

    /** A {@code Dims} struct: the first {@code rank} entries of {@code v}, the rest zero. */
    LaunchArgs dims(long[] v, int rank) {
        long at = slot(Kernel.Param.DIMS);
        for (int i = 0; i < StridedLayout.MAX_RANK; i++) values.set(ValueLayout.JAVA_LONG, at + 8L * i, i < rank ? v[i] : 0L);
        return this;
    }
}
