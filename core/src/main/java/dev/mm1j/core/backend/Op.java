package dev.mm1j.core.backend;

/**
 * The operations of the backend SPI, for {@link Backend#supportsOp} and the conformance coverage table.
 * Each constant names the operand whose dtype {@code supportsOp} is asked about, and its {@link Family}.
 */
public enum Op {
    /** {@link Backend#matmul}: dtype of the weight {@code w}. */
    MATMUL(Family.PRODUCTS),
    /** {@link Backend#copy}: dtype of the source (the destination is F32, F16, BF16 or I32). */
    COPY(Family.ELEMENTWISE),
    /** {@link Backend#fill}: dtype of the output. */
    FILL(Family.ELEMENTWISE),
    /** {@link Backend#add}: F32. */
    ADD(Family.ELEMENTWISE),
    /** {@link Backend#mul}: F32. */
    MUL(Family.ELEMENTWISE),
    /** {@link Backend#scale}: F32. */
    SCALE(Family.ELEMENTWISE),
    /** {@link Backend#unary} with {@link UnaryOp#SILU}: F32. */
    SILU(Family.ELEMENTWISE),
    /** {@link Backend#unary} with {@link UnaryOp#GELU}: F32. */
    GELU(Family.ELEMENTWISE),
    /** {@link Backend#unary} with {@link UnaryOp#QUICK_GELU}: F32. */
    QUICK_GELU(Family.ELEMENTWISE),
    /** {@link Backend#unary} with {@link UnaryOp#SIGMOID}: F32. */
    SIGMOID(Family.ELEMENTWISE),
    /** {@link Backend#softmax}: F32. */
    SOFTMAX(Family.ROWS),
    /** {@link Backend#layerNorm}: F32. */
    LAYER_NORM(Family.ROWS),
    /** {@link Backend#rmsNorm}: F32. */
    RMS_NORM(Family.ROWS),
    /** {@link Backend#rope}: F32. */
    ROPE(Family.ROWS),
    /** {@link Backend#mean}: F32. */
    MEAN(Family.ROWS),
    /** {@link Backend#attention} (fused; has a default): dtype of the keys and values (the KV cache). */
    ATTENTION(Family.ATTENTION),
    /** {@link Backend#conv2d}: dtype of the weight. */
    CONV2D(Family.SPATIAL),
    /** {@link Backend#adaptiveAvgPool2d}: F32. */
    ADAPTIVE_AVG_POOL2D(Family.SPATIAL),
    /** {@link Backend#resizeBicubic}: F32. */
    RESIZE_BICUBIC(Family.SPATIAL),
    /** {@link Backend#getRows}: dtype of the table. */
    GET_ROWS(Family.INDEXING),
    /** {@link Backend#topK}: F32. */
    TOP_K(Family.INDEXING),
    /** {@link Backend#indexAdd}: F32. */
    INDEX_ADD(Family.INDEXING),
    /** {@link Backend#setRows} (has a default): dtype of the output (the KV cache: F32, F16 or BF16). */
    SET_ROWS(Family.INDEXING);

    /**
     * The op families: every backend, the reference, the CUDA kernels and the conformance kit's cases are organised
     * by them, under the same name (docs/ARCHITECTURE.md, "The op families"), so one op is one lookup.
     */
    public enum Family {
        /** matmul (and the fused linear): weights times activations, every weight dtype. */
        PRODUCTS,
        /** copy, fill, add, mul, scale, the activation functions (and the fused swiglu). */
        ELEMENTWISE,
        /** ops along the last dim of each row: softmax, layer_norm, rms_norm, mean, rope. */
        ROWS,
        /** attention (fused): scores, softmax and the weighted sum over a KV cache. */
        ATTENTION,
        /** images in channels-last layout: conv2d, adaptive_avg_pool2d, resize_bicubic. */
        SPATIAL,
        /** rows picked by id: get_rows, set_rows, top_k, index_add. */
        INDEXING
    }

    private final Family family;

    Op(Family family) {
        this.family = family;
    }

    /** The family this op belongs to. */
    public Family family() {
        return family;
    }

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
