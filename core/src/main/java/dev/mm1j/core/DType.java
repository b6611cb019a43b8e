package dev.mm1j.core;

/**
 * Element types. Block-quantized types store {@link #blockSize()} elements in {@link #blockBytes()}
 * bytes with exactly GGUF's layouts, so GGUF tensors map without conversion:
 * <ul>
 *   <li>{@link #Q8_0}: per 32 elements, an F16 scale {@code d} then 32 signed bytes {@code q}; x = d·q.</li>
 *   <li>{@link #Q4_0}: per 32 elements, an F16 scale {@code d} then 16 bytes; byte j holds element j in its
 *       low nibble and element j+16 in its high nibble; x = d·(q − 8).</li>
 * </ul>
 * Types marked storage-only can be read from checkpoints and copied to F32 but are not computed on.
 */
public enum DType {
    F32(4, 1, true),
    F16(2, 1, true),
    BF16(2, 1, true),
    I32(4, 1, true),
    Q8_0(34, 32, true),
    Q4_0(18, 32, true),
    // storage-only types (safetensors can hold them)
    F64(8, 1, false),
    I64(8, 1, false),
    I16(2, 1, false),
    I8(1, 1, false),
    U8(1, 1, false),
    BOOL(1, 1, false);

    private final int blockBytes;
    private final int blockSize;
    private final boolean computable;

    DType(int blockBytes, int blockSize, boolean computable) {
        this.blockBytes = blockBytes;
        this.blockSize = blockSize;
        this.computable = computable;
    }

    /** Bytes of one block (one element for plain types). */
    public int blockBytes() {
        return blockBytes;
    }

    /** Elements per block (1 for plain types, 32 for Q8_0/Q4_0). */
    public int blockSize() {
        return blockSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** F32, F16 or BF16. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Whether the engine computes on this type (others are storage-only). */
    public boolean isComputable() {
        return computable;
    }

    /**
     * Bytes taken by {@code elements} consecutive elements. For quantized types {@code elements}
     * must be a multiple of the block size.
     *
     * @throws ShapeException if it is not, or if the result overflows a long
     */
    public long byteSize(long elements) {
        if (elements < 0) throw new ShapeException("[" + this + "] negative element count " + elements);
        if (elements % blockSize != 0) {
            throw new ShapeException("[" + this + "] " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The dtype with this name (case-insensitive), as used by safetensors ("F32", "BF16", ...), or null. */
    public static DType byName(String name) {
        for (DType t : values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        return null;
    }
}
