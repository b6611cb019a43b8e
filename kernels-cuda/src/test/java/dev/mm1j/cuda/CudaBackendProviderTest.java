package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import org.junit.jupiter.api.Test;

/** Availability must be reported, never thrown, whatever the machine has; the registry keeps working. */
class CudaBackendProviderTest {

    @Test
    void isFoundThroughServiceLoaderAndRanksBelowTheCpu() {
        BackendProvider p = Backends.provider("cuda");
        assertEquals("cuda", p.name());
        assertEquals(50, p.priority());
    }

    @Test
    void unavailableReasonNeverThrowsAndIsStable() {
        BackendProvider p = new CudaBackendProvider();
        String first = assertDoesNotThrow(p::unavailableReason);
        assertEquals(first, p.unavailableReason());
        System.out.println("[cuda] " + (first == null ? "available: " + CudaRuntime.status() : "unavailable: " + first));
    }

    @Test
    void withoutADriverTheReasonNamesTheLibraryAndHowToSetIt() {
        String reason = new CudaBackendProvider().unavailableReason();
        if (CudaRuntime.tryOpen(CudaLibraries.system().libcuda()) == null) {
            System.out.println("[cuda] a driver library is present here; skipping the no-driver message check");
            return;
        }
        assertTrue(reason.startsWith("libcuda.so.1 not found"), reason);
        assertTrue(reason.contains("-Dmm1j.cuda.libcuda="), reason);
        assertTrue(reason.contains("MM1J_LIBCUDA"), reason);
    }

    @Test
    void creatingItWhenUnavailableFailsWithTheReasonAndAutoPicksAnotherBackend() {
        String reason = new CudaBackendProvider().unavailableReason();
        if (reason == null) {
            System.out.println("[cuda] CUDA is available here; the unavailable path is not exercised");
            return;
        }
        Mm1jException e = assertThrows(Mm1jException.class, () -> Backends.create("cuda", BackendOptions.defaults()));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        try (Backend auto = Backends.create("auto", BackendOptions.defaults())) {
            assertNotEquals("cuda", auto.name());
        }
    }
}
