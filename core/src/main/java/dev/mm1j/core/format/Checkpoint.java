package dev.mm1j.core.format;

import dev.mm1j.core.DType;
import dev.mm1j.core.format.gguf.GgufVocabulary;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.format.safetensors.SafetensorsWeights;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a model path holds, opened the same way for both formats:
 * <ul>
 *   <li>a Hugging Face folder: {@code config.json}, safetensors weights (one file or shards with their index),
 *       {@code tokenizer.json} and {@code tokenizer_config.json} when present;</li>
 *   <li>a {@code .gguf} file: tensors under Hugging Face names, the config derived from its metadata, the
 *       tokenizer data from {@code tokenizer.ggml.*}.</li>
 * </ul>
 * Closing unmaps the files.
 *
 * @param weights         the tensors, under Hugging Face names
 * @param config          {@code config.json}, or its GGUF equivalent
 * @param tokenizerJson   {@code tokenizer.json}, or null (GGUF files, folders without one)
 * @param tokenizerConfig {@code tokenizer_config.json}, or null
 * @param vocabulary      the GGUF tokenizer data, or null for folders
 */
public record Checkpoint(WeightSource weights, JsonObject config, Path tokenizerJson, Path tokenizerConfig, GgufVocabulary vocabulary)
    implements AutoCloseable {

    /**
     * Opens {@code path} (a folder or a {@code .gguf} file). GGUF tensors of types the engine does not compute
     * on are dequantized into {@code dequantTo} (pass the {@code --weights} dtype; null means Q8_0).
     */
    public static Checkpoint open(Path path, DType dequantTo) throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            GgufWeights g = GgufWeights.open(path, dequantTo);
            try {
                String name = path.getFileName().toString();
                GgufVocabulary vocab = g.file().has("tokenizer.ggml.model") ? g.vocabulary() : null;
                return new Checkpoint(g, new JsonObject(g.config(), name), null, null, vocab);
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }
        if (!Files.isDirectory(path)) {
            throw new ModelFormatException(path + ": expected a model folder (config.json + safetensors) or a .gguf file" + (Files.exists(path) ? "" : ", and nothing is there"));
        }
        Path config = path.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new ModelFormatException(path + ": no config.json in this folder");
        JsonObject json = JsonObject.read(config);
        SafetensorsWeights w = SafetensorsWeights.open(path);
        Path tok = path.resolve("tokenizer.json"), tokConfig = path.resolve("tokenizer_config.json");
        return new Checkpoint(w, json, Files.isRegularFile(tok) ? tok : null, Files.isRegularFile(tokConfig) ? tokConfig : null, null);
    }

    @Override
    public void close() {
        weights.close();
    }
}
