package dev.mm1j.cpu;

import dev.mm1j.core.Storage;
import dev.mm1j.core.backend.Backend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * The storage of a matmul weight repacked by the CPU backend ({@link CpuBackend#prepareWeight}) into
 * row-interleaved panels: only that backend's matmul reads it. It reports itself as not host memory, so every
 * other kernel (and every other backend) refuses it with an error instead of misreading the bytes; the tensor
 * it was prepared from keeps the standard layout for anything else (e.g. a tied embedding's gathers).
 *
 * <p>The memory is freed by {@link #close()} or, failing that, when the storage becomes unreachable.
 */
public final class PackedWeight extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment bytes;
    private final Arena arena;
    private final Cleaner.Cleanable cleanable;
    private final Backend owner;
    /** The layout: "Q4_0" or "Q8_0" panels of {@link #panelRows} rows, written by kernels of {@link #bits}-bit vectors. */
    private final String format;
    private final int bits, panelRows, rows, cols;

    /** Allocates {@code byteSize} bytes (64-byte aligned, contents to be written by the packer). */
    public PackedWeight(long byteSize, Backend owner, String format, int bits, int panelRows, int rows, int cols) {
        super(byteSize);
        this.arena = Arena.ofShared();
        this.bytes = arena.allocate(Math.max(1, byteSize), 64).asSlice(0, byteSize);
        Arena a = arena;
        this.cleanable = CLEANER.register(this, () -> {
            if (a.scope().isAlive()) a.close();
        });
        this.owner = owner;
        this.format = format;
        this.bits = bits;
        this.panelRows = panelRows;
        this.rows = rows;
        this.cols = cols;
    }

    /** The packed bytes (for the CPU backend's kernels). */
    public MemorySegment bytes() {
        return bytes;
    }

    public String format() {
        return format;
    }

    /** Vector width, in bits, of the kernels that wrote (and may read) the panels. */
    public int bits() {
        return bits;
    }

    public int panelRows() {
        return panelRows;
    }

    /** N: rows of the weight matrix. */
    public int rows() {
        return rows;
    }

    /** K: columns (the inner dimension). */
    public int cols() {
        return cols;
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public MemorySegment segment() {
        throw new UnsupportedOperationException("[cpu] a weight packed into " + format + " panels for matmul (" + rows + " x " + cols
            + ") is only readable by the CPU backend's matmul; use the tensor it was prepared from");
    }

    @Override
    public Backend owner() {
        return owner;
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "PackedWeight[" + format + " panels of " + panelRows + " rows, " + rows + " x " + cols + ", " + bits + "-bit kernels]";
    }
}
