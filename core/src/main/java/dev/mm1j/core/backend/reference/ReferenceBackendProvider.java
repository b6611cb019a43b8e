package dev.mm1j.core.backend.reference;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;

/** Registers the {@link ReferenceBackend} (always available, lowest priority). */
public final class ReferenceBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return ReferenceBackend.NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new ReferenceBackend();
    }
}
