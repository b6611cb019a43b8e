package dev.mm1j.model.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.weights.MapWeightSource;
import dev.mm1j.core.weights.Weights;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bench's random weights hold exactly what the loaders read, and a forward on them stays finite. */
class RandomVisionWeightsTest {
    static VisionPipelineConfig tiny(ConnectorConfig cc) {
        return new VisionPipelineConfig(new VisionConfig(32, 64, 2, 2, 42, 14, 3, "quick_gelu", 1e-5), cc,
            ImagePreprocessConfig.defaults(), ImageSplitConfig.disabled(), -1);
    }

    @Test
    void coversEveryTensorTheLoadersRead() {
        Ops ops = new Ops(new ReferenceBackend());
        for (ConnectorConfig cc : new ConnectorConfig[] {
            new ConnectorConfig("c-abstractor", 24, 2, 2, 4, true, 0.25, 1e-5),
            new ConnectorConfig("c-abstractor", 32, 0, 1, 9, false, 0.25, 1e-5),
            new ConnectorConfig("mlp", 0, 0, 0, 0, false, 0, 0)}) {
            VisionPipelineConfig cfg = tiny(cc);
            for (DType t : new DType[] {DType.F32, DType.BF16}) {
                try (MapWeightSource src = RandomVisionWeights.create(cfg, 20, t, 7)) {
                    Weights w = new Weights(src);
                    try (VisionTower vit = VisionTower.load(w, cfg, ops); Connector conn = Connector.load(w, cfg, 20, ops)) {
                        assertEquals(Set.of(), w.unused(), cc.type() + " " + t);
                        try (Tensor px = Tensor.allocateHost(DType.F32, 2, 3, 28, 28); Tensor f = vit.features(px); Tensor e = conn.embeddings(f)) {
                            assertEquals(cc.tokensPerImage(2), e.dim(1));
                            for (float x : e.toFloatArray()) assertTrue(Float.isFinite(x));
                        }
                    }
                }
            }
        }
    }
}
