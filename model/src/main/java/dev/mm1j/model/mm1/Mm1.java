package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.Progress;
import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
    /** The default model folder (see {@link LoadedModel#DEFAULT_MODEL}). */
    public static final String DEFAULT_MODEL = LoadedModel.DEFAULT_MODEL;
    /** Input images per encoder batch (progress is reported between batches). */
    static final int ENCODE_CHUNK = 8;

    private final LoadedModel model;
    private final ChatFormat chat;
    private final ImageDecoder decoder;
    private final KvCache cache;
    private final Generator generator;
    private boolean closed;

    private Mm1(LoadedModel model, Mm1Options o) throws IOException {
        this.model = model;
        this.chat = model.chat();
        this.decoder = new ImageDecoder(o.maxImagePixels());
        this.cache = model.newCache(model.context());
        this.generator = new Generator(model.text());
    }

    /**
     * Loads a checkpoint of any family the engine reads ({@link LoadedModel#open}): an MM1 folder, a text-only
     * Llama-family folder or GGUF file. Errors name the missing or malformed file.
     */
    public static Mm1 load(Path path, Mm1Options o) throws IOException {
        LoadedModel m = LoadedModel.open(path, o);
        try {
            return new Mm1(m, o);
        } catch (IOException | RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /** The default model (see {@link LoadedModel#defaultModel()}). */
    public static Path defaultModel() {
        return LoadedModel.defaultModel();
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
        ImageEncoder images = n > 0 ? model.requireImages() : model.images();
        long t0 = System.nanoTime();
        List<ImageEncoder.Input> inputs = new ArrayList<>();
        ImageEncoder.Encoded enc = null;
        try {
            int[] expanded = ids;
            int views = 0;
            if (images != null) {
                for (Prompt.Image i : prompt.images()) inputs.add(images.prepare(i.decode(decoder)));
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    rows[i] = inputs.get(i).rows();
                    views += (int) inputs.get(i).pixels().dim(0);
                }
                expanded = ImageSplice.expand(ids, images.imageTokenId(), rows);
                if (n > 0) enc = encode(images, inputs);
            }
            long t1 = System.nanoTime();
            GenerationParams params = new GenerationParams(maxTokens, sampling, ignoreEos ? new int[0] : chat.stopTokens(), stopStrings);
            Tensor rows = enc == null ? null : enc.rows();
            int[] seq = expanded;
            GenerationResult r = generator.generate(cache, expanded, (c, from, logits) -> ImageSplice.prefill(model.text(), c, seq, rows, from, seq.length, logits),
                params, chat.textStream(), (id, piece) -> {
                    if (onText != null && !piece.isEmpty()) onText.accept(piece);
                });
            return new Result(r.text(), r.tokens(), r.reason(), n, views, r.promptTokens(), r.reusedTokens(), t1 - t0,
                r.prefillNanos(), r.decodeNanos(), r.decodeSteps());
        } finally {
            if (enc != null) enc.close();
            inputs.forEach(ImageEncoder.Input::close);
        }
    }

    /** The prompt's text in the model's chat format (a raw prompt as given). */
    public String promptText(Prompt prompt) {
        return prompt.rawText() != null ? prompt.rawText() : chat.render(prompt.messages(), true);
    }

    /**
     * The prompt's token ids (one image token per image, before expansion). Special tokens written in messages stay
     * text ({@link ChatFormat#promptIds(java.util.List)}); a raw prompt is the caller's own text, specials included.
     */
    public int[] promptIds(Prompt prompt) {
        // formats render BOS themselves; raw text gets the tokenizer's specials
        return prompt.rawText() != null ? chat.encode(prompt.rawText(), true) : chat.promptIds(prompt.messages());
    }

    /** Encodes the images, {@value #ENCODE_CHUNK} per batch with a progress line when there are more. */
    private ImageEncoder.Encoded encode(ImageEncoder images, List<ImageEncoder.Input> inputs) {
        if (inputs.size() <= ENCODE_CHUNK) return images.encode(inputs);
        long total = 0;
        for (ImageEncoder.Input i : inputs) total += i.rows();
        Tensor rows = model.ops().allocate(DType.F32, total, model.text().config().hiddenSize());
        try (Progress p = Progress.items("encoding images", inputs.size())) {
            long at = 0;
            for (int a = 0; a < inputs.size(); a += ENCODE_CHUNK) {
                int b = Math.min(inputs.size(), a + ENCODE_CHUNK);
                try (ImageEncoder.Encoded part = images.encode(inputs.subList(a, b))) {
                    long r = part.rows().dim(0);
                    model.ops().copy(rows.slice(0, at, at + r), part.rows());
                    at += r;
                }
                p.advance(b - a);
            }
            return new ImageEncoder.Encoded(rows, java.util.Map.of());
        } catch (RuntimeException | Error e) {
            rows.close();
            throw e;
        }
    }

    /** Whether this model takes images. */
    public boolean isMultimodal() {
        return model.takesImages();
    }

    /** The loaded model (its decoder, image encoder, tokenizer and chat format). */
    public LoadedModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return chat.tokenizer();
    }

    public ChatTemplate template() {
        return chat.template();
    }

    /** KV-cache positions: the longest prompt + answer (images count as their expanded positions). */
    public int contextLength() {
        return cache.capacity();
    }

    /** A one-line description: the architecture, the backend, the weights, the context and KV cache, the format. */
    public String describe() {
        return model.describe() + "; context " + cache.capacity() + ", KV cache " + cache.dtype();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        generator.close();
        cache.close();
        model.close();
    }
}
