package dev.mm1j.cuda;

import java.lang.foreign.MemorySegment;

/**
 * What the backend needs from a GPU: memory, copies, kernels, launches. {@link CudaDevice} implements it
 * with the CUDA driver API; tests implement it on the host to check the backend's launches without a GPU.
 * Device pointers are plain {@code long}s. Work is ordered on one stream; copies to the host wait for it.
 */
interface Device extends AutoCloseable {

    /** One line: name, compute capability, memory, driver and NVRTC versions. */
    String description();

    /** Streaming multiprocessors (for sizing grids). */
    int multiprocessors();

    /** Most dynamic shared memory one block may use after opting in, in bytes. */
    int maxSharedMemoryPerBlock();

    /** Zeroed device memory of at least {@code bytes} (1 if 0). */
    long allocate(long bytes);

    void free(long pointer);

    void copyToDevice(long dst, MemorySegment src, long bytes);

    void copyToHost(MemorySegment dst, long src, long bytes);

    void copyOnDevice(long dst, long src, long bytes);

    void zero(long pointer, long bytes);

    /** The function handle of {@code k}, compiling and loading its family on first use. */
    long function(Kernel k);

    /** Lets {@code function} use up to {@code bytes} of dynamic shared memory (above the 48 KiB default). */
    void allowSharedMemory(long function, int bytes);

    /** Queues {@code args.kernel()} on the device's stream. */
    void launch(long function, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, LaunchArgs args);

    /** Waits for everything queued; throws if a kernel failed. */
    void synchronize();

    @Override
    void close();
}
