package dev.mm1j.cuda;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.tests.kit.BackendConformanceKit;

/**
 * The conformance kit on the CUDA backend with its kernels run by the host emulator ({@link EmulatedDevice}):
 * every op case, the Java dispatch and the kernel code together, without a GPU. Skipped, with the reason, where
 * g++ is missing. What only a GPU can show (NVRTC, the driver, the tensor cores, speed) is left to
 * tools/gpu-check.sh.
 */
class EmulatedCudaConformanceTest extends BackendConformanceKit {
    @Override
    protected Backend create(BackendOptions options) {
        return new CudaBackend(new EmulatedDevice(), !"fast".equals(options.property("cuda.gemm", "accurate")));
    }

    @Override
    protected String name() {
        return "cuda-emu";
    }

    @Override
    protected String unavailableReason() {
        return EmulatedDevice.unavailableReason();
    }
}
