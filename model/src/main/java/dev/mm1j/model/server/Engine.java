package dev.mm1j.model.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.text.DecodeBatch;
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
 *   <li>runs about {@link ServerConfig#prefillChunk()} positions of prompt work (images, then text chunks), so
 *       that a long prompt never stalls the streams already running,</li>
 *   <li>runs one decode step for every sequence that is generating, as one batch, and samples each sequence's
 *       next token with its own sampler.</li>
 * </ol>
 * A new request joins the batch at the step after its prompt is in; a finished one leaves at once.
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
    private final DecodeBatch batch;

    // requests: waiting (any thread adds), prefilling and decoding (engine thread only)
    private final ConcurrentLinkedQueue<GenRequest> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final ArrayDeque<Sequence> prefilling = new ArrayDeque<>();
    private final List<Sequence> decoding = new ArrayList<>();

    // decode-step scratch
    private final KvCache[] stepCaches;
    private final int[] stepTokens;
    private final Sequence[] stepSeqs;

    // what /health reports
    private volatile int activeCount;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong tokensGenerated = new AtomicLong();
    private final AtomicLong decodeSteps = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private final AtomicLong prefillNanos = new AtomicLong();

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
        try {
            for (int i = 0; i < n; i++) {
                caches[i] = model.newCache(config.context());
                freeSlots.add(i);
            }
            this.batch = model.newDecodeBatch(n);
        } catch (RuntimeException | OutOfMemoryError e) {
            for (KvCache c : caches) if (c != null) c.close();
            throw e;
        }
        this.stepCaches = new KvCache[n];
        this.stepTokens = new int[n];
        this.stepSeqs = new Sequence[n];
        if (!config.warmup().isZero()) warmup(config.warmup());
        this.thread = Thread.ofPlatform().name("mm1j-engine").daemon(true).unstarted(this::loop);
        thread.start();
    }

    // ================================================================== HTTP threads

    /** Queues a request; refused with 429 when the queue is full and 503 while shutting down. */
    void submit(GenRequest r) {
        if (!accepting) throw ApiException.unavailable("The server is shutting down");
        if (waitingCount.incrementAndGet() > config.queue() + freeSlotsEstimate()) {
            waitingCount.decrementAndGet();
            throw ApiException.queueFull(config.queue());
        }
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

    long decodeSteps() {
        return decodeSteps.get();
    }

    /** Time the engine spent in decode steps (sampling included) and in prompt work (images, prefill chunks). */
    long decodeNanos() {
        return decodeNanos.get();
    }

    long prefillNanos() {
        return prefillNanos.get();
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

    // ================================================================== the engine thread

    /**
     * Runs the model on a dummy prompt (with a blank image when the model takes images) for about {@code budget},
     * before the first client: prefills, then batched decode steps over several caches, so that the JIT has
     * compiled the kernels (the Vector API is slow and allocates until it has) and the first requests are served
     * at full speed.
     */
    private void warmup(Duration budget) {
        long t0 = System.nanoTime(), end = t0 + budget.toNanos();
        int[] ids = model.tokenizer().encode("Question: What is in the picture? Answer:", true);
        var pre = model.preprocessor(1);
        int images = pre == null ? 0 : 1;
        if (images == 1) {
            int[] withImage = new int[ids.length + 1];
            withImage[0] = model.imageTokenId();
            System.arraycopy(ids, 0, withImage, 1, ids.length);
            ids = withImage;
        }
        int seqs = Math.min(caches.length, 4), rounds = 0;
        int steps = Math.min(16, config.context() - ids.length - images * model.positionsPerImage());
        if (steps < 1) return; // a context too short for the dummy prompt
        try {
            do {
                for (int i = 0; i < seqs; i++) {
                    caches[i].reset();
                    java.util.List<dev.mm1j.core.Tensor> px = images == 0 ? java.util.List.of()
                        : java.util.List.of(dev.mm1j.core.Tensor.allocateHost(dev.mm1j.core.DType.F32, pre.imagesPerInput(), 3, pre.imageSize(), pre.imageSize()));
                    try (ServedModel.PrefillJob job = model.prefill(caches[i], ids, px)) {
                        while (!job.done()) job.step(config.prefillChunk());
                    } finally {
                        for (var t : px) t.close();
                    }
                    stepCaches[i] = caches[i];
                    stepTokens[i] = ids[ids.length - 1];
                }
                for (int k = 0; k < steps; k++) {
                    batch.step(stepCaches, stepTokens, seqs);
                    batch.copyLogitsToHost(seqs);
                }
                rounds++;
            } while (System.nanoTime() < end && rounds < 50);
        } finally {
            for (int i = 0; i < caches.length; i++) {
                caches[i].reset();
                stepCaches[i] = null;
            }
        }
        log.accept(String.format(java.util.Locale.ROOT, "warmed up in %.1f s (%d rounds of %d prompts and %d batched steps)",
            (System.nanoTime() - t0) / 1e9, rounds, seqs, steps));
    }

    private void loop() {
        while (true) {
            try {
                reap();
                if (stop && prefilling.isEmpty() && decoding.isEmpty()) break;
                admit();
                boolean worked = prefillStep();
                worked |= decodeStep();
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

    /** Drops cancelled and timed-out requests, wherever they are. */
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
                s.prefill = model.prefill(cache, r.ids, r.pixels);
            } catch (RuntimeException e) {
                fail(s, asApiError(e));
                continue;
            }
            prefilling.add(s);
        }
    }

    /** About {@code prefillChunk} positions of prompt work, oldest request first. */
    private boolean prefillStep() {
        int budget = config.prefillChunk();
        boolean worked = false;
        long t0 = System.nanoTime();
        while (budget > 0 && !prefilling.isEmpty()) {
            Sequence s = prefilling.peek();
            worked = true;
            try {
                budget -= s.prefill.step(budget);
                if (!s.prefill.done()) continue;
                prefilling.poll();
                float[] logits = s.prefill.logits();
                s.prefill.close();
                s.prefill = null;
                s.request.release();
                int id = s.sampler.sample(logits, 0);
                tokensGenerated.incrementAndGet();
                if (s.accept(id)) decoding.add(s);
                else finished(s);
            } catch (RuntimeException e) {
                prefilling.poll();
                fail(s, asApiError(e));
            }
        }
        if (worked) prefillNanos.addAndGet(System.nanoTime() - t0);
        return worked;
    }

    /** One token for every generating sequence, in one batch. */
    private boolean decodeStep() {
        int n = decoding.size();
        if (n == 0) return false;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Sequence s = decoding.get(i);
            stepSeqs[i] = s;
            stepCaches[i] = s.cache;
            stepTokens[i] = s.pending;
        }
        batch.step(stepCaches, stepTokens, n);
        float[] logits = batch.copyLogitsToHost(n);
        decodeSteps.incrementAndGet();
        tokensGenerated.addAndGet(n);
        decoding.clear();
        for (int i = 0; i < n; i++) {
            Sequence s = stepSeqs[i];
            stepSeqs[i] = null;
            stepCaches[i] = null;
            int id = s.sampler.sample(logits, i * vocab);
            if (s.accept(id)) decoding.add(s);
            else finished(s);
        }
        decodeNanos.addAndGet(System.nanoTime() - t0);
        return true;
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
