package dev.mm1j.jmh;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import java.util.concurrent.TimeUnit;
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
 * Matrix products with many rows (the GEMM path): square F32 {@code [n, n] · [n, n]ᵀ} and the vision MLP shape
 * {@code [730, 1280] · [5120, 1280]ᵀ} with F32 or BF16 weights. Throughput in calls per millisecond; the
 * secondary {@code gflops} line counts MFLOP per call, so its rate in "ops/ms" reads as GFLOP/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g", "-XX:+UseParallelGC"})
public class GemmBench {

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        /** Millions of floating-point operations done (2·M·N·K per product); per millisecond that is GFLOP/s. */
        public double gflops;
    }

    @State(Scope.Benchmark)
    public static class Square {
        @Param({"512", "1024", "2048", "1031"})
        public int n;
        @Param({"2"})
        public int threads;
        @Param({"0"})
        public int vectorBits;

        Backend backend;
        Tensor x, w, out;

        @Setup(Level.Trial)
        public void setup() {
            backend = BenchData.backend(threads, vectorBits);
            x = BenchData.randn(1, n, n);
            w = BenchData.randn(2, n, n);
            out = Tensor.allocateHost(DType.F32, n, n);
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.close();
            x.close();
            w.close();
            out.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Vision {
        @Param({"F32", "BF16"})
        public DType dtype;
        @Param({"2"})
        public int threads;

        Backend backend;
        Tensor x, w, out;

        @Setup(Level.Trial)
        public void setup() {
            backend = BenchData.backend(threads, 0);
            x = BenchData.randn(3, 730, 1280);
            w = BenchData.of(dtype, 4, 0.03f, 5120, 1280);
            out = Tensor.allocateHost(DType.F32, 730, 5120);
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.close();
            x.close();
            w.close();
            out.close();
        }
    }

    @Benchmark
    public Tensor square(Square s, Flops f) {
        s.backend.matmul(s.out, s.x, s.w);
        f.gflops += 2e-6 * s.n * s.n * s.n;
        return s.out;
    }

    @Benchmark
    public Tensor vision(Vision s, Flops f) {
        s.backend.matmul(s.out, s.x, s.w);
        f.gflops += 2e-6 * 730 * 1280 * 5120;
        return s.out;
    }
}
