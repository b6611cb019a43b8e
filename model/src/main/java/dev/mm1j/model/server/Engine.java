package dev.mm1j.model.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.MixedBatch;
import dev.mm1j.model.text.KvCache;
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
 * The engine loop (continuous batching): one thread owns the model. HTTP threads {@link #submit} requests into
 * a bounded queue; every iteration the loop
 * <ol>
 *   <li>drops the sequences whose client went away or whose time ran out (their KV cache goes back to the pool
 *       at once),</li>
 *   <li>gives free KV caches to waiting requests, oldest first,</li>
 *   <li>encodes waiting images, about {@link ServerConfig#prefillChunk()} positions' worth,</li>
 *   <li>runs one forward ({@link MixedBatch}) over one new row of every generating sequence and up to
 *       {@code prefillChunk} prompt positions of the sequences being admitted, so that a long prompt is cut into
 *       chunks and never stalls the streams already running,</li>
 *   <li>samples each sequence's next token with its own sampler.</li>
 * </ol>
 * A new request joins the batch at the step after its admission; a finished one leaves at once.
 */
final class Engine implements AutoCloseable {
    private final ServedModel model;
    private final ServerConfig config;
    private final Consumer<String> log;
    private final int[] stopTokens;
    private final int vocab;

    // the pool: one KV cache per slot, allocated at start
    private final KvCache[] caches;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final MixedBatch batch;

    // requests: waiting (any thread adds), prefilling and decoding (engine thread only)
    private final ConcurrentLinkedQueue<GenRequest> waiting = new ConcurrentLinkedQueue<>();
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

    Engine(ServedModel model, ServerConfig config, Consumer<String> log) {
        this.model = model;
        this.config = config;
        this.log = log;
        this.stopTokens = model.stopTokens();
        this.vocab = model.vocabSize();
        int n = config.parallel();
        this.caches = new KvCache[n];
        MixedBatch b = null;
        try {
            for (int i = 0; i < n; i++) {
                caches[i] = model.text().newCache(config.context(), model.kvDtype());
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

    /** Queues a request; refused with 429 when the queue is full and 503 while shutting down. */
    void submit(GenRequest r) {
        if (!accepting) throw ApiException.unavailable("The server is shutting down");
        if (waitingCount.incrementAndGet() > config.queue() + freeSlotsEstimate()) {
            waitingCount.decrementAndGet();
            throw ApiException.queueFull(config.queue());
        }
        enqueue(r);
    }

    private void enqueue(GenRequest r) {
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
    int active() {
        return activeCount;
    }

    /** Requests waiting for a KV cache. */
    int queued() {
        return Math.max(0, waitingCount.get());
    }

    long completed() {
        return completed.get();
    }

    long cancelledCount() {
        return cancelled.get();
    }

    long failedCount() {
        return failed.get();
    }

    long tokensGenerated() {
        return tokensGenerated.get();
    }

    /** Forward steps run (each over every generating sequence and some prompt positions). */
    long steps() {
        return steps.get();
    }

    /** Time in forward steps (sampling included) and in encoding images. */
    long stepNanos() {
        return stepNanos.get();
    }

    long imageNanos() {
        return imageNanos.get();
    }

    boolean accepting() {
        return accepting;
    }

    /**
     * Graceful stop: refuses new requests, fails the queued ones with 503, lets the running ones finish for up to
     * {@code grace}, cancels what is left, and ends the loop.
     */
    void shutdown(Duration grace) {
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
        int[] text = model.tokenizer().encode("Question: What is in the picture?\nAnswer:", true);
        var pre = model.preprocessor(1);
        int images = pre == null ? 0 : 1;
        int[] ids = new int[text.length + images];
        if (images == 1) ids[0] = model.imageTokenId();
        System.arraycopy(text, 0, ids, images, text.length);
        int positions = ids.length + images * Math.max(0, model.positionsPerImage() - 1);
        int tokens = Math.min(16, config.context() - positions);
        if (tokens < 1) return; // a context too short for the dummy prompt
        int seqs = Math.min(config.parallel(), 4), rounds = 0;
        try {
            do {
                List<GenRequest> rs = new ArrayList<>();
                for (int i = 0; i < seqs; i++) {
                    List<Tensor> px = images == 0 ? List.of() : List.of(Tensor.allocateHost(DType.F32, pre.imagesPerInput(), 3, pre.imageSize(), pre.imageSize()));
                    GenRequest r = new GenRequest("warmup", ids, positions, px, tokens, SamplingParams.greedy(), List.of(), true, false, config.timeout().toNanos());
                    waitingCount.incrementAndGet();
                    enqueue(r);
                    rs.add(r);
                }
                for (GenRequest r : rs) {
                    for (GenRequest.Event e; !((e = r.next(60_000)) instanceof GenRequest.Done); ) {
                        if (e == null || e instanceof GenRequest.Failed) throw new Mm1jException("warm-up failed: " + (e == null ? "no answer in 60 s" : ((GenRequest.Failed) e).error().getMessage()));
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
                failRunning(ApiException.internal("The engine failed: " + t.getMessage()));
                if (t instanceof Error e && !(t instanceof OutOfMemoryError)) throw e;
            }
        }
        for (GenRequest r; (r = waiting.poll()) != null; ) endWaiting(r, ApiException.unavailable("The server is shutting down"));
    }

    private void reap() {
        long now = System.nanoTime();
        for (Iterator<GenRequest> it = waiting.iterator(); it.hasNext(); ) {
            GenRequest r = it.next();
            ApiException why = r.cancelled() ? null
                : !accepting ? ApiException.unavailable("The server is shutting down")
                : r.timedOut(now) ? ApiException.unavailable("The request waited longer than the timeout of " + config.timeout().toSeconds()
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
    private void endWaiting(GenRequest r, ApiException why) {
        waitingCount.decrementAndGet();
        r.release();
        if (why == null) {
            cancelled.incrementAndGet();
        } else {
            failed.incrementAndGet();
            r.emit(new GenRequest.Failed(why));
        }
    }
    private boolean dropIfDone(Sequence s, long now) {
        if (s.request.cancelled()) {
            cancelled.incrementAndGet();
            free(s);
            return true;
        }
        if (cancelAll) {
            fail(s, ApiException.unavailable("The server shut down before the answer was complete"));
            return true;
        }
        if (s.request.timedOut(now)) {
            fail(s, ApiException.timeout("The request ran past the timeout of " + config.timeout().toSeconds() + " s"));
            return true;
        }
        return false;
    }

    /** Gives free KV caches to waiting requests, oldest first. */
    private void admit() {
        while (accepting && !freeSlots.isEmpty()) {
            GenRequest r = waiting.poll();
            if (r == null) return;
            waitingCount.decrementAndGet();
            int slot = freeSlots.poll();
            KvCache cache = caches[slot];
            cache.reset();
            Sequence s = new Sequence(r, slot, cache, vocab, model.tokenizer(), stopTokens);
            activeCount++;
            try {
                s.prefill = model.prefill(r.ids, r.pixels);
            } catch (RuntimeException e) {
                fail(s, asApiError(e));
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
        if (model.positionsPerImage() == 0 || prefilling.isEmpty()) return false;
        List<ServedModel.PrefillJob> jobs = new ArrayList<>();
        List<Sequence> owners = new ArrayList<>();
        for (Sequence s : prefilling) {
            if (!s.prefill.imagesDone()) {
                jobs.add(s.prefill);
                owners.add(s);
            }
        }
        if (jobs.isEmpty()) return false;
        long t0 = System.nanoTime();
        try {
            model.encode(jobs, Math.max(1, config.prefillChunk() / model.positionsPerImage()));
        } catch (RuntimeException e) {
            // the batch failed as a whole: fail its requests
            for (Sequence s : owners) {
                prefilling.remove(s);
                fail(s, asApiError(e));
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
                fail(s, asApiError(e));
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

    private void fail(Sequence s, ApiException e) {
        failed.incrementAndGet();
        s.request.emit(new GenRequest.Failed(e));
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

    private void failRunning(ApiException e) {
        for (Sequence s : prefilling) fail(s, e);
        for (Sequence s : decoding) fail(s, e);
        prefilling.clear();
        decoding.clear();
    }

    /** Model errors that reach the engine: invalid input slipped past validation (400) or a bug (500). */
    private static ApiException asApiError(RuntimeException e) {
        if (e instanceof ApiException a) return a;
        if (e instanceof Mm1jException) return ApiException.badRequest(null, e.getMessage());
        return ApiException.internal(e.toString());
    }
}
