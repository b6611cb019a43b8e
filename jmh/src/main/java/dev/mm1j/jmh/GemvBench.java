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
 * Decoding matrix-vector products {@code [1, K] · [N, K]ᵀ} (the GEMV path): every weight byte is read once
 * per call, so the figure of merit is weight bytes streamed per second. The secondary {@code gbs} line counts
 * MB of weights per call; its rate in "ops/ms" reads as GB/s. Only the "1GBx8192" shape is beyond the 260 MB L3
 * for every dtype (16384×8192 is 537 MB in F32 but 268 MB in BF16/F16, 143 MB in Q8_0 and 75 MB in Q4_0, which
 * partly stay in the L3 between calls and read faster than memory). Run with {@code -prof gc}: the call allocates nothing.
 * {@code prepared} passes the weight through {@code Backend.prepareWeight} first (the CPU backend's Q8_0/Q4_0
 * panels), as models do; {@code m} rows of x give the batched GEMV of continuous batching.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g", "-XX:+UseParallelGC"})
public class GemvBench {

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        /** Millions of weight bytes read; per millisecond that is GB/s. */
        public double gbs;
    }

    @State(Scope.Benchmark)
    public static class Data {
        /** N x K; "1GBx8192" means as many rows of 8192 as make 1 GB of weights in the dtype (beyond the L3 for every dtype). */
        @Param({"4096x4096", "8192x8192", "16384x8192", "1GBx8192"})
        public String shape;
        @Param({"F32", "BF16", "Q8_0", "Q4_0"})
        public DType dtype;
        @Param({"2"})
        public int threads;
        @Param({"0"})
        public int vectorBits;
        @Param({"true"})
        public boolean prepared;
        @Param({"1"})
        public int m;

        Backend backend;
        Tensor x, w, out;
        double megabytes;

        @Setup(Level.Trial)
        public void setup() {
            String[] nk = shape.split("x");
            long k = Long.parseLong(nk[1]);
            long n = nk[0].endsWith("GB") ? Math.round(Double.parseDouble(nk[0].replace("GB", "")) * 1e9 / dtype.byteSize(k)) : Long.parseLong(nk[0]);
            backend = BenchData.backend(threads, vectorBits);
            x = BenchData.randn(1, m, k);
            Tensor host = BenchData.of(dtype, 2, 0.02f, n, k);
            megabytes = host.byteSize() / 1e6;
            w = prepared ? backend.prepareWeight(host) : host;
            if (w != host) host.close();
            out = Tensor.allocateHost(DType.F32, m, n);
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
    public Tensor gemv(Data d, Bytes b) {
        d.backend.matmul(d.out, d.x, d.w);
        b.gbs += d.megabytes;
        return d.out;
    }
}
