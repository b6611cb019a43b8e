package dev.mm1j.core.backend;

import java.util.Map;

/**
 * Options for creating a backend.
 *
 * @param threads worker threads (0 = the number of available processors)
 * @param properties backend-specific settings (e.g. {@code vector.bits=256} for the CPU backend)
 */
public record BackendOptions(int threads, Map<String, String> properties) {
    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        properties = Map.copyOf(properties);
    }

    public static BackendOptions defaults() {
        return new BackendOptions(0, Map.of());
    }

    public static BackendOptions threads(int threads) {
        return new BackendOptions(threads, Map.of());
    }

    /** The thread count to use: {@link #threads()} or, when 0, the available processors. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
