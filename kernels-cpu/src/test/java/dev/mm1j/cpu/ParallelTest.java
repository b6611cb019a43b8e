package dev.mm1j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceAcrossManyJobs() {
        try (Parallel p = new Parallel(3)) {
            for (int job = 0; job < 5000; job++) {
                int n = 1 + job % 97;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                p.run((w, from, to) -> {
                    assertTrue(w >= 0 && w < 3);
                    for (int i = from; i < to; i++) hits.incrementAndGet(i);
                }, n, 1, 1 + job % 3);
                for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "job " + job + " index " + i);
            }
        }
    }

    @Test
    void aFailingChunkFailsTheJobAndThePoolGoesOn() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.run((w, from, to) -> {
                if (from == 0) throw new IllegalStateException("boom");
            }, 8));
            assertEquals("boom", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(8);
            p.run((w, from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            }, 8);
            for (int i = 0; i < 8; i++) assertEquals(1, hits.get(i));
        }
    }

    @Test
    void closedPoolRefusesWork() {
        Parallel p = new Parallel(2);
        p.close();
        assertThrows(IllegalStateException.class, () -> p.run((w, f, t) -> {}, 10));
        p.close();
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }
}
