package dev.mm1j.core.backend;

import dev.mm1j.core.Mm1jException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The backend registry: every {@link BackendProvider} on the class path. */
public final class Backends {
    private Backends() {}

    /** All providers found, best first (available ones before unavailable ones, then by priority). */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) list.add(p);
        list.sort(Comparator.comparing((BackendProvider p) -> p.unavailableReason() != null)
            .thenComparing(Comparator.comparingInt(BackendProvider::priority).reversed()));
        return list;
    }

    /** The provider called {@code name}, or an error listing the known ones. */
    public static BackendProvider provider(String name) {
        List<BackendProvider> all = providers();
        for (BackendProvider p : all) {
            if (p.name().equalsIgnoreCase(name)) return p;
        }
        throw new Mm1jException("unknown backend '" + name + "' (available: "
            + String.join(", ", all.stream().map(BackendProvider::name).toList()) + ")");
    }

    /** Creates the backend called {@code name} (or the best available one when {@code name} is null or "auto"). */
    public static Backend create(String name, BackendOptions options) {
        if (name == null || name.equalsIgnoreCase("auto")) {
            for (BackendProvider p : providers()) {
                if (p.unavailableReason() == null && p.priority() >= 0) return p.create(options);
            }
            throw new Mm1jException("no backend is available");
        }
        BackendProvider p = provider(name);
        String why = p.unavailableReason();
        if (why != null) throw new Mm1jException("backend '" + name + "' is not available: " + why);
        return p.create(options);
    }
}
