package dev.mm1j.tests.kit;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import java.util.List;
import java.util.function.Predicate;

/**
 * The SPI's default compositions of the fused ops (attention, conv2d's patchify and 1×1 cases, linear,
 * swiglu, setRows) against the reference's direct implementations: the reference wrapped so that it forwards only
 * primitives. Also the example of plugging a backend into the kit with one class.
 */
class DefaultFusedOpsConformanceTest extends BackendConformanceKit {
    private static final List<String> FUSED = List.of("attention", "conv2d", "linear", "swiglu", "set_rows");

    @Override
    protected Backend create(BackendOptions options) {
        return new PrimitivesOnlyBackend(new ReferenceBackend());
    }

    @Override
    protected Predicate<OpCase> includes() {
        return super.includes().and(c -> FUSED.contains(c.kind()));
    }
}
