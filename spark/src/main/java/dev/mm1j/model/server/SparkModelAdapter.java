package dev.mm1j.model.server;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Backends;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.tokenizer.Tokenizer;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.ImagePreprocessor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place where the Spark module touches the model library: opens a checkpoint, starts the server's
 * continuous-batching engine on it, and turns (image bytes, question) into an answer. Everything else in
 * {@code dev.mm1j.spark} sees only {@link #submit}, {@link Pending#await} and {@link Outcome}.
 *
 * <p>It sits in the server's package because the engine ({@code Engine}, {@code GenRequest}) has no public API
 * yet; when the loading seam and the engine's public API land (issue 13) this class moves to
 * {@code dev.mm1j.spark} and calls them instead.
 *
 * <p>Thread-safe: Spark tasks call {@link #submit} from their own threads (the image is decoded and preprocessed
 * there, the prompt rendered and tokenized), the engine's thread decodes every submitted row together.
 */
public final class SparkModelAdapter implements AutoCloseable {
    /** What became of one row: the answer and its generated token count, or an error message. */
    public record Outcome(String answer, int tokens, String error, long imageNanos, long answerNanos) {}

    private static final AtomicLong IDS = new AtomicLong();

    private final Backend backend;
    private final ServedModel model;
    private final Engine engine;
    private final ServerConfig config;
    private final ImagePreprocessor preprocessor;
    private final ImageDecoder decoder;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int maxTokens;
    private final long rowTimeoutNanos;

    private SparkModelAdapter(Backend backend, ServedModel model, Engine engine, ServerConfig config, long maxPixels, int maxTokens, Duration rowTimeout) {
        this.backend = backend;
        this.model = model;
        this.engine = engine;
        this.config = config;
        this.decoder = new ImageDecoder(maxPixels);
        this.preprocessor = model.preprocessor(maxPixels);
        this.tokenizer = model.tokenizer();
        this.template = model.template();
        this.maxTokens = maxTokens;
        this.rowTimeoutNanos = rowTimeout.toNanos();
    }

    /**
     * Opens {@code folder} on backend {@code backendName} (null: the default) with {@code threads} kernel threads
     * (0: all cores), matmul weights converted to {@code weights} (null: as stored), and starts the engine with
     * {@code parallel} sequences decoded together over a context of {@code context} positions (0: the model's,
     * at most 4096).
     */
    public static SparkModelAdapter open(Path folder, String backendName, int threads, String weights, int context, int parallel,
                                         int maxTokens, long maxPixels, Duration rowTimeout, Consumer<String> log) throws IOException {
        Backend backend = Backends.create(backendName, BackendOptions.threads(threads));
        ServedModel model = null;
        try {
            Ops ops = new Ops(backend, backend instanceof ReferenceBackend ? null : new ReferenceBackend());
            DType w = weights == null ? null : DType.byName(weights);
            // the KV dtype is chosen once the context is known; open with F32 and reopen never: F32 unless the caches are large
            model = ServedModels.open(folder, w, ops, DType.F32, null, log);
            if (model.imageTokenId() < 0) throw new Mm1jException(folder + " is a text-only model: mm1j-spark answers questions about images");
            int ctx = context > 0 ? context : Math.min(model.defaultContext(), 4096);
            DType kv = kvDtype(backend, model, ctx, parallel);
            if (kv != DType.F32) {
                model.close();
                model = null;
                model = ServedModels.open(folder, w, ops, kv, null, log);
            }
            ServerConfig config = ServerConfig.defaults("mm1j-spark", ctx)
                .withLimits(parallel, 1_000_000, ServerConfig.DEFAULT_MAX_BODY, 1, maxPixels, rowTimeout)
                .withWarmup(Duration.ZERO);
            Engine engine = new Engine(model, config, log);
            return new SparkModelAdapter(backend, model, engine, config, maxPixels, maxTokens, rowTimeout);
        } catch (IOException | RuntimeException | Error e) {
            if (model != null) model.close();
            backend.close();
            throw e;
        }
    }

    /**
     * F32 while every sequence's cache together takes at most 256 MiB in F32 (exact, as {@code mm1j run} and
     * {@code mm1j serve} do for small models), else F16 where the backend computes attention on it.
     */
    private static DType kvDtype(Backend b, ServedModel m, int ctx, int parallel) {
        if (KvCache.bytes(m.text().config(), ctx, DType.F32) * parallel <= 256L << 20) return DType.F32;
        return b.supportsOp(Op.ATTENTION, DType.F16) && b.supportsOp(Op.SET_ROWS, DType.F16) && !(b instanceof ReferenceBackend) ? DType.F16 : DType.F32;
    }

    /** One line: the architecture, backend, context and batch size. */
    public String describe() {
        return model.describe() + "; backend " + backend.description() + "; context " + config.context() + ", " + config.parallel()
            + " sequences decoded together, KV cache " + model.kvDtype();
    }

    /** A row on its way through the engine. */
    public static final class Pending {
        private final GenRequest request; // null: the row failed before it reached the engine
        private final String error;
        private final long imageNanos;
        private final long t0;

        private Pending(GenRequest request, String error, long imageNanos, long t0) {
            this.request = request;
            this.error = error;
            this.imageNanos = imageNanos;
            this.t0 = t0;
        }

        /** Waits for the answer (or the error that ended the row). */
        public Outcome await() throws InterruptedException {
            if (request == null) return new Outcome(null, 0, error, imageNanos, 0);
            StringBuilder text = new StringBuilder();
            while (true) {
                GenRequest.Event e = request.next(1000);
                switch (e) {
                    case null -> { }
                    case GenRequest.Delta d -> text.append(d.text());
                    case GenRequest.Done d -> {
                        return new Outcome(text.toString(), d.completionTokens(), null, imageNanos, System.nanoTime() - t0);
                    }
                    case GenRequest.Failed f -> {
                        return new Outcome(null, 0, f.error().getMessage(), imageNanos, System.nanoTime() - t0);
                    }
                }
            }
        }

        /** Gives up on the row (the task was killed): the engine drops it at its next step. */
        public void cancel() {
            if (request != null) request.cancel();
        }
    }

    /** A row that failed before it reached the model (e.g. its image file could not be read). */
    public Pending failed(String error) {
        return new Pending(null, error, 0, System.nanoTime());
    }

    /**
     * Decodes and preprocesses the image (PNG, JPEG, BMP, GIF; {@code name} names it in errors), renders the question
     * in the model's chat format with the image, and queues the row. A bad row (no image, an undecodable image, no
     * question, a prompt longer than the context) gives a {@link Pending} that answers with its error at once.
     */
    public Pending submit(byte[] image, String name, String question) {
        long t0 = System.nanoTime();
        if (image == null) return new Pending(null, "no image (the image column is null)", 0, t0);
        if (question == null) return new Pending(null, "no question (the question column is null)", 0, t0);
        Tensor pixels;
        try {
            pixels = preprocessor.normalise(preprocessor.views(decoder.decode(image, name)));
        } catch (Mm1jException e) {
            return new Pending(null, e.getMessage(), System.nanoTime() - t0, t0);
        } catch (RuntimeException e) { // javax.imageio on a corrupt file beyond what the decoder checks
            return new Pending(null, name + ": the image could not be decoded (" + e + ")", System.nanoTime() - t0, t0);
        }
        long imageNanos = System.nanoTime() - t0;
        try {
            String bos = tokenizer.bosId() >= 0 ? tokenizer.token(tokenizer.bosId()) : null;
            String eos = tokenizer.eosId() >= 0 ? tokenizer.token(tokenizer.eosId()) : null;
            String rendered = template.render(List.of(new ChatMessage("user", question, 1)), true, bos, eos, model.defaultSystemPrompt());
            int[] ids = tokenizer.encode(rendered, template == ChatTemplate.RAW);
            int found = 0;
            for (int id : ids) if (id == model.imageTokenId()) found++;
            if (found != 1) {
                throw new Mm1jException("the question holds the image placeholder '" + tokenizer.token(model.imageTokenId()) + "' " + (found - 1)
                    + " time(s): the image comes from the image column, not from the text");
            }
            int positions = ids.length + model.positionsPerImage() - 1;
            if (positions >= config.context()) {
                throw new Mm1jException("the prompt takes " + positions + " positions (the image counts " + model.positionsPerImage()
                    + "), the context is " + config.context() + ": the question is too long (or raise the context)");
            }
            int max = Math.min(maxTokens, config.context() - positions);
            GenRequest r = new GenRequest("row-" + IDS.incrementAndGet(), ids, positions, List.of(pixels), max, SamplingParams.greedy(), List.of(),
                false, template == ChatTemplate.MM1, rowTimeoutNanos);
            engine.submit(r);
            return new Pending(r, null, imageNanos, t0);
        } catch (RuntimeException e) {
            pixels.close();
            return new Pending(null, e.getMessage(), imageNanos, t0);
        }
    }

    @Override
    public void close() {
        engine.close();
        model.close();
        backend.close();
    }
}
