package dev.mm1j.app.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The executor of the JDK's HTTP server, and the limits on connections that its server does not keep per
 * instance. The server runs one task per request from the moment the request's first byte arrives: it reads the
 * request line and headers, calls the handler, which reads the body and writes the answer. Each task runs here on
 * its own virtual thread, counted and watched by one watchdog thread:
 * <ul>
 *   <li>at most {@code maxConnections} at once; the next as many are marked {@link Exchange#overloaded()} (the
 *       handler answers 503 and closes, if their headers arrive within {@link #OVERLOADED_HEADER_NANOS}), any
 *       beyond are closed unanswered;</li>
 *   <li>until the handler has the body ({@link Exchange#bodyRead()}), a task has {@code requestTimeout} from its
 *       first byte (slow headers, a slow body);</li>
 *   <li>while the handler writes ({@link Exchange#beginWrite()} … {@link Exchange#endWrite()}), each write has
 *       {@code sendTimeout} (a client that stopped reading).</li>
 * </ul>
 * Past a limit the thread is interrupted: the server's socket channels are interruptible, so the blocked read or
 * write fails at once and closes the connection, and the server drops it. The JDK's own limits
 * ({@code sun.net.httpserver.maxReqTime} and such) are system properties read once per JVM, so they cannot differ
 * between servers; {@code mm1j serve} sets the idle timeout and a process-wide connection ceiling there too.
 */
final class ConnectionGuard implements Executor, AutoCloseable {
    /** The exchange of the running handler. */
    static final ScopedValue<Exchange> CURRENT = ScopedValue.newInstance();
    /** How long an exchange over the cap has to send its headers to get its 503. */
    static final long OVERLOADED_HEADER_NANOS = 2_000_000_000L;
    private static final long NONE = Long.MAX_VALUE;
    private static final long TICK_MILLIS = 50;

    private final int maxConnections;
    private final long overloadedNanos;
    private final long requestNanos;
    private final long sendNanos;
    private final Set<Exchange> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong requestTimeouts = new AtomicLong(), sendTimeouts = new AtomicLong(), overloaded = new AtomicLong(),
        dropped = new AtomicLong(), started = new AtomicLong();
    private final Thread watchdog;
    private volatile boolean closed;

    /** One request's task: its thread and its deadlines. */
    final class Exchange {
        private final boolean overloaded;
        private final long requestDeadline;         // System.nanoTime() by which the headers and body must be in
        private volatile Thread thread;
        private volatile boolean bodyDone;
        private volatile long writeDeadline = NONE; // while a write is under way
        private volatile String expired;            // the limit that ran out, or null

        private Exchange(boolean overloaded, long requestDeadline) {
            this.overloaded = overloaded;
            this.requestDeadline = requestDeadline;
        }

        /** Over the connection cap: answer 503 and close. */
        boolean overloaded() {
            return overloaded;
        }

        /** The request's headers and body are in: the request deadline no longer applies. */
        void bodyRead() {
            bodyDone = true;
        }

        /** Whether the handler has read the body. */
        boolean bodyDone() {
            return bodyDone;
        }

        /** A write to the client starts: it has {@code sendTimeout} (the request deadline waits meanwhile). */
        void beginWrite() {
            writeDeadline = System.nanoTime() + sendNanos;
        }

        void endWrite() {
            writeDeadline = NONE;
        }

        /** The limit that ran out ("request" or "send"), or null. */
        String expired() {
            return expired;
        }

        private void check(long now) {
            Thread t = thread;
            if (expired != null || t == null) return;
            long w = writeDeadline;
            String why = w != NONE ? (now - w >= 0 ? "send" : null) : !bodyDone && now - requestDeadline >= 0 ? "request" : null;
            if (why == null) return;
            expired = why;
            (why.equals("send") ? sendTimeouts : requestTimeouts).incrementAndGet();
            t.interrupt(); // a blocked channel read or write fails and closes the connection
        }
    }

    ConnectionGuard(int maxConnections, Duration requestTimeout, Duration sendTimeout) {
        this(maxConnections, requestTimeout, sendTimeout, OVERLOADED_HEADER_NANOS);
    }

    /** As above, with the time an exchange over the cap has to send its headers (tests). */
    ConnectionGuard(int maxConnections, Duration requestTimeout, Duration sendTimeout, long overloadedHeaderNanos) {
        this.maxConnections = maxConnections;
        this.overloadedNanos = overloadedHeaderNanos;
        this.requestNanos = requestTimeout.toNanos();
        this.sendNanos = sendTimeout.toNanos();
        this.watchdog = Thread.ofPlatform().name("mm1j-http-watchdog").daemon(true).start(this::watch);
    }

    @Override
    public void execute(Runnable task) {
        started.incrementAndGet();
        int n = count.incrementAndGet();
        if (n > 2 * maxConnections || closed) {
            // far over the cap: the task's first read finds its thread interrupted and closes the connection
            dropped.incrementAndGet();
            Thread.ofVirtual().name("mm1j-http-refused").start(() -> {
                try {
                    Thread.currentThread().interrupt();
                    task.run();
                } finally {
                    count.decrementAndGet();
                }
            });
            return;
        }
        boolean over = n > maxConnections;
        if (over) overloaded.incrementAndGet();
        Exchange x = new Exchange(over, System.nanoTime() + (over ? Math.min(requestNanos, overloadedNanos) : requestNanos));
        Thread t = Thread.ofVirtual().name("mm1j-http").unstarted(() -> {
            try {
                ScopedValue.where(CURRENT, x).run(task);
            } finally {
                running.remove(x);
                count.decrementAndGet();
            }
        });
        x.thread = t;
        running.add(x);
        t.start();
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Exchange x : running) x.check(now);
        }
    }

    /** Requests being read or answered now. */
    int active() {
        return Math.max(0, count.get());
    }

    long requestTimeouts() {
        return requestTimeouts.get();
    }

    long sendTimeouts() {
        return sendTimeouts.get();
    }

    /** Exchanges over the cap (answered 503 if they could be) and beyond twice the cap (closed unanswered). */
    long overloaded() {
        return overloaded.get();
    }

    long dropped() {
        return dropped.get();
    }

    long started() {
        return started.get();
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }
}
