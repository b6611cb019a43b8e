package dev.mm1j.core;

import dev.mm1j.core.backend.Backend;
import java.lang.foreign.MemorySegment;

/**
 * The bytes behind one or more tensors. Host storage exposes a {@link MemorySegment} (allocated off-heap or
 * memory-mapped from a file); device storage (e.g. CUDA) is opaque and reached through its backend.
 */
public abstract class Storage implements AutoCloseable {
    private final long byteSize;

    protected Storage(long byteSize) {
        this.byteSize = byteSize;
    }

    public final long byteSize() {
        return byteSize;
    }

    /** True when {@link #segment()} gives the bytes (host memory). */
    public abstract boolean isHost();

    /** The host bytes; throws for device storage. */
    public abstract MemorySegment segment();

    /** The backend that allocated this storage, or null for plain host memory usable by every host backend. */
    public abstract Backend owner();

    /** Frees the memory if this storage owns it (memory-mapped and wrapped storage is freed by its owner). */
    @Override
    public abstract void close();
}
