package dev.mm1j.core;

import dev.mm1j.core.backend.Backend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Storage in host memory: an off-heap allocation (freed on close) or a wrapped segment such as a file mapping. */
public final class HostStorage extends Storage {
    /** Alignment of every allocation: one cache line, enough for 512-bit vectors. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final Arena arena; // null when the segment is owned elsewhere
    private final Backend owner;

    private HostStorage(MemorySegment segment, Arena arena, Backend owner) {
        super(segment.byteSize());
        this.segment = segment;
        this.arena = arena;
        this.owner = owner;
    }

    /** Allocates zeroed, 64-byte aligned off-heap memory, freed by {@link #close()}. */
    public static HostStorage allocate(long byteSize, Backend owner) {
        if (byteSize < 0) throw new ShapeException("negative allocation size " + byteSize);
        Arena arena = Arena.ofShared();
        try {
            return new HostStorage(arena.allocate(Math.max(byteSize, 1), ALIGNMENT).asSlice(0, byteSize), arena, owner);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            throw new Mm1jException("cannot allocate " + byteSize + " bytes of off-heap memory: " + e.getMessage(), e);
        }
    }

    /** Wraps memory owned elsewhere (e.g. a memory-mapped file); {@link #close()} leaves it alone. */
    public static HostStorage wrap(MemorySegment segment) {
        return new HostStorage(segment, null, null);
    }

    @Override
    public boolean isHost() {
        return true;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public Backend owner() {
        return owner;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }
}
