package dev.mm1j.jmh;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.quant.Quant;
import java.util.Map;
import java.util.SplittableRandom;

/** Seeded inputs and backends for the benchmarks. */
final class BenchData {
    private BenchData() {}

    /** JVM flags every fork needs. */
    static final String[] JVM = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g", "-XX:+UseParallelGC"};

    /** The backend under test: {@code -Dmm1j.bench.backend} (default cpu) with {@code threads} threads and optional vector bits. */
    static Backend backend(int threads, int vectorBits) {
        String name = System.getProperty("mm1j.bench.backend", "cpu");
        Map<String, String> props = vectorBits > 0 ? Map.of("vector.bits", Integer.toString(vectorBits)) : Map.of();
        return Backends.create(name, new BackendOptions(threads, props));
    }

    /** A host F32 tensor of Gaussian values (seeded). */
    static Tensor randn(long seed, long... shape) {
        return of(DType.F32, seed, 1f, shape);
    }

    /** A host tensor of {@code dtype} holding seeded Gaussian values times {@code scale}, row by row. */
    static Tensor of(DType dtype, long seed, float scale, long... shape) {
        Tensor t = Tensor.allocateHost(dtype, shape);
        int row = (int) shape[shape.length - 1];
        long rows = t.numel() / row;
        SplittableRandom r = new SplittableRandom(seed);
        float[] buf = new float[row];
        for (long i = 0; i < rows; i++) {
            for (int j = 0; j < row; j++) buf[j] = (float) r.nextGaussian() * scale;
            Quant.encode(dtype, buf, 0, row, t.segment(), dtype.byteSize(i * row));
        }
        return t;
    }
}
