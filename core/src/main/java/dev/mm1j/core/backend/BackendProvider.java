package dev.mm1j.core.backend;

/**
 * Service-provider interface ({@link java.util.ServiceLoader}) through which backends are found.
 * Register an implementation in {@code META-INF/services/dev.mm1j.core.backend.BackendProvider}.
 */
public interface BackendProvider {

    /** The name users select it by ({@code --backend NAME}). */
    String name();

    /** Higher wins when the user asks for no backend in particular (reference 0, cpu 100). */
    int priority();

    /** Null if the backend can run here, otherwise why not (e.g. "no CUDA driver: libcuda.so.1 not found"). */
    String unavailableReason();

    /** Creates the backend. */
    Backend create(BackendOptions options);
}
