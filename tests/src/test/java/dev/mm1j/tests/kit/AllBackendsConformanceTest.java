package dev.mm1j.tests.kit;

import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the conformance kit on every backend found through {@link java.util.ServiceLoader} (the reference,
 * the CPU backend at each vector width, CUDA when a GPU is present), into one coverage table.
 * Unavailable backends are skipped with their reason.
 */
class AllBackendsConformanceTest {

    @TestFactory
    Stream<DynamicNode> everyBackendFound() {
        List<Conformance.Target> targets = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            targets.addAll(Conformance.targets(p.name(), p::create, p.unavailableReason()));
        }
        List<OpCase> cases = Cases.all().stream().filter(Conformance.selectedByProperty()).toList();
        return Conformance.suite(targets, cases, new Coverage());
    }
}
