package dev.mm1j.app.server;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Which generation requests the server takes on, decided before it reads their body:
 * <ol>
 *   <li>a place among the requests in flight, {@code --parallel} + {@code --queue} of them, taken before the body
 *       is read and held until the answer is out; none free: 429 at once, so that a full server spends nothing
 *       on a refused request (its body is not read, its JSON not parsed, its images not decoded);</li>
 *   <li>then the JSON parsing, base64 and image decoding and preprocessing of at most {@link #PREPARING} requests
 *       at once ({@link #prepare}), which bounds the memory the decoded images take (a 4096 × 4096 image is
 *       50 MB as RGB bytes, several times that while decoding). This work runs on {@link #PREPARING} platform
 *       threads of its own, not on the request's virtual thread: a second of image decoding would hold one of the
 *       few carrier threads that every virtual thread shares, and /health would wait behind it.</li>
 * </ol>
 * Together with the body limit this bounds the heap the requests take: (parallel + queue) bodies of at most
 * {@code --max-body} bytes, and {@link #PREPARING} requests' parsed JSON and decoded images.
 */
final class Admission {
    /** Requests parsed and their images decoded at once at most. */
    static final int PREPARING = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final int limit;
    private final Semaphore inFlight;
    private final ExecutorService preparers = Executors.newFixedThreadPool(PREPARING, Thread.ofPlatform().name("mm1j-prepare-", 0).daemon(true).factory());
    private final AtomicLong refused = new AtomicLong();
    private final String why;

    Admission(ServerConfig config) {
        this.limit = config.inFlight();
        this.inFlight = new Semaphore(limit);
        this.why = "The server is busy: " + limit + " requests are in flight (--parallel " + config.parallel() + " sequences and --queue "
            + config.queue() + " waiting); retry later";
    }

    /** A place in flight, released by closing it; a 429 when there is none. */
    Place enter() {
        if (!inFlight.tryAcquire()) {
            refused.incrementAndGet();
            throw new ApiException(429, "rate_limit_error", "queue_full", null, why);
        }
        return new Place();
    }

    /** One request's place in flight. */
    final class Place implements AutoCloseable {
        private boolean released;

        @Override
        public void close() {
            if (released) return;
            released = true;
            inFlight.release();
        }
    }

    /**
     * Runs {@code work} (parsing, decoding) on one of the {@link #PREPARING} preparing threads and returns its
     * result. Waiting for a free thread takes at most {@code timeoutNanos} (then a 503); once started the work is
     * waited for. If the caller is interrupted meanwhile (a limit of the {@link ConnectionGuard}), the result, when
     * it comes, is given to {@code discard} (it may hold images' pixels).
     */
    <T> T prepare(long timeoutNanos, Callable<T> work, Consumer<T> discard) throws InterruptedException {
        Job<T> job = new Job<>(work, discard);
        preparers.execute(job);
        try {
            if (!job.started.await(timeoutNanos, TimeUnit.NANOSECONDS) && job.cancel()) {
                throw ApiException.unavailable("The server is busy decoding other requests' images; retry later");
            }
            job.done.await();
        } catch (InterruptedException e) {
            job.abandon();
            throw e;
        }
        if (job.error instanceof RuntimeException r) throw r;
        if (job.error instanceof Error err) throw err;
        if (job.error != null) throw new IllegalStateException(job.error);
        return job.result;
    }

    /** One piece of preparing work and its outcome. */
    private static final class Job<T> implements Runnable {
        final Callable<T> work;
        final Consumer<T> discard;
        final CountDownLatch started = new CountDownLatch(1), done = new CountDownLatch(1);
        T result;
        Throwable error;
        private boolean cancelled, abandoned, finished;

        Job(Callable<T> work, Consumer<T> discard) {
            this.work = work;
            this.discard = discard;
        }

        @Override
        public void run() {
            synchronized (this) {
                if (cancelled) return;
                started.countDown();
            }
            T r = null;
            try {
                r = work.call();
            } catch (Throwable t) {
                error = t;
            }
            boolean drop;
            synchronized (this) {
                result = r;
                finished = true;
                drop = abandoned && r != null;
            }
            if (drop) discard.accept(r);
            done.countDown();
        }

        /** Cancels the job if it has not started; false if it has. */
        synchronized boolean cancel() {
            if (started.getCount() == 0) return false;
            cancelled = true;
            return true;
        }

        /** The caller went away: the result is discarded, now or when it comes. */
        void abandon() {
            T r;
            synchronized (this) {
                if (cancel()) return;
                abandoned = true;
                r = finished ? result : null;
            }
            if (r != null) discard.accept(r);
        }
    }

    void close() {
        preparers.shutdownNow();
    }

    /** Requests in flight now. */
    int inFlight() {
        return limit - inFlight.availablePermits();
    }

    /** Requests refused with 429 so far. */
    long refused() {
        return refused.get();
    }
}
