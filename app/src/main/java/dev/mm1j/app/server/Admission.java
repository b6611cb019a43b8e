package dev.mm1j.app.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Which generation requests the server takes on, decided before it reads their body:
 * <ol>
 *   <li>a place among the requests in flight, {@code --parallel} + {@code --queue} of them, taken before the body
 *       is read and held until the answer is out; none free: 429 at once, so that a full server spends nothing
 *       on a refused request (its body is not read, its JSON not parsed, its images not decoded);</li>
 *   <li>then the JSON parsing, base64 and image decoding and preprocessing of at most {@link #PREPARING} requests
 *       at once ({@link #prepare}), which bounds the memory the decoded images take (a 4096 × 4096 image is
 *       50 MB as RGB bytes, several times that while decoding).</li>
 * </ol>
 * Together with the body limit this bounds the heap the requests take: (parallel + queue) bodies of at most
 * {@code --max-body} bytes, and {@link #PREPARING} requests' parsed JSON and decoded images.
 */
final class Admission {
    /** Requests parsed and their images decoded at once at most. */
    static final int PREPARING = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final int limit;
    private final Semaphore inFlight;
    private final Semaphore preparing = new Semaphore(PREPARING, true);
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
     * Runs {@code work} (parsing, decoding) once one of the {@link #PREPARING} slots is free, waiting at most
     * {@code timeoutNanos}: past that a 503.
     */
    <T> T prepare(long timeoutNanos, Supplier<T> work) throws InterruptedException {
        if (!preparing.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
            throw ApiException.unavailable("The server is busy decoding other requests' images; retry later");
        }
        try {
            return work.get();
        } finally {
            preparing.release();
        }
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
