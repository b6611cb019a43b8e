package dev.mm1j.jmh;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.UnaryOp;
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
 * Row ops on [rows, width] F32 activations: RMS norm (decoder), layer norm (vision), softmax, GELU. The secondary
 * {@code gbs} line counts MB read and written per call (2·rows·width·4 bytes); its rate in "ops/ms" reads as GB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g", "-XX:+UseParallelGC"})
public class NormBench {

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        /** MB moved; per millisecond that is GB/s. */
        public double gbs;
    }

    @State(Scope.Benchmark)
    public static class Data {
        /** rows x width: one decode token, the vision sequence, an odd shape. */
        @Param({"1x4096", "730x1280", "31x1001"})
        public String shape;
        @Param({"2"})
        public int threads;

        Backend backend;
        Tensor x, w, b, out;
        double megabytes;

        @Setup(Level.Trial)
        public void setup() {
            String[] rw = shape.split("x");
            long rows = Long.parseLong(rw[0]), width = Long.parseLong(rw[1]);
            backend = BenchData.backend(threads, 0);
            x = BenchData.randn(1, rows, width);
            w = BenchData.randn(2, width);
            b = BenchData.randn(3, width);
            out = Tensor.allocateHost(DType.F32, rows, width);
            megabytes = 2e-6 * x.byteSize();
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.close();
            x.close();
            w.close();
            b.close();
            out.close();
        }
    }

    @Benchmark
    public Tensor rmsNorm(Data d, Bytes c) {
        d.backend.rmsNorm(d.out, d.x, d.w, 1e-5f);
        c.gbs += d.megabytes;
        return d.out;
    }

    @Benchmark
    public Tensor layerNorm(Data d, Bytes c) {
        d.backend.layerNorm(d.out, d.x, d.w, d.b, 1e-5f);
        c.gbs += d.megabytes;
        return d.out;
    }

    @Benchmark
    public Tensor softmax(Data d, Bytes c) {
        d.backend.softmax(d.out, d.x, false, 0);
        c.gbs += d.megabytes;
        return d.out;
    }

    @Benchmark
    public Tensor gelu(Data d, Bytes c) {
        d.backend.unary(UnaryOp.GELU, d.out, d.x);
        c.gbs += d.megabytes;
        return d.out;
    }
}
