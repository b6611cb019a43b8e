package dev.mm1j.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's thread pool: {@code threads − 1} daemon workers plus the calling thread, which always
 * takes part. A job is an index range cut into chunks that threads claim one at a time (so a core stolen by
 * another process slows the job down instead of stalling it). Small jobs (one chunk) run inline on the
 * caller without waking anyone. Running a job allocates nothing: bodies are reusable objects, the job state
 * lives in fields, and workers spin briefly before parking so that back-to-back decode ops start fast.
 *
 * <p>One job runs at a time; concurrent callers queue on a lock.
 */
public final class Parallel implements AutoCloseable {

    /** Work over the index range {@code [from, to)}, run by thread number {@code worker} (0 = the caller). */
    @FunctionalInterface
    public interface Body {
        void run(int worker, int from, int to);
    }

    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers;
    private final Object lock = new Object();

    // the current job: written by the caller before `cursor` and `epoch` publish it
    private Body body;
    private int n;
    private int chunk;
    private int chunks;
    /** (epoch << 32) | chunks not yet claimed: a claim only succeeds for the job the claimer saw. */
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile int epoch;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** @param threads total threads including the caller (at least 1) */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** Threads a job may use, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code minChunk} indices (a multiple of
     * {@code align} except the last), on all threads; returns when every chunk is done.
     */
    public void run(Body body, int n, int minChunk, int align) {
        if (n <= 0) return;
        int a = Math.max(1, align);
        int target = Math.max(minChunk, ceilDiv(n, threads * 4));
        int size = Math.max(a, ceilDiv(target, a) * a);
        int count = ceilDiv(n, size);
        if (count <= 1 || workers.length == 0) {
            body.run(0, 0, n);
            return;
        }
        synchronized (lock) {
            if (closed) throw new IllegalStateException("the CPU backend's thread pool is closed");
            this.body = body;
            this.n = n;
            this.chunk = size;
            this.chunks = count;
            this.failure = null;
            done.set(0);
            int e = epoch + 1;
            cursor.set(((long) e << 32) | count);
            epoch = e;
            for (Worker w : workers) {
                if (w.sleeping) LockSupport.unpark(w.thread);
            }
            work(0, e);
            int spins = 0;
            while (done.get() < count) {
                if (++spins < 20_000) Thread.onSpinWait();
                else Thread.yield();
            }
            this.body = null;
            Throwable t = failure;
            if (t != null) {
                if (t instanceof RuntimeException r) throw r;
                if (t instanceof Error err) throw err;
                throw new IllegalStateException(t);
            }
        }
    }

    /** Runs {@code body} over {@code [0, n)}, one index per chunk at least. */
    public void run(Body body, int n) {
        run(body, n, 1, 1);
    }

    /**
     * Claims and runs chunks of job {@code e} until none are left. The job's fields are read only after a
     * claim succeeded: a claimed chunk keeps the job from finishing, so the caller cannot be publishing the
     * next job's fields at that moment (reading them first let a late worker mix job e's cursor with job
     * e+1's count and body, and run a chunk of the next job twice).
     */
    private void work(int worker, int e) {
        while (true) {
            long c = cursor.get();
            if ((int) (c >>> 32) != e) return;
            int remaining = (int) c;
            if (remaining <= 0) return;
            if (!cursor.compareAndSet(c, c - 1)) continue;
            try {
                int i = chunks - remaining;
                int from = i * chunk;
                body.run(worker, from, Math.min(n, from + chunk));
            } catch (Throwable t) {
                if (failure == null) failure = t;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            epoch = epoch + 1;
        }
        for (Worker w : workers) LockSupport.unpark(w.thread);
        for (Worker w : workers) {
            try {
                w.thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private final class Worker implements Runnable {
        final int id;
        final Thread thread;
        volatile boolean sleeping;

        Worker(int id) {
            this.id = id;
            this.thread = new Thread(this, "mm1j-cpu-" + id);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            int seen = epoch;
            while (true) {
                int e = epoch;
                if (e == seen) {
                    long start = System.nanoTime();
                    int spins = 0;
                    while ((e = epoch) == seen) {
                        Thread.onSpinWait();
                        if ((++spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                            sleeping = true;
                            if ((e = epoch) == seen) LockSupport.park(this);
                            sleeping = false;
                        }
                    }
                }
                seen = e;
                if (closed) return;
                work(id, e);
            }
        }
    }
}
