package dev.mm1j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class LaunchArgsTest {

    @Test
    void valuesLandAtTheirNaturalAlignment() {
        LaunchArgs a = LaunchArgs.begin(Kernels.EW_FILL).ptr(0x1000).i32(2).f32(1.5f).i64(77).i32(1)
            .dims(new long[] {77}, 1).dims(new long[] {1}, 1);
        assertEquals(7, a.count());
        assertEquals(0x1000L, a.value(0).get(ValueLayout.JAVA_LONG, 0));
        assertEquals(2, a.value(1).get(ValueLayout.JAVA_INT, 0));
        assertEquals(1.5f, a.value(2).get(ValueLayout.JAVA_FLOAT, 0));
        assertEquals(77L, a.value(3).get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, a.value(3).address() % 8);
        assertEquals(0, a.value(5).address() % 8);
        assertEquals(48, a.value(5).byteSize());
        assertEquals(77L, a.value(5).get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0L, a.value(5).get(ValueLayout.JAVA_LONG, 8));
        a.address(); // complete: no exception
    }

    @Test
    void aWrongKindOrCountIsCaught() {
        assertThrows(IllegalStateException.class, () -> LaunchArgs.begin(Kernels.EW_FILL).i32(1));
        LaunchArgs a = LaunchArgs.begin(Kernels.EW_FILL).ptr(0);
        assertThrows(IllegalStateException.class, a::address);
        assertThrows(ArithmeticException.class, () -> LaunchArgs.begin(Kernels.EW_FILL).ptr(0).i32(1L << 40));
    }
}
