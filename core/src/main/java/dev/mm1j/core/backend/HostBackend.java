package dev.mm1j.core.backend;

import dev.mm1j.core.DType;
import dev.mm1j.core.HostStorage;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * What every backend that computes in host memory shares: off-heap allocation (64-byte aligned, zeroed), copies in
 * and out as plain memory copies, and the dtypes the host kernels cover. A host backend extends this and implements
 * the ops ({@link dev.mm1j.core.backend.reference.ReferenceBackend}, the CPU backend's {@code SimdBackend}).
 */
public abstract class HostBackend implements Backend {

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        return Tensor.contiguous(HostStorage.allocate(dtype.byteSize(Tensor.numel(shape)), this), dtype, shape, true);
    }

    @Override
    public final boolean isHost() {
        return true;
    }

    @Override
    public void copyIn(Tensor dst, MemorySegment src) {
        MemorySegment.copy(src, 0, dst.segment(), dst.byteOffset(), dst.byteSize());
    }

    @Override
    public void copyOut(Tensor src, MemorySegment dst) {
        MemorySegment.copy(src.segment(), src.byteOffset(), dst, 0, src.byteSize());
    }

    /**
     * Every op on F32; matmul, get_rows and conv2d weights of every computable dtype but I32; copies of every
     * computable dtype; fills of the unquantized ones; attention and set_rows (KV caches) of F32, F16 and BF16.
     */
    @Override
    public boolean supportsOp(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, GET_ROWS, CONV2D -> dtype.isComputable() && dtype != DType.I32;
            case COPY -> dtype.isComputable();
            case FILL -> dtype.isComputable() && !dtype.isQuantized();
            case ATTENTION, SET_ROWS -> dtype.isFloat();
            default -> dtype == DType.F32;
        };
    }
}
