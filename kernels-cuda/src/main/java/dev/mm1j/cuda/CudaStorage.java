package dev.mm1j.cuda;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Storage;
import dev.mm1j.core.backend.Backend;
import java.lang.foreign.MemorySegment;

/** Device memory: a {@code CUdeviceptr} and its size. Freed (or returned to the backend's scratch pool) on close. */
final class CudaStorage extends Storage {
    private final CudaBackend owner;
    private final long pointer;
    private final long capacity; // the pool's size class for pooled storage
    private final boolean pooled;
    private boolean closed;

    CudaStorage(CudaBackend owner, long pointer, long byteSize, long capacity, boolean pooled) {
        super(byteSize);
        this.owner = owner;
        this.pointer = pointer;
        this.capacity = capacity;
        this.pooled = pooled;
    }

    /** The device address of byte 0. */
    long pointer() {
        if (closed) throw new Mm1jException("[cuda] use of freed device memory (" + byteSize() + " bytes)");
        return pointer;
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public MemorySegment segment() {
        throw new Mm1jException("[cuda] this tensor lives in GPU memory; copy it to the host with the backend's copyOut first");
    }

    @Override
    public Backend owner() {
        return owner;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (pooled) owner.scratch().release(pointer, capacity);
        else owner.device().free(pointer);
    }
}
