package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Random MM1 weights: every tensor the model reads, in the asked dtype, seeded, and a forward that stays finite. */
class RandomMm1WeightsTest {
    static Mm1Config small() throws Exception {
        return Mm1Config.fromJson(JsonObject.read(Path.of("src/test/resources/golden/mm1/moe/config.json")));
    }

    @Test
    void everyTensorInTheAskedTypeAndSeeded() throws Exception {
        Mm1Config c = small();
        try (RandomMm1Weights a = new RandomMm1Weights(c, DType.Q8_0, 7, Long.MAX_VALUE);
             RandomMm1Weights b = new RandomMm1Weights(c, DType.Q8_0, 7, Long.MAX_VALUE);
             RandomMm1Weights other = new RandomMm1Weights(c, DType.Q8_0, 8, Long.MAX_VALUE)) {
            String q = "language_model.model.layers.1.block_sparse_moe.experts.3.w1.weight";
            assertEquals(DType.Q8_0, a.tensor(q).dtype());
            assertEquals(DType.F32, a.tensor("vision_tower.vision_model.embeddings.patch_embedding.weight").dtype(), "conv rows of 14 hold no Q8_0 block");
            long bytes = 0;
            for (String n : a.names()) {
                assertArrayEquals(a.tensor(n).toFloatArray(), b.tensor(n).toFloatArray(), n);
                bytes += a.tensor(n).byteSize();
            }
            assertEquals(bytes, a.byteSize());
            float[] x = a.tensor(q).toFloatArray(), y = other.tensor(q).toFloatArray();
            assertTrue(!java.util.Arrays.equals(x, y), "another seed gives other values");
            double ss = 0;
            for (float v : x) ss += v * v;
            assertEquals(RandomMm1Weights.STD, Math.sqrt(ss / x.length), 0.002, "standard deviation");
        }
    }

    @Test
    void aRandomModelLoadsStrictlyAndRuns() throws Exception {
        Mm1Config c = small();
        Ops ops = new Ops(new ReferenceBackend());
        try (RandomMm1Weights src = new RandomMm1Weights(c, DType.BF16, 1, Long.MAX_VALUE)) {
            Weights w = new Weights(src);
            try (Mm1Model m = Mm1Model.load(c, w, ops); TextModel text = TextModel.load(c.text(), w.prefix("language_model"), ops);
                 Tensor px = Tensor.of(new float[3 * 42 * 42], 1, 3, 42, 42); ImageEncoder.Encoded e = m.encode(m.inputs(px))) {
                assertEquals(java.util.Set.of(), w.unused(), "every generated tensor is read");
                int[] ids = ImageSplice.expand(new int[] {1, c.imageTokenId(), 5}, c.imageTokenId(), new int[] {(int) e.rows().dim(0)});
                int v = c.text().vocabSize();
                try (KvCache cache = text.newCache(ids.length, DType.F32); Tensor logits = ops.allocate(DType.F32, 1, v)) {
                    ImageSplice.prefill(text, cache, ids, e.rows(), 0, ids.length, logits);
                    for (float f : logits.toFloatArray()) assertTrue(Float.isFinite(f));
                }
            }
        }
    }

    @Test
    void presetsFollowTheSpecTable() {
        Mm1Config moe = Mm1Config.preset("mm1-3b-moe", 8);
        assertEquals(8, moe.text().numLocalExperts());
        assertEquals(64, Mm1Config.preset("mm1-3b-moe", 0).text().numLocalExperts());
        Mm1Config b7 = Mm1Config.preset("mm1-7b-moe", 0);
        assertEquals(32, b7.text().numLocalExperts());
        assertEquals(4, b7.text().moeLayerFrequency());
        assertEquals(144, Mm1Config.preset("mm1-30b", 0).tokensPerImage());
        assertEquals(6656, Mm1Config.preset("mm1-30b", 0).text().hiddenSize());
    }
}
