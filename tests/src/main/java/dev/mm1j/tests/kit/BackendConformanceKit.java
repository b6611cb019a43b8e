package dev.mm1j.tests.kit;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The backend conformance kit: extend it with one class to run every op case against the reference
 * backend on your backend.
 *
 * <pre>{@code
 * class MyBackendConformanceTest extends BackendConformanceKit {
 *     protected Backend create(BackendOptions options) {
 *         return new MyBackend(options);
 *     }
 * }
 * }</pre>
 *
 * Every case runs at every configuration from {@link #targets()} (each vector width when the backend
 * reports {@code vector.bits} in {@link Backend#settings()}); a case whose op and dtype the backend does
 * not claim in {@link Backend#supportsOp} is skipped and counted. The coverage table is printed at the end.
 * See the "How to add a backend" section of docs/ARCHITECTURE.md.
 */
public abstract class BackendConformanceKit {

    /** Creates the backend under test with {@code options}. */
    protected abstract Backend create(BackendOptions options);

    /** Column name in the coverage table; by default the backend's {@link Backend#name()}. */
    protected String name() {
        try (Backend b = create(BackendOptions.defaults())) {
            return b.name();
        }
    }

    /** Non-null when the backend cannot run on this machine (e.g. no GPU): every case is then skipped with this reason. */
    protected String unavailableReason() {
        return null;
    }

    /** Which cases to run: all by default, or the kinds in the {@code mm1j.kit.ops} system property. */
    protected Predicate<OpCase> includes() {
        return Conformance.selectedByProperty();
    }

    /** The configurations to run (see {@link Conformance#targets}). */
    protected List<Conformance.Target> targets() {
        String why = unavailableReason();
        return Conformance.targets(why == null ? name() : getClass().getSimpleName(), this::create, why);
    }

    @TestFactory
    Stream<DynamicNode> conformance() {
        List<OpCase> cases = Cases.all().stream().filter(includes()).toList();
        return Conformance.suite(targets(), cases, new Coverage());
    }
}
