package dev.mm1j.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.format.safetensors.SafetensorsWeights;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A GGUF file runs through the same decoder as a Hugging Face checkpoint: the tiny llama (GQA, q/k permuted
 * by llama.cpp's converter, K-quant mix, Llama 3 rope_freqs), qwen2 (biases, tied embeddings) and mixtral
 * (stacked and per-expert experts) files of tools/formats give exactly the logits of the same weights in
 * Hugging Face layout (the numpy-dequantized expected files), with the config derived from GGUF metadata.
 */
class GgufDecoderTest {
    static final Path DIR = Path.of("../core/src/test/resources/formats/gguf");
    static final int[] PROMPT = {1, 5, 9, 3, 17, 2, 30, 11};

    static float[] logits(TextConfig c, WeightSource src, DType matrixDtype) {
        Ops ops = new Ops(new ReferenceBackend(), new ReferenceBackend());
        try (Weights w = new Weights(src, matrixDtype); TextModel m = TextModel.load(c, w, ops);
             KvCache cache = m.newCache(PROMPT.length, DType.F32); Tensor out = Tensor.allocateHost(DType.F32, PROMPT.length, c.vocabSize())) {
            assertEquals(List.of(), List.copyOf(w.unused()), "every tensor used");
            m.prefill(cache, PROMPT, out);
            return out.toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny_llama", "tiny_qwen2", "tiny_mixtral"})
    void ggufGivesTheLogitsOfTheHuggingFaceLayout(String model) {
        try (GgufWeights gguf = GgufWeights.open(DIR.resolve(model + ".gguf"), DType.F32);
             SafetensorsWeights hf = SafetensorsWeights.open(DIR.resolve(model + ".expected.safetensors"))) {
            TextConfig c = TextConfig.fromJson(new JsonObject(gguf.config(), model + ".gguf"));
            float[] want = logits(c, hf, DType.F32);
            assertArrayEquals(want, logits(c, gguf, DType.F32), model + ": dequantized to F32, the weights are identical");
            // the default: K-quants re-quantized to Q8_0 (about 1% rms error per weight, which a random
            // untrained network carries to its logits): a sanity bound; the exact check is the one above
            try (GgufWeights q8 = GgufWeights.open(DIR.resolve(model + ".gguf"), null)) {
                float[] got = logits(c, q8, null);
                double err = 0, scale = 0;
                for (int i = 0; i < want.length; i++) {
                    err = Math.max(err, Math.abs(want[i] - got[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                assertTrue(err / scale < 5e-2, model + ": relative error with Q8_0 re-quantization " + err / scale);
            }
        }
    }
}
