package dev.mm1j.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decoder against PyTorch (tools/text/make_golden.py, through tools/mm1ref) on small random checkpoints of
 * each family, as safetensors folders and as GGUF files (tools/text/make_gguf.py convert: llama.cpp's layout, q/k
 * rows permuted, llama3 scaling as rope_freqs.weight), on every available backend: logits of the full forward and of KV-cached decoding within 1e-4
 * (relative to the largest logit), and the 50-token greedy continuation token for token.
 */
class GoldenTextTest {
    static final Path DIR = Path.of("src/test/resources/golden/text");
    static final double TOL = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            // cuda only when asked for (tools/gpu-check.sh sets -Dmm1j.test.cuda=true)
            if (p.unavailableReason() != null || p.name().equals("cuda") && !Boolean.getBoolean("mm1j.test.cuda")) continue;
            for (String m : List.of("llama", "qwen2", "mixtral", "mixtral-nonorm", "mm1text", "llama/model-f32.gguf", "qwen2/model-f16.gguf")) {
                out.add(Arguments.of(m, p.name()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, String backendName) throws Exception {
        Path path = DIR.resolve(name), folder = name.endsWith(".gguf") ? path.getParent() : path;
        List<String> warnings = new ArrayList<>();
        try (LoadedModel lm = LoadedModel.open(path, Mm1Options.defaults().backend(backendName).threads(2).log(warnings::add));
             SafetensorsFile golden = SafetensorsFile.open(folder.resolve("golden.safetensors"))) {
            Ops ops = lm.ops();
            TextConfig c = lm.text().config();
            {
                TextModel m = lm.text();
                assertEquals(List.of(), warnings, "unused tensors");
                int[] prompt = golden.tensor("prompt").toIntArray();
                int[] greedy = golden.tensor("greedy").toIntArray();
                float[] want = golden.tensor("logits").toFloatArray();
                int v = c.vocabSize(), total = prompt.length + greedy.length;
                int[] all = Arrays.copyOf(prompt, total);
                System.arraycopy(greedy, 0, all, prompt.length, greedy.length);

                // rotary frequencies (incl. llama3 scaling) as PyTorch computes them
                float[] inv = golden.tensor("inv_freq").toFloatArray();
                assertArrayEquals(inv, Rope.invFreq(c), 1e-6f * inv[0], "inv_freq");

                // 1. the full forward over prompt + continuation
                float[] full;
                try (KvCache cache = m.newCache(total, DType.F32); Tensor logits = ops.allocate(DType.F32, total, v)) {
                    m.prefill(cache, all, logits);
                    full = hostCopy(ops, logits);
                }
                double errFull = relError(want, full);

                // 2. greedy: prefill the prompt, then decode one token at a time through the KV cache
                int[] got = new int[greedy.length];
                float[] cached = new float[total * v];
                try (KvCache cache = m.newCache(total, DType.F32); Tensor logits = ops.allocate(DType.F32, prompt.length, v);
                     DecodeBatch batch = m.newDecodeBatch(1)) {
                    m.prefill(cache, prompt, logits);
                    System.arraycopy(hostCopy(ops, logits), 0, cached, 0, prompt.length * v);
                    int next = argmax(cached, (prompt.length - 1) * v, v);
                    for (int i = 0; i < greedy.length; i++) {
                        got[i] = next;
                        if (i + 1 == greedy.length) break;
                        batch.step(new KvCache[] {cache}, new int[] {next}, 1);
                        float[] row = batch.copyLogitsToHost(1);
                        System.arraycopy(row, 0, cached, (prompt.length + i) * v, v);
                        next = argmax(row, 0, v);
                    }
                }
                double errCached = relError(Arrays.copyOf(want, (total - 1) * v), Arrays.copyOf(cached, (total - 1) * v));
                System.out.printf("[golden] %-8s %-9s full forward rel err %.2e, KV-cached decode rel err %.2e, greedy %d/%d tokens match (min margin %.3f)%n",
                    name, backendName, errFull, errCached, matching(greedy, got), greedy.length, golden.tensor("min_margin").toFloatArray()[0]);
                assertArrayEquals(greedy, got, "greedy continuation");
                assertTrue(errFull <= TOL, "full forward logits: relative error " + errFull);
                assertTrue(errCached <= TOL, "KV-cached logits: relative error " + errCached);
            }
        }
    }

    static float[] hostCopy(Ops ops, Tensor t) {
        if (t.isHost()) return t.toFloatArray();
        float[] out = new float[(int) t.numel()];
        ops.copyOut(t, java.lang.foreign.MemorySegment.ofArray(out));
        return out;
    }

    /** max |a − b| / max |a| (the largest error relative to the largest logit). */
    static double relError(float[] want, float[] got) {
        double err = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }

    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    static int matching(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && a[n] == b[n]) n++;
        return n;
    }
}
