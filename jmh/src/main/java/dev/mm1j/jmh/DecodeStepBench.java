package dev.mm1j.jmh;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.RandomWeights;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * One decode step of the text decoder (N sequences, one token each, against their KV caches) on seeded
 * random weights. Its point is {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes the JVM allocates
 * per step, which the decoder keeps near zero (run state, views and host staging are made once). Tokens/s =
 * ops/s × batch.
 *
 * <pre>
 * bin/with-jdk25 mvn -B -q -pl jmh -am -DskipTests package
 * java --add-modules jdk.incubator.vector -jar jmh/target/benchmarks.jar DecodeStepBench -prof gc
 * </pre>
 * Presets: {@code dense} (Llama-style: hidden 512, 4 layers, 8/2 heads, FFN 1536, vocab 8192) and
 * {@code moe} (the same with 8 experts, top 2, on every layer).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class DecodeStepBench {

    @Param({"dense", "moe"})
    public String preset;

    @Param({"Q8_0", "F32"})
    public String dtype;

    @Param({"1", "4"})
    public int batch;

    @Param({"cpu"})
    public String backend;

    @Param({"2"})
    public int threads;

    private Backend be;
    private TextModel model;
    private KvCache[] caches;
    private DecodeBatch step;
    private int[] tokens;
    private static final int PROMPT = 64, CTX = 1024;

    @Setup(Level.Trial)
    public void setup() {
        int experts = preset.equals("moe") ? 8 : 0;
        TextConfig c = new TextConfig(experts > 0 ? "mixtral" : "llama", 512, 1536, 4, 8, 2, 64, 1e-5f, 10000, null, 8192, 4096, false, "silu",
            false, 0, experts, 2, 1, 1, new int[] {2});
        be = Backends.create(backend, BackendOptions.threads(threads));
        MapWeightSource src = RandomWeights.create(c, DType.valueOf(dtype), 7, 1f);
        model = TextModel.load(c, new Weights(src), new Ops(be, new ReferenceBackend()));
        caches = new KvCache[batch];
        SplittableRandom rnd = new SplittableRandom(3);
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < batch; i++) {
            caches[i] = model.newCache(CTX, DType.F32);
            for (int j = 0; j < PROMPT; j++) prompt[j] = rnd.nextInt(c.vocabSize());
            model.prefill(caches[i], prompt, null);
        }
        step = model.newDecodeBatch(batch);
        tokens = new int[batch];
        for (int i = 0; i < batch; i++) tokens[i] = rnd.nextInt(c.vocabSize());
    }

    @Benchmark
    public Tensor decodeStep() {
        if (caches[0].position() >= CTX - 1) {
            for (KvCache kv : caches) kv.truncate(PROMPT); // stay inside the context, allocation-free
        }
        return step.step(caches, tokens, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        for (KvCache kv : caches) kv.close();
        model.close();
        be.close();
    }
}
