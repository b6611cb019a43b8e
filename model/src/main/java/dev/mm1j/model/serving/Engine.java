package dev.mm1j.model.serving;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.MixedBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.vision.RgbImage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The engine loop (continuous batching): one thread owns the model. Callers (the HTTP server's threads, Spark tasks) {@link #submit} requests into
 * a bounded queue; every iteration the loop
 * <ol>
 *   <li>drops the sequences whose client went away or whose time ran out (their KV cache goes back to the pool
 *       at once),</li>
 *   <li>gives free KV caches to waiting requests, oldest first,</li>
 *   <li>encodes waiting images, about {@link EngineConfig#prefillChunk()} positions' worth,</li>
 *   <li>runs one forward ({@link MixedBatch}) over one new row of every generating sequence and up to
 *       {@code prefillChunk} prompt positions of the sequences being admitted, so that a long prompt is cut into
 *       chunks and never stalls the streams already running,</li>
 *   <li>samples each sequence's next token with its own sampler.</li>
 * </ol>
 * A new request joins the batch at the step after its admission; a finished one leaves at once.
 */
public final class Engine implements AutoCloseable {
    private final LoadedModel model;
    private final EngineConfig config;
    private final Consumer<String> log;
    private final ChatFormat chat;
    private final DType kvDtype;
    private final int vocab;

    // the pool: one KV cache per slot, allocated at start
    private final KvCache[] caches;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final MixedBatch batch;

    // requests: waiting (any thread adds), prefilling and decoding (engine thread only)
    private final ConcurrentLinkedQueue<Request> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final ArrayDeque<Sequence> prefilling = new ArrayDeque<>();
    private final List<Sequence> decoding = new ArrayList<>();

    // step scratch: sequence i of a step takes lens[i] rows
    private final KvCache[] stepCaches;
    private final Sequence[] stepSeqs;
    private final int[] stepLens;
    private final int[] stepIds;

    // what /health reports
    private volatile int activeCount;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong tokensGenerated = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong stepNanos = new AtomicLong();
    private final AtomicLong imageNanos = new AtomicLong();

    private final Thread thread;
    private volatile boolean accepting = true;
    private volatile boolean stop;
    private volatile boolean cancelAll;

    /**
     * Starts the engine thread on {@code model} (which the caller keeps open until {@link #close}): allocates the
     * {@code parallel} KV caches in the model's KV policy dtype and warms up for {@code config.warmup()}.
     */
    public Engine(LoadedModel model, EngineConfig config, Consumer<String> log) throws IOException {
        this.model = model;
        this.config = config;
        this.log = log;
        this.chat = model.chat();
        this.kvDtype = model.kvDtype(config.context(), config.parallel());
        this.vocab = model.text().config().vocabSize();
        int n = config.parallel();
        this.caches = new KvCache[n];
        MixedBatch b = null;
        try {
            for (int i = 0; i < n; i++) {
                caches[i] = model.text().newCache(config.context(), kvDtype);
                freeSlots.add(i);
            }
            b = model.text().newMixedBatch(n + config.prefillChunk(), n);
        } catch (RuntimeException | OutOfMemoryError e) {
            for (KvCache c : caches) if (c != null) c.close();
            throw e;
        }
        this.batch = b;
        this.stepCaches = new KvCache[n];
        this.stepSeqs = new Sequence[n];
        this.stepLens = new int[n];
        this.stepIds = new int[n + config.prefillChunk()];
        this.thread = Thread.ofPlatform().name("mm1j-engine").daemon(true).unstarted(this::loop);
        thread.start();
        if (!config.warmup().isZero()) warmup(config.warmup());
    }

    // ================================================================== HTTP threads

    /** Queues a request; refused ({@link EngineException}) when the queue is full or while shutting down. */
    public void submit(Request r) {
        if (!accepting) throw unavailable("The server is shutting down");
        if (waitingCount.incrementAndGet() > config.queue() + freeSlotsEstimate()) {
            waitingCount.decrementAndGet();
            throw new EngineException(EngineException.Kind.QUEUE_FULL, "The server is busy: all sequences are in use and " + config.queue() + " requests are already waiting; retry later");
        }
        enqueue(r);
    }

    private void enqueue(Request r) {
        r.onCancel(this::wake);
        waiting.add(r);
        wake();
    }

    /** Requests allowed to wait beyond the queue: those that a free slot will take at the next iteration. */
    private int freeSlotsEstimate() {
        return Math.max(0, config.parallel() - activeCount);
    }

    private void wake() {
        LockSupport.unpark(thread);
    }

    /** Sequences holding a KV cache (prefilling or generating). */
    public int active() {
        return activeCount;
    }

    /** Requests waiting for a KV cache. */
    public int queued() {
        return Math.max(0, waitingCount.get());
    }

    public long completed() {
        return completed.get();
    }

    public long cancelledCount() {
        return cancelled.get();
    }

    public long failedCount() {
        return failed.get();
    }

    public long tokensGenerated() {
        return tokensGenerated.get();
    }

    /** Forward steps run (each over every generating sequence and some prompt positions). */
    public long steps() {
        return steps.get();
    }

    /** Time in forward steps (sampling included) and in encoding images. */
    public long stepNanos() {
        return stepNanos.get();
    }

    public long imageNanos() {
        return imageNanos.get();
    }

    public boolean accepting() {
        return accepting;
    }

    /**
     * Graceful stop: refuses new requests, fails the queued ones with 503, lets the running ones finish for up to
     * {@code grace}, cancels what is left, and ends the loop.
     */
    public void shutdown(Duration grace) {
        accepting = false;
        wake();
        long end = System.nanoTime() + grace.toNanos();
        while ((activeCount > 0 || waitingCount.get() > 0) && System.nanoTime() < end) {
            LockSupport.parkNanos(10_000_000);
        }
        cancelAll = true;
        stop = true;
        wake();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (thread.isAlive()) shutdown(Duration.ZERO);
        batch.close();
        for (KvCache c : caches) c.close();
    }

    /**
     * Runs dummy requests (a blank image when the model takes images, 16 tokens each, several at once) through the
     * loop for about {@code budget} before the first client, so that the JIT has compiled the kernels (the Vector
     * API is slow and allocates until it has) and the first requests are served at full speed. The counters
     * start from zero afterwards.
     */
    private void warmup(Duration budget) {
        long t0 = System.nanoTime(), end = t0 + budget.toNanos();
        int[] text = chat.tokenizer().encode("Question: What is in the picture?\nAnswer:", true);
        ImageEncoder images = model.images();
        List<ImageEncoder.Input> probe = images == null ? List.of() : List.of(images.prepare(RgbImage.blank(224, 224)));
        int[] ids = new int[text.length + probe.size()];
        if (images != null) ids[0] = images.imageTokenId();
        System.arraycopy(text, 0, ids, probe.size(), text.length);
        int[] expanded = images == null ? ids : ImageSplice.expand(ids, images.imageTokenId(), new int[] {probe.getFirst().rows()});
        probe.forEach(ImageEncoder.Input::close);
        int tokens = Math.min(16, config.context() - expanded.length);
        if (tokens < 1) return; // a context too short for the dummy prompt
        int seqs = Math.min(config.parallel(), 4), rounds = 0;
        try {
            do {
                List<Request> rs = new ArrayList<>();
                for (int i = 0; i < seqs; i++) {
                    List<ImageEncoder.Input> px = images == null ? List.of() : List.of(images.prepare(RgbImage.blank(224, 224)));
                    Request r = new Request("warmup", expanded, px, tokens, SamplingParams.greedy(), List.of(), true, false, config.timeout().toNanos());
                    waitingCount.incrementAndGet();
                    enqueue(r);
                    rs.add(r);
                }
                for (Request r : rs) {
                    for (Request.Event e; !((e = r.next(60_000)) instanceof Request.Done); ) {
                        if (e == null || e instanceof Request.Failed) throw new Mm1jException("warm-up failed: " + (e == null ? "no answer in 60 s" : ((Request.Failed) e).error().getMessage()));
                    }
                }
                rounds++;
            } while (System.nanoTime() < end && rounds < 50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        completed.set(0);
        tokensGenerated.set(0);
        steps.set(0);
        stepNanos.set(0);
        imageNanos.set(0);
        log.accept(String.format(java.util.Locale.ROOT, "warmed up in %.1f s (%d rounds of %d dummy requests)", (System.nanoTime() - t0) / 1e9, rounds, seqs));
    }

    // ================================================================== the engine thread

    private void loop() {
        while (true) {
            try {
                reap();
                if (stop && prefilling.isEmpty() && decoding.isEmpty()) break;
                admit();
                boolean worked = encodeImages();
                worked |= step();
                if (!worked) LockSupport.parkNanos(50_000_000);
            } catch (Throwable t) {
                // a bug or an exhausted resource: fail what is running, keep serving
                log.accept("engine error: " + t);
                failRunning(new EngineException(EngineException.Kind.INTERNAL, "The engine failed: " + t.getMessage()));
                if (t instanceof Error e && !(t instanceof OutOfMemoryError)) throw e;
            }
        }
        for (Request r; (r = waiting.poll()) != null; ) endWaiting(r, unavailable("The server is shutting down"));
    }

    private void reap() {
        long now = System.nanoTime();
        for (Iterator<Request> it = waiting.iterator(); it.hasNext(); ) {
            Request r = it.next();
            EngineException why = r.cancelled() ? null
                : !accepting ? unavailable("The server is shutting down")
                : r.timedOut(now) ? unavailable("The request waited longer than the timeout of " + config.timeout().toSeconds()
                    + " s for a free sequence; the server is busy, retry later") : null;
            if (r.cancelled() || why != null) {
                it.remove();
                endWaiting(r, why);
            }
        }
        for (Iterator<Sequence> it = prefilling.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (dropIfDone(s, now)) it.remove();
        }
        for (Iterator<Sequence> it = decoding.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (dropIfDone(s, now)) it.remove();
        }
    }
    private void endWaiting(Request r, EngineException why) {
        waitingCount.decrementAndGet();
        r.release();
        if (why == null) {
            cancelled.incrementAndGet();
        } else {
            failed.incrementAndGet();
            r.emit(new Request.Failed(why));
        }
    }
    private boolean dropIfDone(Sequence s, long now) {
        if (s.request.cancelled()) {
            cancelled.incrementAndGet();
            free(s);
            return true;
        }
        if (cancelAll) {
            fail(s, unavailable("The server shut down before the answer was complete"));
            return true;
        }
        if (s.request.timedOut(now)) {
            fail(s, new EngineException(EngineException.Kind.TIMEOUT, "The request ran past the timeout of " + config.timeout().toSeconds() + " s"));
            return true;
        }
        return false;
    }

    /** Gives free KV caches to waiting requests, oldest first. */
    private void admit() {
        while (accepting && !freeSlots.isEmpty()) {
            Request r = waiting.poll();
            if (r == null) return;
            waitingCount.decrementAndGet();
            int slot = freeSlots.poll();
            KvCache cache = caches[slot];
            cache.reset();
            Sequence s = new Sequence(r, slot, cache, vocab, chat);
            activeCount++;
            try {
                s.prefill = new Prefill(model.text(), r.expanded, r.images);
            } catch (RuntimeException e) {
                fail(s, asEngineError(e));
                continue;
            }
            prefilling.add(s);
        }
    }

    /**
     * Encodes waiting images as one batch, oldest request first, about {@code prefillChunk} positions' worth (at
     * least one image).
     */
    private boolean encodeImages() {
        ImageEncoder images = model.images();
        if (images == null || prefilling.isEmpty()) return false;
        // the next images of the waiting prompts, oldest first, about prefillChunk positions' worth (at least one)
        List<ImageEncoder.Input> batch = new ArrayList<>();
        List<Sequence> owners = new ArrayList<>();
        long positions = 0;
        for (Sequence s : prefilling) {
            for (ImageEncoder.Input in : s.prefill.pendingImages()) {
                if (!batch.isEmpty() && positions + in.rows() > config.prefillChunk()) break;
                batch.add(in);
                owners.add(s);
                positions += in.rows();
            }
        }
        if (batch.isEmpty()) return false;
        long t0 = System.nanoTime();
        try (ImageEncoder.Encoded e = images.encode(batch)) {
            long row = 0;
            for (int i = 0; i < batch.size(); i++) {
                int k = batch.get(i).rows();
                owners.get(i).prefill.store(e.rows().slice(0, row, row + k));
                row += k;
            }
        } catch (RuntimeException e) {
            // the batch failed as a whole: fail its requests
            for (Sequence s : new java.util.LinkedHashSet<>(owners)) {
                prefilling.remove(s);
                fail(s, asEngineError(e));
            }
        }
        imageNanos.addAndGet(System.nanoTime() - t0);
        return true;
    }

    /**
     * One forward: a row for every generating sequence (its last token) and up to {@code prefillChunk} prompt
     * positions of the sequences whose images are encoded, oldest first; then each sequence samples its next token
     * (a prompt's first token once its last position is in).
     */
    private boolean step() {
        int n = 0, rows = 0;
        for (Sequence s : decoding) {
            stepSeqs[n] = s;
            stepCaches[n] = s.cache;
            stepLens[n++] = 1;
            stepIds[rows++] = s.pending;
        }
        int budget = config.prefillChunk();
        for (Sequence s : prefilling) {
            if (budget == 0 || n == stepSeqs.length) break;
            if (!s.prefill.imagesDone()) continue;
            int take = Math.min(budget, s.prefill.remaining());
            stepSeqs[n] = s;
            stepCaches[n] = s.cache;
            stepLens[n++] = take;
            rows += take;
            budget -= take;
        }
        if (n == 0) return false;
        long t0 = System.nanoTime();
        // the input rows: token embeddings of the decode rows at once, then each prompt chunk
        int nd = decoding.size();
        try {
            if (nd > 0) model.text().embed(batch.input(0, nd), java.util.Arrays.copyOf(stepIds, nd));
            for (int i = nd, row = nd; i < n; row += stepLens[i++]) stepSeqs[i].prefill.fill(batch.input(row, stepLens[i]), stepLens[i], stepIds, row);
            batch.step(stepCaches, stepLens, n, stepIds);
        } catch (RuntimeException e) {
            // a failed step leaves every sequence in it unusable: fail them
            for (int i = 0; i < n; i++) {
                Sequence s = stepSeqs[i];
                decoding.remove(s);
                prefilling.remove(s);
                fail(s, asEngineError(e));
            }
            clearStep(n);
            return true;
        }
        float[] logits = batch.copyLogitsToHost(n);
        steps.incrementAndGet();
        decoding.clear();
        for (int i = 0; i < n; i++) {
            Sequence s = stepSeqs[i];
            if (i >= nd) {
                if (s.prefill.remaining() > 0) continue; // more prompt to come: these logits are not needed
                prefilling.remove(s);
                s.prefill.close();
                s.prefill = null;
                s.request.release();
            }
            int id = s.sampler.sample(logits, i * vocab);
            tokensGenerated.incrementAndGet();
            if (s.accept(id)) decoding.add(s);
            else finished(s);
        }
        clearStep(n);
        stepNanos.addAndGet(System.nanoTime() - t0);
        return true;
    }

    private void clearStep(int n) {
        for (int i = 0; i < n; i++) {
            stepSeqs[i] = null;
            stepCaches[i] = null;
        }
    }

    private void finished(Sequence s) {
        completed.incrementAndGet();
        free(s);
    }

    private void fail(Sequence s, EngineException e) {
        failed.incrementAndGet();
        s.request.emit(new Request.Failed(e));
        free(s);
    }

    /** Returns the sequence's KV cache to the pool and releases what its request holds. */
    private void free(Sequence s) {
        if (s.prefill != null) s.prefill.close();
        s.prefill = null;
        s.request.release();
        s.cache.reset();
        freeSlots.add(s.slot);
        activeCount--;
    }

    private void failRunning(EngineException e) {
        for (Sequence s : prefilling) fail(s, e);
        for (Sequence s : decoding) fail(s, e);
        prefilling.clear();
        decoding.clear();
    }

    /** Model errors that reach the engine: invalid input slipped past validation, or a bug. */
    private static EngineException asEngineError(RuntimeException e) {
        if (e instanceof EngineException a) return a;
        if (e instanceof Mm1jException) return new EngineException(EngineException.Kind.BAD_INPUT, e.getMessage());
        return new EngineException(EngineException.Kind.INTERNAL, e.toString());
    }

    private static EngineException unavailable(String why) {
        return new EngineException(EngineException.Kind.UNAVAILABLE, why);
    }

    /** The model it serves. */
    public LoadedModel model() {
        return model;
    }

    /** The dtype of its KV caches. */
    public DType kvDtype() {
        return kvDtype;
    }
}
