package dev.mm1j.model.text;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.gguf.GgufWeights;
import dev.mm1j.core.format.safetensors.SafetensorsWeights;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.weights.WeightSource;
import dev.mm1j.core.weights.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint the decoder runs from: a Hugging Face folder (config.json + safetensors, MM1 or a text-only
 * family) or a GGUF file (llama/qwen2 architectures, tensors under Hugging Face names, metadata mapped to a
 * config.json). Holds the open weights (memory-mapped) and any converted copies until closed.
 */
public final class TextCheckpoint implements AutoCloseable {
    private final Path path;
    private final TextConfig config;
    private final WeightSource source;
    private final String prefix;       // "language_model" for MM1, "" otherwise
    private final String chatTemplate; // Jinja source or null
    private final Weights weights;     // owns converted copies (quantize-on-load, F32 norms)

    private TextCheckpoint(Path path, TextConfig config, WeightSource source, String prefix, String chatTemplate, DType matrixDtype) {
        this.path = path;
        this.config = config;
        this.source = source;
        this.prefix = prefix;
        this.chatTemplate = chatTemplate;
        this.weights = new Weights(source, matrixDtype);
    }

    /** Opens a checkpoint with its weights as stored. */
    public static TextCheckpoint open(Path path) throws IOException {
        return open(path, null);
    }

    /**
     * Opens a checkpoint folder or a {@code .gguf} file; errors name the missing or malformed file.
     * {@code matrixDtype} (nullable) converts the matmul weights on load (quantize-on-load, {@code --weights}).
     */
    public static TextCheckpoint open(Path path, DType matrixDtype) throws IOException {
        if (!Files.exists(path)) throw new Mm1jException("no such file or folder: " + path);
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            GgufWeights g = GgufWeights.open(path, null);
            try {
                TextConfig config = TextConfig.fromJson(JsonObject.of(g.config(), path.getFileName() + " metadata"));
                String template = g.file().has("tokenizer.chat_template") ? g.file().string("tokenizer.chat_template") : null;
                return new TextCheckpoint(path, config, g, "", template, matrixDtype);
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }
        if (!Files.isDirectory(path)) throw new Mm1jException(path + ": expected a checkpoint folder (config.json + *.safetensors) or a .gguf file");
        Path cfg = path.resolve("config.json");
        if (!Files.isRegularFile(cfg)) throw new Mm1jException(path + ": no config.json in this folder");
        TextConfig config = TextConfig.load(cfg);
        WeightSource src = SafetensorsWeights.open(path);
        try {
            return new TextCheckpoint(path, config, src, config.modelType().equals("mm1") ? "language_model" : "", readChatTemplate(path), matrixDtype);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** The Jinja chat template of tokenizer_config.json (the "default" one when there are several), or null. */
    static String readChatTemplate(Path folder) throws IOException {
        Path f = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(f)) return null;
        JsonObject o = JsonObject.of(Json.parse(f), "tokenizer_config.json");
        Object t = o.get("chat_template");
        if (t instanceof String s) return s;
        if (t instanceof List<?> list) {
            String first = null;
            for (Object e : list) {
                if (e instanceof Map<?, ?> m && m.get("template") instanceof String s) {
                    if ("default".equals(m.get("name"))) return s;
                    if (first == null) first = s;
                }
            }
            return first;
        }
        return null;
    }

    public Path path() {
        return path;
    }

    public TextConfig config() {
        return config;
    }

    public WeightSource source() {
        return source;
    }

    /** The folder holding tokenizer files (the checkpoint folder, or the GGUF file's folder). */
    public Path folder() {
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    /** The checkpoint's Jinja chat template, or null. */
    public String chatTemplate() {
        return chatTemplate;
    }

    /**
     * Loads the decoder. {@code warnings} (nullable: stderr) receives one line per problem worth knowing: tensors
     * of a text-only checkpoint the model did not read, matrices --weights could not convert.
     */
    public TextModel load(Ops ops, java.util.function.Consumer<String> warnings) {
        if (warnings != null) weights.warnings(warnings);
        TextModel m = TextModel.load(config, prefix.isEmpty() ? weights : weights.prefix(prefix), ops);
        if (prefix.isEmpty()) {
            weights.finish(); // for MM1 the assembled model reports, as it also loads the vision tensors
        }
        return m;
    }

    /** Whether this is a GGUF file. */
    public boolean isGguf() {
        return source instanceof GgufWeights;
    }

    @Override
    public void close() {
        weights.close();
        source.close();
    }
}
