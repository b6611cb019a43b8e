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
 * Fused attention. {@code vit}: the vision encoder's full attention, T = 730 tokens, 16 heads of 80
 * (secondary {@code gflops}: 4·T²·D·H MFLOP per call, a rate in "ops/ms" = GFLOP/s). {@code decode}: one
 * query (24 heads, GQA over 8 KV heads of 128) against a KV cache of {@code keys} entries in F32, F16 or
 * BF16 (secondary {@code gbs}: MB of K and V per call, a rate in "ops/ms" = GB/s). Run with {@code -prof gc}:
 * the decode call allocates nothing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g", "-XX:+UseParallelGC"})
public class AttentionBench {

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        /** MFLOP done (vit); per millisecond that is GFLOP/s. */
        public double gflops;
        /** MB of keys and values read (decode); per millisecond that is GB/s. */
        public double gbs;
    }

    @State(Scope.Benchmark)
    public static class Vit {
        @Param({"730"})
        public int tokens;
        @Param({"2"})
        public int threads;

        Backend backend;
        Tensor q, k, v, out;

        @Setup(Level.Trial)
        public void setup() {
            backend = BenchData.backend(threads, 0);
            q = BenchData.randn(1, tokens, 16, 80);
            k = BenchData.randn(2, tokens, 16, 80);
            v = BenchData.randn(3, tokens, 16, 80);
            out = Tensor.allocateHost(DType.F32, tokens, 16, 80);
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.close();
            q.close();
            k.close();
            v.close();
            out.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"4096", "1021"})
        public int keys;
        @Param({"F32", "F16", "BF16"})
        public DType kv;
        @Param({"2"})
        public int threads;

        Backend backend;
        Tensor q, k, v, out;
        double megabytes;

        @Setup(Level.Trial)
        public void setup() {
            backend = BenchData.backend(threads, 0);
            q = BenchData.randn(4, 1, 24, 128);
            k = BenchData.of(kv, 5, 1f, keys, 8, 128);
            v = BenchData.of(kv, 6, 1f, keys, 8, 128);
            out = Tensor.allocateHost(DType.F32, 1, 24, 128);
            megabytes = (k.byteSize() + v.byteSize()) / 1e6;
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.close();
            q.close();
            k.close();
            v.close();
            out.close();
        }
    }

    @Benchmark
    public Tensor vit(Vit s, Counters c) {
        s.backend.attention(s.out, s.q, s.k, s.v, (float) (1 / Math.sqrt(80)), false, 0);
        c.gflops += 4e-6 * s.tokens * s.tokens * 80 * 16;
        return s.out;
    }

    @Benchmark
    public Tensor decode(Decode s, Counters c) {
        s.backend.attention(s.out, s.q, s.k, s.v, (float) (1 / Math.sqrt(128)), true, s.keys - 1);
        c.gbs += s.megabytes;
        return s.out;
    }
}
