package dev.mm1j.core.backend;

/**
 * The operations of the backend SPI, for {@link Backend#supportsOp} and the conformance coverage table.
 * Each constant names the operand whose dtype {@code supportsOp} is asked about.
 */
public enum Op {
    /** {@link Backend#matmul}: dtype of the weight {@code w}. */
    MATMUL,
    /** {@link Backend#copy}: dtype of the source (the destination is F32, F16, BF16 or I32). */
    COPY,
    /** {@link Backend#fill}: dtype of the output. */
    FILL,
    /** {@link Backend#add}: F32. */
    ADD,
    /** {@link Backend#mul}: F32. */
    MUL,
    /** {@link Backend#scale}: F32. */
    SCALE,
    /** {@link Backend#unary} with {@link UnaryOp#SILU}: F32. */
    SILU,
    /** {@link Backend#unary} with {@link UnaryOp#GELU}: F32. */
    GELU,
    /** {@link Backend#unary} with {@link UnaryOp#QUICK_GELU}: F32. */
    QUICK_GELU,
    /** {@link Backend#unary} with {@link UnaryOp#SIGMOID}: F32. */
    SIGMOID,
    /** {@link Backend#softmax}: F32. */
    SOFTMAX,
    /** {@link Backend#layerNorm}: F32. */
    LAYER_NORM,
    /** {@link Backend#rmsNorm}: F32. */
    RMS_NORM,
    /** {@link Backend#rope}: F32. */
    ROPE,
    /** {@link Backend#mean}: F32. */
    MEAN,
    /** {@link Backend#attention} (fused; has a default): dtype of the keys and values (the KV cache). */
    ATTENTION,
    /** {@link Backend#conv2d}: dtype of the weight. */
    CONV2D,
    /** {@link Backend#adaptiveAvgPool2d}: F32. */
    ADAPTIVE_AVG_POOL2D,
    /** {@link Backend#resizeBicubic}: F32. */
    RESIZE_BICUBIC,
    /** {@link Backend#getRows}: dtype of the table. */
    GET_ROWS,
    /** {@link Backend#topK}: F32. */
    TOP_K,
    /** {@link Backend#indexAdd}: F32. */
    INDEX_ADD,
    /** {@link Backend#setRows} (has a default): dtype of the output (the KV cache: F32, F16 or BF16). */
    SET_ROWS;

    /** The op a unary function is listed under. */
    public static Op of(UnaryOp u) {
        return switch (u) {
            case SILU -> SILU;
            case GELU -> GELU;
            case QUICK_GELU -> QUICK_GELU;
            case SIGMOID -> SIGMOID;
        };
    }
}
