package dev.mm1j.cpu;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;

/** Registers the {@link CpuBackend} ({@code cpu}, priority 100); needs the {@code jdk.incubator.vector} module. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return CpuBackend.NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not enabled (run java with --add-modules jdk.incubator.vector)";
        }
        return null;
    }

    @Override
    public Backend create(BackendOptions options) {
        return CpuBackend.create(options);
    }
}
