package dev.mm1j.jmh;

import dev.mm1j.core.Tensor;
import dev.mm1j.cpu.Parallel;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory read bandwidth, the ceiling of every GEMV: a vectorised sum over {@code mb} MB of
 * off-heap floats (1 GiB by default, far beyond the 260 MB L3), split over {@code threads} threads of the
 * CPU backend's pool. Secondary {@code gbs}: MB read per call, so "ops/ms" reads as GB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-XX:+UseParallelGC"})
public class MemoryBench {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        /** MB read; per millisecond that is GB/s. */
        public double gbs;
    }

    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1024"})
        public int mb;
        @Param({"1", "2"})
        public int threads;

        Tensor buf;
        Parallel pool;
        final float[] partial = new float[64 * 16];
        Parallel.Body body;

        @Setup(Level.Trial)
        public void setup() {
            buf = BenchData.randn(1, (long) mb << 18);
            pool = new Parallel(threads);
            MemorySegment seg = buf.segment();
            long chunk = 1 << 20;
            body = (w, from, to) -> {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                long step = 4L * F.length() * 4;
                for (long o = from * chunk; o < to * chunk; o += step) {
                    a0 = a0.add(FloatVector.fromMemorySegment(F, seg, o, ByteOrder.LITTLE_ENDIAN));
                    a1 = a1.add(FloatVector.fromMemorySegment(F, seg, o + F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
                    a2 = a2.add(FloatVector.fromMemorySegment(F, seg, o + 2L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
                    a3 = a3.add(FloatVector.fromMemorySegment(F, seg, o + 3L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
                }
                partial[w * 16] += a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
            };
        }

        @TearDown(Level.Trial)
        public void close() {
            pool.close();
            buf.close();
        }
    }

    @Benchmark
    public float[] read(Data d, Bytes b) {
        d.pool.run(d.body, (int) (d.buf.byteSize() >> 20), 1, 1);
        b.gbs += d.buf.byteSize() / 1e6;
        return d.partial;
    }
}
