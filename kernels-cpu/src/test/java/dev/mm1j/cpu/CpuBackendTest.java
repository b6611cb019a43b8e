package dev.mm1j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Op;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class CpuBackendTest {
    @Test
    void foundThroughServiceLoaderWithPriority100() {
        try (Backend b = Backends.create(null, BackendOptions.threads(1))) {
            assertEquals("cpu", b.name());
            assertTrue(b.description().contains("1 threads"), b.description());
        }
        assertEquals(100, Backends.provider("cpu").priority());
    }

    @Test
    void eachWidthLoadsItsOwnKernels() {
        int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        try (Backend def = CpuBackend.create(BackendOptions.defaults())) {
            assertEquals(Integer.toString(max), def.settings().get("vector.bits"));
            assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), def.settings().get("threads"));
        }
        for (int bits : Fixtures.widths()) {
            try (Backend b = CpuBackend.create(new BackendOptions(1, Map.of("vector.bits", Integer.toString(bits))))) {
                assertEquals(Integer.toString(bits), b.settings().get("vector.bits"));
            }
        }
    }

    @Test
    void badWidthsAreClearErrors() {
        Mm1jException e = assertThrows(Mm1jException.class, () -> CpuBackend.create(new BackendOptions(1, Map.of("vector.bits", "100"))));
        assertTrue(e.getMessage().contains("vector.bits must be 128, 256 or 512"), e.getMessage());
        e = assertThrows(Mm1jException.class, () -> CpuBackend.create(new BackendOptions(1, Map.of("vector.bits", "wide"))));
        assertTrue(e.getMessage().contains("'wide'"), e.getMessage());
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < 512) {
            e = assertThrows(Mm1jException.class, () -> CpuBackend.create(new BackendOptions(1, Map.of("vector.bits", "512"))));
            assertTrue(e.getMessage().contains("not supported on this CPU"), e.getMessage());
        }
    }

    @Test
    void supportsEveryOpForItsDtypes() {
        try (Backend b = CpuBackend.create(BackendOptions.threads(1))) {
            for (Op op : Op.values()) assertTrue(b.supportsOp(op, op == Op.FILL || op == Op.COPY ? DType.F16 : DType.F32), op.name());
            for (DType w : new DType[] {DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
                assertTrue(b.supportsOp(Op.MATMUL, w));
                assertTrue(b.supportsOp(Op.GET_ROWS, w));
            }
            assertFalse(b.supportsOp(Op.ATTENTION, DType.Q8_0));
            assertFalse(b.supportsOp(Op.FILL, DType.Q4_0));
            assertFalse(b.supportsOp(Op.MATMUL, DType.I32));
        }
    }
}
