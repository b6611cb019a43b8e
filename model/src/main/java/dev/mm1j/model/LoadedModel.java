package dev.mm1j.model;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.JinjaChatTemplate;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A model opened for inference, and everything needed to talk to it: the backend and its {@link Ops} (with the
 * host fallback decided once), the network its {@link ModelFamily} built (decoder, image encoder when the family
 * takes images), the tokenizer, the chat format (template, stop ids, streaming text) and the KV-cache policy.
 * The one door through which the Java API ({@link dev.mm1j.model.mm1.Mm1}), the CLI, the server and Spark open a
 * model: {@code LoadedModel.open(path, options)} reads Hugging Face folders and GGUF files of every family.
 *
 * <p>The tokenizer and the chat format are read on first use (the conformance command works on ids alone, without
 * a tokenizer). Loading and the accessors are thread-safe; computing ({@link #text()}, {@link #images()}
 * {@code encode}) belongs to one thread at a time. Closing frees the weights, the buffers and the backend.
 */
public final class LoadedModel implements AutoCloseable {
    /** The default model folder, relative to the install ({@code -Dmm1j.home}, set by bin/mm1j) or the working folder. */
    public static final String DEFAULT_MODEL = "models/mm1-demo";
    /** KV caches up to this size (all sequences together) are F32 when the dtype is left to the policy: exact, as in PyTorch. */
    public static final long SMALL_CACHE_BYTES = 256L << 20;

    private final String name;
    private final Path path;              // null for models built in memory (random presets)
    private final Backend backend;
    private final Ops ops;
    private final Checkpoint checkpoint;  // null for models built in memory
    private final Network network;
    private final ChatTemplate template;  // null: no chat format (models built in memory)
    private final Mm1Options options;
    private Tokenizer tokenizer;
    private ChatFormat chat;
    private boolean closed;

    private LoadedModel(String name, Path path, Backend backend, Ops ops, Checkpoint checkpoint, Network network, ChatTemplate template, Mm1Options options) {
        this.name = name;
        this.path = path;
        this.backend = backend;
        this.ops = ops;
        this.checkpoint = checkpoint;
        this.network = network;
        this.template = template;
        this.options = options;
    }

    /**
     * Opens a Hugging Face folder or a GGUF file of any family on the class path ({@link ModelFamily#all()}), on the
     * backend, threads and weight dtype of {@code options}. Errors name the missing or malformed file, or the
     * {@code model_type} no family reads.
     */
    public static LoadedModel open(Path path, Mm1Options options) throws IOException {
        if (!Files.exists(path)) throw new Mm1jException("no model at " + path + ": no such file or folder (expected a checkpoint folder or a .gguf file)");
        Consumer<String> log = options.log() != null ? options.log() : line -> {};
        Backend backend = Backends.create(options.backend(), BackendOptions.threads(options.threads()));
        Checkpoint c = null;
        Network net = null;
        try {
            Ops ops = Ops.withHostFallback(backend);
            c = Checkpoint.open(path, options.weights());
            ModelFamily family = family(c, options);
            c.weights().warnings(log);
            net = family.load(c, ops, options);
            ChatTemplate t = options.template() != null ? ChatTemplate.byName(options.template()) : family.defaultTemplate(c, net.text().config().vocabSize());
            return new LoadedModel(c.name(), path, backend, ops, c, net, t, options);
        } catch (IOException | RuntimeException | Error e) {
            if (net != null) net.close();
            if (c != null) c.close();
            backend.close();
            throw e;
        }
    }

    /**
     * A model built in memory (e.g. random weights for benchmarks): no checkpoint, no tokenizer, no chat format.
     * The model owns {@code backend} and {@code network}.
     */
    public static LoadedModel of(String name, Backend backend, Ops ops, Network network, Mm1Options options) {
        return new LoadedModel(name, null, backend, ops, null, network, null, options);
    }

    /** The family that reads {@code c}, or an error listing what the families read. */
    static ModelFamily family(Checkpoint c, Mm1Options options) {
        List<ModelFamily> all = ModelFamily.all();
        for (ModelFamily f : all) if (f.accepts(c, options)) return f;
        StringBuilder types = new StringBuilder();
        for (ModelFamily f : all) types.append(types.isEmpty() ? "" : ", ").append(String.join(", ", f.modelTypes()));
        String type = c.modelType();
        throw new Mm1jException(c.path() + ": " + (type.isEmpty() ? "config.json has no model_type" : "model_type=\"" + type + "\" is not supported")
            + " (supported: " + types + ")");
    }

    /**
     * The default model ({@value #DEFAULT_MODEL}: the demo model shipped with mm1j), found under {@code -Dmm1j.home}
     * (set by bin/mm1j) or else the working folder; an error says where it was looked for when it is missing.
     */
    public static Path defaultModel() {
        String home = System.getProperty("mm1j.home");
        Path p = (home != null ? Path.of(home) : Path.of("")).resolve(DEFAULT_MODEL).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("config.json")) || !Files.isRegularFile(p.resolve("model.safetensors"))) {
            throw new Mm1jException("the default model is missing: no config.json and model.safetensors in " + p
                + (home == null ? " (run from the mm1j folder, set -Dmm1j.home, or give --model PATH)" : " (give a model with --model PATH)"));
        }
        return p;
    }

    // ================================================================== what it is

    /** A short name: the checkpoint folder's or file's. */
    public String name() {
        return name;
    }

    /** The checkpoint path, or null for a model built in memory. */
    public Path path() {
        return path;
    }

    /** The options it was opened with. */
    public Mm1Options options() {
        return options;
    }

    /** The checkpoint (its config, chat template, weights), or null for a model built in memory. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public Ops ops() {
        return ops;
    }

    /** The decoder. */
    public TextModel text() {
        return network.text();
    }

    /** The image encoder, or null for a text-only model. */
    public ImageEncoder images() {
        return network.images();
    }

    public boolean takesImages() {
        return network.images() != null;
    }

    /** The image encoder, or an error saying this model takes no images. */
    public ImageEncoder requireImages() {
        if (network.images() == null) throw new Mm1jException(name + " is a text-only model (" + text().config().modelType() + "): it takes no images");
        return network.images();
    }

    /** One line: the architecture, the backend, the weights. */
    public String describe() {
        String format = chat != null ? chat.describe() : template != null ? template.name().toLowerCase(Locale.ROOT) + " format" : null;
        return network.description() + "; backend " + backend.description() + "; " + text().describe().replaceAll(".*weights ", "weights ")
            + (format != null ? "; " + format : "");
    }

    // ================================================================== how to talk to it

    /** The tokenizer: tokenizer.json of the folder (or beside a GGUF file), else the GGUF file's own vocabulary. */
    public synchronized Tokenizer tokenizer() throws IOException {
        if (tokenizer == null) {
            if (checkpoint == null) throw new Mm1jException(name + " has no tokenizer (a model built in memory)");
            if (checkpoint.tokenizerJson() != null) tokenizer = Tokenizer.load(checkpoint.tokenizerJson());
            else if (checkpoint.vocabulary() != null) tokenizer = Tokenizer.fromGguf(checkpoint.vocabulary(), checkpoint.path().toString());
            else throw new Mm1jException("no tokenizer.json in " + checkpoint.folder() + ": the model needs one to read text");
        }
        return tokenizer;
    }

    /**
     * The chat format: the built-in format {@code --template} names; else the checkpoint's own Jinja template, rendered
     * as transformers does (a template mm1j cannot render is refused with an error that names {@code --template});
     * else the built-in format recognised from the model type.
     */
    public synchronized ChatFormat chat() throws IOException {
        if (chat == null) {
            if (template == null) throw new Mm1jException(name + " has no chat format (a model built in memory)");
            Tokenizer tok = tokenizer();
            String source = checkpoint.chatTemplate();
            JinjaChatTemplate jinja = options.template() == null && source != null
                ? JinjaChatTemplate.compile(source, name + "'s chat template", specialTokens(tok)) : null;
            // a template that takes content as a string (a GGUF's text template) gets the images inline, as llama.cpp's mtmd does
            if (jinja != null && takesImages()) jinja = jinja.withInlineImages(ChatTemplate.IMAGE_LINE);
            chat = new ChatFormat(template, jinja, tok, ChatTemplate.defaultSystemPrompt(source), text().config().eosTokenIds(),
                takesImages() ? images().imageTokenId() : -1);
        }
        return chat;
    }

    /** The special tokens a template sees: tokenizer_config.json's ({@code bos_token}, ...), else the tokenizer's BOS and EOS. */
    private Map<String, Object> specialTokens(Tokenizer tok) throws IOException {
        if (checkpoint.tokenizerConfig() != null) {
            return JinjaChatTemplate.specialTokens(JsonObject.read(checkpoint.tokenizerConfig()).map());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (tok.bosId() >= 0) out.put("bos_token", tok.token(tok.bosId()));
        if (tok.eosId() >= 0) out.put("eos_token", tok.token(tok.eosId()));
        return out;
    }

    /** The longest context worth configuring by default: max_position_embeddings (bounded by a sliding window), at most 4096. */
    public int defaultContext() {
        TextConfig c = text().config();
        return Math.min(Math.min(c.maxPositionEmbeddings(), c.maxContext()), 4096);
    }

    /** The context the options ask for, or {@link #defaultContext()}. */
    public int context() {
        return options.contextLength() > 0 ? options.contextLength() : defaultContext();
    }

    /**
     * The KV-cache dtype for {@code sequences} caches of {@code context} positions: the options' when set; else F32
     * while they take at most {@value #SMALL_CACHE_BYTES} bytes in F32 (exact: small models answer as in PyTorch);
     * else F16 where the backend itself runs attention and set_rows on F16 (not the scalar reference); else F32.
     */
    public DType kvDtype(int context, int sequences) {
        if (options.kvCache() != null) return options.kvCache();
        if (KvCache.bytes(text().config(), context, DType.F32) * sequences <= SMALL_CACHE_BYTES) return DType.F32;
        return computesOn(DType.F16) ? DType.F16 : DType.F32;
    }

    /** Whether the backend itself (not the fallback) runs attention and set_rows on a cache of {@code kv}. */
    public boolean computesOn(DType kv) {
        return ops.runsFast(Op.ATTENTION, kv) && ops.runsFast(Op.SET_ROWS, kv);
    }

    /** A KV cache of {@code context} positions in the policy's dtype for one sequence. */
    public KvCache newCache(int context) {
        return text().newCache(context, kvDtype(context, 1));
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            network.close();
        } finally {
            if (checkpoint != null) checkpoint.close();
            backend.close();
        }
    }

    @Override
    public String toString() {
        return "LoadedModel[" + name + "]";
    }
}
