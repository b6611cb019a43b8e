package dev.mm1j.core.format;

import dev.mm1j.core.DType;
import dev.mm1j.core.format.gguf.GgufVocabulary;
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
import java.util.Locale;
import java.util.Map;

/**
 * What a model path holds, opened the same way for both formats:
 * <ul>
 *   <li>a Hugging Face folder: {@code config.json}, safetensors weights (one file or shards with their index),
 *       {@code tokenizer.json}, {@code tokenizer_config.json} and chat-template files when present;</li>
 *   <li>a {@code .gguf} file: tensors under Hugging Face names, the config derived from its metadata, the
 *       tokenizer data from {@code tokenizer.ggml.*} (a {@code tokenizer.json} beside the file is used when the
 *       file has none).</li>
 * </ul>
 * The weights are read through one strict loader ({@link #weights()}) that converts matmul weights to the
 * {@code --weights} dtype once: GGUF tensors of types the engine does not compute on (K-quants and friends) are
 * dequantized straight into that dtype, never through another quantized type. Closing frees the converted
 * copies and unmaps the files.
 */
public final class Checkpoint implements AutoCloseable {
    private final Path path;
    private final DType weightsDtype;
    private WeightSource source; // a folder's safetensors are opened on first use: config errors come first
    private Weights weights;
    private final JsonObject config;
    private final Path tokenizerJson;
    private final Path tokenizerConfig;
    private final GgufVocabulary vocabulary;
    private final String chatTemplate;

    private Checkpoint(Path path, WeightSource source, DType weightsDtype, JsonObject config, Path tokenizerJson, Path tokenizerConfig,
                       GgufVocabulary vocabulary, String chatTemplate) {
        this.path = path;
        this.weightsDtype = weightsDtype;
        this.source = source;
        this.config = config;
        this.tokenizerJson = tokenizerJson;
        this.tokenizerConfig = tokenizerConfig;
        this.vocabulary = vocabulary;
        this.chatTemplate = chatTemplate;
    }

    /**
     * Opens {@code path} (a folder or a {@code .gguf} file). {@code weightsDtype} (nullable: as stored) is the
     * {@code --weights} dtype matmul weights are converted to on load (F32, F16, BF16, Q8_0 or Q4_0); GGUF tensors
     * the engine does not compute on are dequantized into it (into Q8_0 when it is null). Errors name the file and
     * what is wrong.
     */
    public static Checkpoint open(Path path, DType weightsDtype) throws IOException {
        if (weightsDtype != null && !(weightsDtype.isFloat() || weightsDtype == DType.Q8_0 || weightsDtype == DType.Q4_0)) {
            throw new IllegalArgumentException("weights convert to F32, F16, BF16, Q8_0 or Q4_0, not " + weightsDtype);
        }
        if (isGguf(path)) {
            GgufWeights g = GgufWeights.open(path, weightsDtype);
            try {
                String name = path.getFileName().toString();
                GgufVocabulary vocab = g.file().has("tokenizer.ggml.model") ? g.vocabulary() : null;
                Path beside = path.toAbsolutePath().resolveSibling("tokenizer.json");
                String template = g.file().has("tokenizer.chat_template") ? g.file().string("tokenizer.chat_template") : null;
                return new Checkpoint(path, g, weightsDtype, new JsonObject(g.config(), name), vocab == null && Files.isRegularFile(beside) ? beside : null,
                    null, vocab, template);
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
        Path tok = path.resolve("tokenizer.json"), tokConfig = path.resolve("tokenizer_config.json");
        return new Checkpoint(path, null, weightsDtype, json, Files.isRegularFile(tok) ? tok : null, Files.isRegularFile(tokConfig) ? tokConfig : null,
            null, chatTemplate(path));
    }

    /** Whether {@code path} names a GGUF file (by its extension). */
    public static boolean isGguf(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    /**
     * A folder's Jinja chat template, where Hugging Face looks for it: {@code chat_template.jinja}, else
     * {@code chat_template.json} (what processors save), else {@code tokenizer_config.json}'s {@code chat_template}
     * (a string, or a list of named templates: the one named "default"). Null when there is none.
     */
    static String chatTemplate(Path folder) throws IOException {
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) return Files.readString(jinja);
        Path json = folder.resolve("chat_template.json");
        if (Files.isRegularFile(json)) {
            String t = template(JsonObject.of(Json.parse(json), "chat_template.json").get("chat_template"));
            if (t != null) return t;
        }
        Path tc = folder.resolve("tokenizer_config.json");
        return Files.isRegularFile(tc) ? template(JsonObject.of(Json.parse(tc), "tokenizer_config.json").get("chat_template")) : null;
    }

    private static String template(Object t) {
        if (t instanceof String s) return s;
        if (t instanceof List<?> list) {
            for (Object e : list) if (e instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) return s;
        }
        return null;
    }

    /** The path as given. */
    public Path path() {
        return path;
    }

    /** The folder holding the checkpoint's files (the folder itself, or the GGUF file's folder). */
    public Path folder() {
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    /** A short name: the folder's or the file's. */
    public String name() {
        return path.toAbsolutePath().normalize().getFileName().toString();
    }

    public boolean isGguf() {
        return isGguf(path);
    }

    /** {@code config.json}, or its GGUF equivalent. */
    public JsonObject config() {
        return config;
    }

    /** {@code model_type} of the config ({@code llama}, {@code qwen2}, {@code mm1}, ...; GGUF: from general.architecture), or "". */
    public String modelType() {
        return config.get("model_type") instanceof String s ? s : "";
    }

    /** The Jinja chat template (see {@link #chatTemplate(Path)}; GGUF: {@code tokenizer.chat_template}), or null. */
    public String chatTemplate() {
        return chatTemplate;
    }

    /** The tensors as stored, under Hugging Face names (a folder's safetensors files are opened on the first call). */
    public synchronized WeightSource source() {
        if (source == null) source = SafetensorsWeights.open(path);
        return source;
    }

    /** The strict prefixing loader over {@link #source()}, converting matmul weights to the {@code --weights} dtype. */
    public synchronized Weights weights() {
        if (weights == null) weights = new Weights(source(), weightsDtype);
        return weights;
    }

    /** {@code tokenizer.json} (in the folder, or beside a GGUF file without its own vocabulary), or null. */
    public Path tokenizerJson() {
        return tokenizerJson;
    }

    /** {@code tokenizer_config.json}, or null. */
    public Path tokenizerConfig() {
        return tokenizerConfig;
    }

    /** The GGUF tokenizer data, or null. */
    public GgufVocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public synchronized void close() {
        if (weights != null) weights.close();
        if (source != null) source.close();
    }

    @Override
    public String toString() {
        return "Checkpoint[" + path + "]";
    }
}
