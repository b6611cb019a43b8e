package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import dev.mm1j.model.vision.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * MM1 for library users: load a checkpoint, ask about images, stream the answer.
 *
 * <pre>{@code
 * try (Mm1 model = Mm1.load(Mm1.defaultModel(), Mm1Options.defaults())) {
 *     Prompt prompt = Prompt.of("What colour is the star?", Path.of("examples/shapes1.png"));
 *     Mm1.Result r = model.generate(prompt, SamplingParams.greedy(), System.out::print);
 *     System.out.println();
 *     System.out.println(r.summary());
 * }
 * }</pre>
 *
 * <p>Loads MM1 checkpoints ({@code model_type} mm1: images and text) and text-only Llama, Mistral, Qwen2 and
 * Mixtral checkpoints (folders or GGUF files: text only). The prompt is rendered in the checkpoint's chat format
 * (for the demo model the MM1 plain format {@code <s>Question: …\n<image>\nAnswer:}), tokenized, its images
 * encoded as one batch and spliced in (spec §7), and the answer generated with the shared {@link Generator}.
 *
 * <p><b>Threads.</b> An {@code Mm1} holds one KV cache and one set of decode buffers: {@link #generate} calls are
 * serialized (a second caller waits until the first finishes), so one instance may be shared, but it answers one
 * prompt at a time. For parallel answers load one instance per thread (weights are memory-mapped, so the
 * checkpoint's pages are shared). {@link Prompt}s and {@link Mm1Options} are immutable. The consumer passed to
 * {@code generate} is called on the calling thread. {@link #close()} frees the native memory; it must not run
 * while a generation is in progress, and the instance is unusable afterwards.
 */
public final class Mm1 implements AutoCloseable {
    /** The default model folder, relative to the install ({@code -Dmm1j.home}, set by bin/mm1j) or the working folder. */
    public static final String DEFAULT_MODEL = "models/mm1-demo";
    /** Encoder images per batch while encoding (progress is reported between batches). */
    static final int ENCODE_CHUNK = 8;

    private final Path path;
    private final Backend backend;
    private final Mm1Model mm1;              // null for a text-only checkpoint
    private final TextCheckpoint textCheckpoint; // text-only checkpoints
    private final TextModel text;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String defaultSystem;
    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor; // null for text-only
    private final KvCache cache;
    private final Generator generator;
    private final int[] stopTokens;
    private boolean closed;

    private Mm1(Path path, Backend backend, Mm1Model mm1, TextCheckpoint textCheckpoint, TextModel text, Tokenizer tokenizer,
                ChatTemplate template, String defaultSystem, Mm1Options o) {
        this.path = path;
        this.backend = backend;
        this.mm1 = mm1;
        this.textCheckpoint = textCheckpoint;
        this.text = text;
        this.tokenizer = tokenizer;
        this.template = template;
        this.defaultSystem = defaultSystem;
        this.decoder = new ImageDecoder(o.maxImagePixels());
        this.preprocessor = mm1 == null ? null : new ImagePreprocessor(mm1.config().vision(), decoder);
        TextConfig c = text.config();
        int ctx = o.contextLength() > 0 ? o.contextLength() : Math.min(c.maxPositionEmbeddings(), 4096);
        this.cache = text.newCache(ctx, o.kvCache() != null ? o.kvCache() : autoKv(backend, c, ctx));
        this.generator = new Generator(text);
        Set<Integer> stops = new LinkedHashSet<>();
        for (int e : c.eosTokenIds()) stops.add(e);
        if (tokenizer.eosId() >= 0) stops.add(tokenizer.eosId());
        for (String s : template.endOfTurnTokens()) if (tokenizer.tokenId(s) >= 0) stops.add(tokenizer.tokenId(s));
        this.stopTokens = stops.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Loads a checkpoint: an MM1 folder (config.json with model_type mm1, safetensors, tokenizer.json), or a text-only
     * Llama-family folder or GGUF file (with a tokenizer.json beside it). Errors name the missing or malformed file.
     */
    public static Mm1 load(Path path, Mm1Options o) throws IOException {
        if (!Files.exists(path)) throw new Mm1jException("no model at " + path + " (expected a checkpoint folder or a .gguf file)");
        Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path tokFile = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokFile)) throw new Mm1jException("no tokenizer.json in " + folder + ": the model needs one to read prompts");
        Tokenizer tok = Tokenizer.load(tokFile);
        Backend backend = Backends.create(o.backend(), BackendOptions.threads(o.threads()));
        Ops ops = new Ops(backend, backend instanceof ReferenceBackend ? null : new ReferenceBackend());
        Consumer<String> log = o.log() != null ? o.log() : line -> {};
        Mm1Model mm1 = null;
        TextCheckpoint tc = null;
        TextModel tm = null;
        try {
            String jinja;
            String modelType;
            if (isMm1(path)) {
                mm1 = Mm1Model.open(path, o.weights(), ops, log);
                tm = mm1.text();
                jinja = readChatTemplate(folder);
                modelType = "mm1";
            } else {
                tc = TextCheckpoint.open(path, o.weights());
                tm = tc.load(ops, log);
                jinja = tc.chatTemplate();
                modelType = tc.config().modelType();
            }
            ChatTemplate t = o.template() != null ? ChatTemplate.byName(o.template()) : ChatTemplate.detect(jinja, modelType, tm.config().vocabSize());
            return new Mm1(path, backend, mm1, tc, tm, tok, t, ChatTemplate.defaultSystemPrompt(jinja), o);
        } catch (RuntimeException | Error | IOException e) {
            if (mm1 != null) mm1.close();
            if (tm != null && mm1 == null) tm.close();
            if (tc != null) tc.close();
            backend.close();
            throw e;
        }
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

    /**
     * The outcome of {@link #generate}.
     *
     * @param text             the answer as text
     * @param tokens           the generated ids (without the stop token)
     * @param reason           why generation stopped
     * @param images           input images
     * @param encodedImages    images the encoder saw (tiles and overviews with image_split)
     * @param promptPositions  positions of the prompt (images expanded, spec §7)
     * @param reusedPositions  prompt positions already in the KV cache from the previous call
     * @param imageNanos       decoding, preprocessing and encoding the images
     * @param prefillNanos     processing the prompt up to the first token's logits
     * @param decodeNanos      the decode steps after the first token
     * @param decodeSteps      their number
     */
    public record Result(String text, int[] tokens, GenerationResult.StopReason reason, int images, int encodedImages, int promptPositions,
                         int reusedPositions, long imageNanos, long prefillNanos, long decodeNanos, int decodeSteps) {

        /** Prompt positions processed per second (those not reused). */
        public double promptTokensPerSecond() {
            return prefillNanos == 0 ? 0 : (promptPositions - reusedPositions) * 1e9 / prefillNanos;
        }

        /** Generated tokens per second over the decode steps. */
        public double generationTokensPerSecond() {
            return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
        }

        /** One line: image encoding time, prompt and generation speed, why it stopped. */
        public String summary() {
            String img = images == 0 ? "no images" : String.format(Locale.ROOT, "%d image%s encoded in %.0f ms", images, images == 1 ? "" : "s", imageNanos / 1e6);
            return String.format(Locale.ROOT, "%s; prompt %d token%s at %.1f t/s; generated %d token%s at %.1f t/s; stopped by %s",
                img, promptPositions - reusedPositions, promptPositions - reusedPositions == 1 ? "" : "s", promptTokensPerSecond(),
                tokens.length, tokens.length == 1 ? "" : "s", generationTokensPerSecond(),
                reason.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
    }

    /** Answers {@code prompt}, at most 256 tokens; {@code onText} (nullable) receives the answer as it is generated. */
    public Result generate(Prompt prompt, SamplingParams sampling, Consumer<String> onText) {
        return generate(prompt, sampling, 256, List.of(), onText);
    }

    /**
     * Answers {@code prompt} with at most {@code maxTokens} new tokens, stopping early at an end-of-sequence token or
     * before any of {@code stopStrings}. {@code onText} (nullable) receives the text as it becomes visible.
     */
    public Result generate(Prompt prompt, SamplingParams sampling, int maxTokens, List<String> stopStrings, Consumer<String> onText) {
        return generate(prompt, sampling, maxTokens, stopStrings, false, onText);
    }

    /** As above; with {@code ignoreEos} generation goes on past end-of-sequence tokens (up to {@code maxTokens}). */
    public synchronized Result generate(Prompt prompt, SamplingParams sampling, int maxTokens, List<String> stopStrings, boolean ignoreEos,
                                        Consumer<String> onText) {
        if (closed) throw new Mm1jException("the model was closed");
        int[] ids = promptIds(prompt);
        int n = prompt.images().size();
        if (mm1 == null && n > 0) throw new Mm1jException(path.getFileName() + " is a text-only model (" + text.config().modelType() + "): it takes no images");
        long t0 = System.nanoTime();
        Mm1Model.Encoded enc = null;
        Tensor embeds = null;
        int encoded = 0;
        try {
            int[] expanded = ids;
            if (mm1 != null) {
                int found = mm1.countImages(ids);
                if (found != n) {
                    throw new Mm1jException("the prompt has " + found + " <image> token" + (found == 1 ? "" : "s") + " but " + n + " image"
                        + (n == 1 ? " is" : "s are") + " given: each image needs exactly one");
                }
                if (n > 0) {
                    try (Tensor pixels = pixels(prompt.images())) {
                        encoded = (int) pixels.dim(0);
                        enc = encode(pixels);
                    }
                    embeds = Mm1Model.perInput(enc.embeds(), n); // tiles + overview of an input follow each other

                }
                expanded = mm1.expand(ids, n, n == 0 ? 0 : (int) embeds.dim(1));
            }
            long t1 = System.nanoTime();
            StreamingDecoder dec = tokenizer.streamingDecoder(true);
            TextStream stream = new TextStream() {
                @Override
                public String step(int id) {
                    return dec.step(id);
                }

                @Override
                public String flush() {
                    return dec.flush();
                }
            };
            GenerationParams params = new GenerationParams(maxTokens, sampling, ignoreEos ? new int[0] : stopTokens, stopStrings);
            Tensor img = embeds;
            int[] seq = expanded;
            Generator.PromptFeeder feeder = mm1 == null
                ? (c, from, logits) -> text.prefill(c, java.util.Arrays.copyOfRange(seq, from, seq.length), logits)
                : (c, from, logits) -> mm1.prefill(c, seq, img, from, seq.length, logits);
            GenerationResult r = generator.generate(cache, expanded, feeder, params, stream, (id, piece) -> {
                if (onText != null && !piece.isEmpty()) onText.accept(piece);
            });
            return new Result(r.text(), r.tokens(), r.reason(), n, encoded, r.promptTokens(), r.reusedTokens(), t1 - t0,
                r.prefillNanos(), r.decodeNanos(), r.decodeSteps());
        } finally {
            if (enc != null) enc.close();
        }
    }

    /** The prompt's text in the model's chat format (a raw prompt as given). */
    public String promptText(Prompt prompt) {
        if (prompt.rawText() != null) return prompt.rawText();
        String bos = tokenizer.bosId() >= 0 ? tokenizer.token(tokenizer.bosId()) : null;
        String eos = tokenizer.eosId() >= 0 ? tokenizer.token(tokenizer.eosId()) : null;
        boolean hasSystem = prompt.messages().getFirst().role().equals("system");
        return template.render(prompt.messages(), true, bos, eos, hasSystem ? null : defaultSystem);
    }

    /** The prompt's token ids (one {@code <image>} id per image, before expansion). */
    public int[] promptIds(Prompt prompt) {
        String s = promptText(prompt);
        // formats render BOS themselves; raw text and the raw format get the tokenizer's specials
        return tokenizer.encode(s, prompt.rawText() != null || template == ChatTemplate.RAW);
    }

    /** Decodes and preprocesses images: [N·k, 3, S, S] (k encoder images per input with image_split). */
    private Tensor pixels(List<Prompt.Image> images) {
        List<RgbImage> views = new ArrayList<>();
        for (Prompt.Image i : images) views.addAll(preprocessor.views(i.decode(decoder)));
        return preprocessor.normalise(views);
    }

    private Mm1Model.Encoded encode(Tensor pixels) {
        int n = (int) pixels.dim(0);
        if (n <= ENCODE_CHUNK) return mm1.encode(pixels);
        try (Progress p = Progress.items("encoding images", n)) {
            int[] last = {0};
            return mm1.encode(pixels, ENCODE_CHUNK, done -> {
                p.advance(done - last[0]);
                last[0] = done;
            });
        }
    }

    /** Whether this model takes images (an MM1 checkpoint). */
    public boolean isMultimodal() {
        return mm1 != null;
    }

    /** The assembled model (null for a text-only checkpoint). */
    public Mm1Model model() {
        return mm1;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    /** KV-cache positions: the longest prompt + answer (images count as their expanded positions). */
    public int contextLength() {
        return cache.capacity();
    }

    /** A one-line description: the architecture, the backend, the weights. */
    public String describe() {
        String arch = mm1 != null ? mm1.config().describe() : text.describe();
        return arch + "; backend " + backend.description() + "; " + text.describe().replaceAll(".*weights ", "weights ") + "; context " + cache.capacity()
            + ", KV cache " + cache.dtype() + "; format " + template.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        generator.close();
        cache.close();
        if (mm1 != null) {
            mm1.close();
        } else {
            text.close();
            textCheckpoint.close();
        }
        backend.close();
    }

    static boolean isMm1(Path path) throws IOException {
        Path cfg = path.resolve("config.json");
        if (!Files.isDirectory(path) || !Files.isRegularFile(cfg)) return false;
        return "mm1".equals(JsonObject.of(Json.parse(cfg), "config.json").get("model_type"));
    }

    /** The chat_template of tokenizer_config.json (a string, or the "default" of a list), or null. */
    static String readChatTemplate(Path folder) throws IOException {
        Path f = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(f)) return null;
        Object t = JsonObject.of(Json.parse(f), "tokenizer_config.json").get("chat_template");
        if (t instanceof String s) return s;
        if (t instanceof List<?> list) {
            for (Object e : list) if (e instanceof java.util.Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) return s;
        }
        return null;
    }

    /**
     * The KV-cache dtype when none is asked for: F32 while that cache takes at most {@value #SMALL_CACHE_BYTES} bytes
     * (exact, and small models answer as in PyTorch), else F16 where the backend itself runs attention and set_rows
     * on it (not the reference), else F32.
     */
    static DType autoKv(Backend b, TextConfig c, int ctx) {
        if (KvCache.bytes(c, ctx, DType.F32) <= SMALL_CACHE_BYTES) return DType.F32;
        return b.supportsOp(Op.ATTENTION, DType.F16) && b.supportsOp(Op.SET_ROWS, DType.F16) && !(b instanceof ReferenceBackend) ? DType.F16 : DType.F32;
    }

    static final long SMALL_CACHE_BYTES = 256L << 20;
}
