package dev.mm1j.core.format.gguf;

import dev.mm1j.core.DType;
import dev.mm1j.core.quant.GgmlQuant;
import java.lang.foreign.MemorySegment;

/**
 * GGUF tensor types (ggml's {@code ggml_type}), with their block sizes so that every tensor of a file can be
 * validated, including types mm1j cannot read. Three kinds:
 * <ul>
 *   <li>direct: the bytes are an engine {@link DType} (F32, F16, BF16, Q8_0, Q4_0, and the integer/F64
 *       storage types) and are used in place, memory-mapped;</li>
 *   <li>dequantized on load: Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q8_K (exact reference dequantizers in
 *       {@link GgmlQuant});</li>
 *   <li>unsupported: listed by name in the error when such a tensor is used.</li>
 * </ul>
 */
public enum GgmlType {
    F32(0, 1, 4, DType.F32),
    F16(1, 1, 2, DType.F16),
    Q4_0(2, 32, 18, DType.Q4_0),
    Q4_1(3, 32, 20, null),
    Q5_0(6, 32, 22, null),
    Q5_1(7, 32, 24, null),
    Q8_0(8, 32, 34, DType.Q8_0),
    Q8_1(9, 32, 36, null),
    Q2_K(10, 256, 84, null),
    Q3_K(11, 256, 110, null),
    Q4_K(12, 256, 144, null),
    Q5_K(13, 256, 176, null),
    Q6_K(14, 256, 210, null),
    Q8_K(15, 256, 292, null),
    IQ2_XXS(16, 256, 66, null),
    IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null),
    IQ1_S(19, 256, 50, null),
    IQ4_NL(20, 32, 18, null),
    IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null),
    IQ4_XS(23, 256, 136, null),
    I8(24, 1, 1, DType.I8),
    I16(25, 1, 2, DType.I16),
    I32(26, 1, 4, DType.I32),
    I64(27, 1, 8, DType.I64),
    F64(28, 1, 8, DType.F64),
    IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, DType.BF16),
    TQ1_0(34, 256, 54, null),
    TQ2_0(35, 256, 66, null),
    MXFP4(39, 32, 17, null);

    /** Decodes {@code n} values at byte {@code off} into {@code dst[pos..]}. */
    @FunctionalInterface
    interface Dequantizer {
        void dequantize(MemorySegment src, long off, float[] dst, int pos, int n);
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final DType dtype;

    GgmlType(int id, int blockSize, int blockBytes, DType dtype) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dtype = dtype;
    }

    /** The type with ggml id {@code id}, or null. */
    public static GgmlType byId(long id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    public int id() {
        return id;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** The engine dtype with the same bytes, or null when the type is dequantized or unsupported. */
    public DType dtype() {
        return dtype;
    }

    /** Whether mm1j reads this type (directly or by dequantizing it). */
    public boolean isReadable() {
        return dtype != null || dequantizer() != null;
    }

    /** The reference dequantizer for types read by dequantizing, else null. */
    Dequantizer dequantizer() {
        return switch (this) {
            case Q4_1 -> GgmlQuant::dequantizeQ4_1;
            case Q5_0 -> GgmlQuant::dequantizeQ5_0;
            case Q5_1 -> GgmlQuant::dequantizeQ5_1;
            case Q4_K -> GgmlQuant::dequantizeQ4_K;
            case Q5_K -> GgmlQuant::dequantizeQ5_K;
            case Q6_K -> GgmlQuant::dequantizeQ6_K;
            case Q8_K -> GgmlQuant::dequantizeQ8_K;
            default -> null;
        };
    }

    /** The names of every readable type, for messages. */
    public static String readableNames() {
        StringBuilder sb = new StringBuilder();
        for (GgmlType t : values()) {
            if (!t.isReadable()) continue;
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(t.name());
        }
        return sb.toString();
    }
}
