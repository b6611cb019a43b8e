package dev.mm1j.spark;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.serving.Engine;
import dev.mm1j.model.serving.EngineConfig;
import dev.mm1j.model.serving.Request;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place where the Spark module touches the model library: opens a checkpoint through the loading seam
 * ({@link LoadedModel}), starts the continuous-batching {@link Engine} of {@code mm1j serve} on it, and turns
 * (image bytes, question) into an answer. Everything else in this package sees only {@link #submit},
 * {@link Pending#await} and {@link Outcome}.
 *
 * <p>Thread-safe: Spark tasks call {@link #submit} from their own threads (the image is decoded and prepared there,
 * the prompt rendered and tokenized), the engine's thread decodes every submitted row together.
 */
final class ModelAdapter implements AutoCloseable {
    /** What became of one row: the answer and its generated token count, or an error message. */
    record Outcome(String answer, int tokens, String error, long imageNanos, long answerNanos) {}

    private static final AtomicLong IDS = new AtomicLong();

    private final LoadedModel model;
    private final Engine engine;
    private final EngineConfig config;
    private final ImageEncoder images;
    private final ChatFormat chat;
    private final ImageDecoder decoder;
    private final int maxTokens;

    private ModelAdapter(LoadedModel model, Engine engine, EngineConfig config, long maxPixels, int maxTokens) throws IOException {
        this.model = model;
        this.engine = engine;
        this.config = config;
        this.images = model.requireImages();
        this.chat = model.chat();
        this.decoder = new ImageDecoder(maxPixels);
        this.maxTokens = maxTokens;
    }

    /**
     * Opens {@code folder} on backend {@code backend} (null: the best available) with {@code threads} kernel threads (0: all
     * cores), matmul weights converted to {@code weights} (null: as stored), and starts the engine with
     * {@code parallel} sequences decoded together over a context of {@code context} positions (0: the model's).
     */
    static ModelAdapter open(Path folder, String backend, int threads, String weights, int context, int parallel, int maxTokens, long maxPixels,
                             Duration rowTimeout, Consumer<String> log) throws IOException {
        Mm1Options o = Mm1Options.defaults().threads(threads).weights(weights == null ? null : DType.byName(weights))
            .contextLength(context).maxImagePixels(maxPixels).log(log);
        if (backend != null) o = o.backend(backend);
        LoadedModel model = LoadedModel.open(folder, o);
        try {
            if (!model.takesImages()) throw new Mm1jException(folder + " is a text-only model: mm1j-spark answers questions about images");
            EngineConfig config = new EngineConfig(model.context(), parallel, 1_000_000, EngineConfig.DEFAULT_PREFILL_CHUNK, rowTimeout, Duration.ZERO);
            Engine engine = new Engine(model, config, log);
            try {
                return new ModelAdapter(model, engine, config, maxPixels, maxTokens);
            } catch (IOException | RuntimeException e) {
                engine.close();
                throw e;
            }
        } catch (IOException | RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** One line: the model, backend, context and batch size. */
    String describe() {
        return model.describe() + "; context " + config.context() + ", " + config.parallel() + " sequences decoded together, KV cache "
            + model.kvDtype(config.context(), config.parallel());
    }

    /** A row on its way through the engine. */
    static final class Pending {
        private final Request request; // null: the row failed before it reached the engine
        private final String error;
        private final long imageNanos;
        private final long t0;

        private Pending(Request request, String error, long imageNanos, long t0) {
            this.request = request;
            this.error = error;
            this.imageNanos = imageNanos;
            this.t0 = t0;
        }

        /** Waits for the answer (or the error that ended the row). */
        Outcome await() throws InterruptedException {
            if (request == null) return new Outcome(null, 0, error, imageNanos, 0);
            StringBuilder text = new StringBuilder();
            while (true) {
                switch (request.next(1000)) {
                    case null -> { }
                    case Request.Delta d -> text.append(d.text());
                    case Request.Done d -> {
                        return new Outcome(text.toString(), d.completionTokens(), null, imageNanos, System.nanoTime() - t0);
                    }
                    case Request.Failed f -> {
                        return new Outcome(null, 0, f.error().getMessage(), imageNanos, System.nanoTime() - t0);
                    }
                }
            }
        }

        /** Gives up on the row (the task was killed): the engine drops it at its next step. */
        void cancel() {
            if (request != null) request.cancel();
        }
    }

    /** A row that failed before it reached the model (e.g. its image file could not be read). */
    Pending failed(String error) {
        return new Pending(null, error, 0, System.nanoTime());
    }

    /**
     * Decodes the image (PNG, JPEG, BMP, GIF; {@code name} names it in errors) and prepares it for the encoder,
     * renders the question in the model's chat format with the image, and queues the row. A bad row (no image, an
     * undecodable image, no question, a prompt longer than the context) gives a {@link Pending} that answers with
     * its error at once.
     */
    Pending submit(byte[] image, String name, String question) {
        long t0 = System.nanoTime();
        if (image == null) return new Pending(null, "no image (the image column is null)", 0, t0);
        if (question == null) return new Pending(null, "no question (the question column is null)", 0, t0);
        ImageEncoder.Input input;
        try {
            input = images.prepare(decoder.decode(image, name));
        } catch (Mm1jException e) {
            return new Pending(null, e.getMessage(), System.nanoTime() - t0, t0);
        } catch (RuntimeException e) { // javax.imageio on a corrupt file beyond what the decoder checks
            return new Pending(null, name + ": the image could not be decoded (" + e + ")", System.nanoTime() - t0, t0);
        }
        long imageNanos = System.nanoTime() - t0;
        try {
            int[] ids = chat.promptIds(List.of(new ChatMessage("user", question, 1)));
            int found = ImageSplice.count(ids, images.imageTokenId());
            if (found != 1) {
                throw new Mm1jException("the question holds the image placeholder '" + chat.tokenizer().token(images.imageTokenId()) + "' " + (found - 1)
                    + " time(s): the image comes from the image column, not from the text");
            }
            int[] expanded = ImageSplice.expand(ids, images.imageTokenId(), new int[] {input.rows()});
            if (expanded.length >= config.context()) {
                throw new Mm1jException("the prompt takes " + expanded.length + " positions (the image counts " + input.rows() + "), the context is "
                    + config.context() + ": the question is too long (or raise the context)");
            }
            int max = Math.min(maxTokens, config.context() - expanded.length);
            Request r = new Request("row-" + IDS.incrementAndGet(), expanded, List.of(input), max, SamplingParams.greedy(), List.of(), false,
                chat.spaceBeforeAnswer(), config.timeout().toNanos());
            engine.submit(r);
            return new Pending(r, null, imageNanos, t0);
        } catch (RuntimeException e) {
            input.close();
            return new Pending(null, e.getMessage(), imageNanos, t0);
        }
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }
}
