package dev.mm1j.cuda;

import dev.mm1j.core.Mm1jException;

/**
 * A CUDA driver or NVRTC call failed. The message names the call, the status (e.g.
 * {@code CUDA_ERROR_OUT_OF_MEMORY}) and its description; NVRTC compile errors carry the compile log.
 */
public class CudaException extends Mm1jException {
    private final String status;

    public CudaException(String message, String status) {
        super(message);
        this.status = status;
    }

    /** The status name, e.g. {@code CUDA_ERROR_ILLEGAL_ADDRESS} or {@code NVRTC_ERROR_COMPILATION}. */
    public String status() {
        return status;
    }
}
