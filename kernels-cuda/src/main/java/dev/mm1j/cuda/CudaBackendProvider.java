package dev.mm1j.cuda;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;

/**
 * Registers the {@link CudaBackend}. Priority 50: below the CPU backend (100), so {@code auto} keeps
 * choosing the CPU until the CUDA backend has been proven on hardware; select it with {@code --backend cuda}.
 *
 * <p>Options ({@link BackendOptions#properties()}): {@code cuda.device} (ordinal, default 0, also
 * {@code -Dmm1j.cuda.device}); {@code cuda.gemm} = {@code accurate} (default: F32 activations enter the
 * tensor cores as hi + lo halves) or {@code fast} (one rounded half). Library discovery: see
 * {@link CudaLibraries}.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return CudaBackend.NAME;
    }

    @Override
    public int priority() {
        return 50;
    }

    /** Never throws: a missing driver, NVRTC or device is a reason, not an error. */
    @Override
    public String unavailableReason() {
        try {
            return CudaRuntime.status().reason();
        } catch (Throwable t) {
            return "CUDA could not be initialised: " + t;
        }
    }

    @Override
    public Backend create(BackendOptions options) {
        CudaRuntime.Status st = CudaRuntime.status();
        if (st.reason() != null) throw new Mm1jException("backend 'cuda' is not available: " + st.reason());
        String dev = options.property("cuda.device", System.getProperty("mm1j.cuda.device", "0"));
        String gemm = options.property("cuda.gemm", "accurate");
        if (!gemm.equals("accurate") && !gemm.equals("fast")) throw new Mm1jException("cuda.gemm must be 'accurate' or 'fast', got '" + gemm + "'");
        int ordinal;
        try {
            ordinal = Integer.parseInt(dev.trim());
        } catch (NumberFormatException e) {
            throw new Mm1jException("cuda.device must be a device number, got '" + dev + "'");
        }
        return new CudaBackend(new CudaDevice(ordinal, st), gemm.equals("accurate"));
    }
}
