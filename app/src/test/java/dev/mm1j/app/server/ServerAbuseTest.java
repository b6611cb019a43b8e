package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Every abuse a public endpoint meets, against one live server on loopback, in a bounded number of requests and
 * seconds: slow headers (64 connections), slow bodies, a streaming client that stops reading, 50 requests with
 * large images while every place in flight is taken, and over 2,000 generated malformed requests (JSON, Unicode,
 * types, sizes, sampling values, media types, Host headers, routes). Throughout, a monitor asks /health every
 * 100 ms and it must answer within 1 s; the live heap after each phase stays within {@link #HEAP_GROWTH} of the
 * start; every response is valid JSON in OpenAI's error shape (or a completion); and at the end every request
 * the engine accepted has completed, been cancelled or failed with its reason, and nothing is left in flight.
 */
class ServerAbuseTest {
    /** The live heap (after a full GC) may grow by at most this over the whole suite. */
    static final long HEAP_GROWTH = 256L << 20;
    /** The peak heap in use (garbage included) must stay under this, with -Xmx6g. */
    static final long HEAP_PEAK = 3L << 30;
    static final long REQUEST_TIMEOUT_MS = 3000;
    static final Set<Integer> STATUSES = Set.of(200, 400, 403, 404, 405, 413, 415, 429, 503, 504);

    @Test
    void survivesEveryAbuse() throws Exception {
        ServerConfig c = ServerHarness.config().withContext(4096).withLimits(2, 2, 4 << 20, 8, 4096L * 4096, Duration.ofSeconds(60))
            .withConnections(128, Duration.ofMillis(REQUEST_TIMEOUT_MS), Duration.ofMillis(1500), Duration.ofSeconds(30));
        long heap0 = liveHeap();
        try (ServerHarness h = ServerHarness.start(c); Monitor monitor = new Monitor(h.base)) {
            Map<String, String> phases = new TreeMap<>();
            phase(phases, "1 slow headers", monitor, () -> slowHeaders(h));
            phase(phases, "2 slow bodies", monitor, () -> slowBodies(h));
            phase(phases, "3 reader that stops", monitor, () -> readerThatStops(h));
            phase(phases, "4 large images while full", monitor, () -> largeImagesWhileFull(h));
            phase(phases, "5 malformed", monitor, () -> malformed(h));
            // everything accepted is accounted for, nothing is left in flight
            Map<String, Object> health = settle(h);
            long submitted = num(health, "requests_submitted");
            assertEquals(submitted, num(health, "requests_completed") + num(health, "requests_cancelled") + num(health, "requests_failed"), health.toString());
            assertEquals(0L, num(health, "slots_busy"), health.toString());
            assertEquals(0L, num(health, "queue_depth"), health.toString());
            assertEquals(0L, num(health, "requests_in_flight"), health.toString());
            assertEquals(0L, num(health, "internal_errors"), health.toString());
            assertTrue(num(health, "connections_active") <= 1, health.toString());
            monitor.close();
            long heap = liveHeap();
            System.err.printf("abuse suite: %s; /health max %d ms over %d probes; live heap %d -> %d MiB, peak %d MiB; %s%n", phases,
                monitor.maxMillis.get(), monitor.probes.get(), heap0 >> 20, heap >> 20, monitor.peakHeap.get() >> 20, health);
            assertEquals(0, monitor.failures.get(), "health probes that failed: " + monitor.failureText);
            assertTrue(monitor.maxMillis.get() < 1000, "/health took " + monitor.maxMillis.get() + " ms");
            assertTrue(heap - heap0 < HEAP_GROWTH, "live heap grew from " + (heap0 >> 20) + " to " + (heap >> 20) + " MiB");
            assertTrue(monitor.peakHeap.get() < HEAP_PEAK, "peak heap " + (monitor.peakHeap.get() >> 20) + " MiB");
        }
    }

    interface Phase {
        void run() throws Exception;
    }

    /** Runs a phase; records its time and the slowest /health answer during it. */
    static void phase(Map<String, String> phases, String name, Monitor monitor, Phase p) throws Exception {
        long t = System.nanoTime();
        monitor.phaseMax.set(0);
        p.run();
        phases.put(name, ms(t) + " ms (/health max " + monitor.phaseMax.get() + " ms)");
    }

    /** A 4096 × 4096 PNG (stripes, so that it compresses to a few hundred KB), made once. */
    static byte[] bigPng() throws IOException {
        BufferedImage big = new BufferedImage(4096, 4096, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4096; y += 64) for (int x = 0; x < 4096; x++) big.setRGB(x, y, x * 977 + y);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(big, "png", png);
        return png.toByteArray();
    }

    /** 64 connections trickling header lines: each is closed once the request timeout passes. */
    static void slowHeaders(ServerHarness h) throws Exception {
        long before = num(h.health(), "request_timeouts");
        List<Future<Long>> closed = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                closed.add(pool.submit(() -> trickle(h.server.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n")));
            }
            for (Future<Long> f : closed) {
                long ms = f.get();
                assertTrue(ms >= REQUEST_TIMEOUT_MS - 100 && ms < REQUEST_TIMEOUT_MS + 1500, "closed after " + ms + " ms");
            }
        }
        assertEquals(64L, num(h.health(), "request_timeouts") - before);
    }

    /** Sends {@code head}, then {@code drip} every 250 ms until the server closes; the milliseconds it took. */
    static long trickle(int port, String head, String drip) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(250);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (ms(t0) < 15_000) {
                try {
                    int b = in.read();
                    if (b < 0) return ms(t0); // closed by the server
                    // an answer (429 to a slow body that got no place): read it to the end
                    in.readAllBytes();
                    return ms(t0);
                } catch (java.net.SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    return ms(t0); // reset
                }
                try {
                    out.write(drip.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    return ms(t0);
                }
            }
            throw new AssertionError("still open after 15 s");
        }
    }

    /** Bodies that trickle in: closed at the request timeout (or answered 429 at once when no place is free). */
    static void slowBodies(ServerHarness h) throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"messages\":";
        List<Future<Long>> closed = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) closed.add(pool.submit(() -> trickle(h.server.port(), head, "          ")));
            for (Future<Long> f : closed) assertTrue(f.get() < REQUEST_TIMEOUT_MS + 1500, "closed after " + f.get() + " ms");
        }
        // the client sees the close a moment before the server's exchange has unwound its place
        long t0 = System.nanoTime();
        while (num(h.health(), "requests_in_flight") > 0 && ms(t0) < 2_000) Thread.sleep(10);
        assertEquals(0L, num(h.health(), "requests_in_flight"));
    }

    /**
     * A streaming client that stops reading (a small receive buffer, never read): its writes block, the send
     * timeout closes the connection and the generation is cancelled; or, if the buffers held the whole answer,
     * the request completed. Either way the sequence is free again.
     */
    static void readerThatStops(ServerHarness h) throws Exception {
        Map<String, Object> before = h.health();
        byte[] body = ("{\"stream\":true,\"ignore_eos\":true,\"max_tokens\":400,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\""
            + "Describe the image. ".repeat(20) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(1024);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), h.server.port()));
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            long t0 = System.nanoTime();
            Map<String, Object> health = h.health();
            while (ms(t0) < 60_000 && ended(health) == ended(before)) {
                Thread.sleep(50);
                health = h.health();
            }
            assertEquals(0L, num(health, "slots_busy"), health.toString());
            long sendTimeouts = num(health, "send_timeouts") - num(before, "send_timeouts");
            long cancelled = num(health, "requests_cancelled") - num(before, "requests_cancelled");
            long completed = num(health, "requests_completed") - num(before, "requests_completed");
            assertTrue((sendTimeouts == 1 && cancelled == 1) || completed == 1, "cancelled by the send timeout or complete: " + health);
            System.err.println("reader that stops: " + (sendTimeouts == 1 ? "send timeout after " + ms(t0) + " ms, " + num(health, "tokens_generated") + " tokens" : "completed"));
        }
    }

    /** 50 requests with two 4096 × 4096 images each while every place is taken: all 429 before their body is read. */
    static void largeImagesWhileFull(ServerHarness h) throws Exception {
        String part = "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(bigPng()) + "\"}}";
        String two = "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[" + String.join(",", Collections.nCopies(2, part))
            + ",{\"type\":\"text\",\"text\":\"What colour is the star?\"}]}]}";
        byte[] twoBytes = two.getBytes(StandardCharsets.UTF_8); // one copy shared by the 50 clients: the test's garbage is not under test
        // take all four places: two generating, two queued, all streaming so that they can be dropped
        long held0 = num(h.health(), "requests_submitted");
        List<Socket> holders = new ArrayList<>();
        byte[] hold = "{\"stream\":true,\"ignore_eos\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Describe the image.\"}]}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), h.server.port());
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + hold.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(hold);
            s.getOutputStream().flush();
            holders.add(s);
            Thread.ofVirtual().start(() -> { // they read their streams: only the refusals are under test
                try (InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // closed below
                }
            });
        }
        long t0 = System.nanoTime();
        while (num(h.health(), "requests_submitted") < held0 + 4 && ms(t0) < 10_000) Thread.sleep(10);
        assertEquals(4L, num(h.health(), "requests_in_flight"));
        Map<String, Object> full = h.health();
        long refused0 = num(full, "requests_refused"), timeouts0 = num(full, "request_timeouts"), submitted0 = num(full, "requests_submitted");
        long t1 = System.nanoTime();
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) { // no kept-alive connections the server closed
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> fresh.send(h.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofByteArray(twoBytes)).build(),
                    HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> f : answers) {
                HttpResponse<String> r;
                try {
                    r = f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    // the server answered 429 and closed before the client finished sending its body
                    assertTrue(e.getCause() instanceof IOException, e.toString());
                    continue;
                }
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                assertEquals("queue_full", ServerHardeningTest.errorShape(r.body()).get("code"));
            }
        }
        long refusedMs = ms(t1);
        Map<String, Object> after = h.health();
        // each one refused with 429, or (on a machine too busy to run its handler in time) closed at the request timeout
        assertEquals(50L, num(after, "requests_refused") - refused0 + num(after, "request_timeouts") - timeouts0, after.toString());
        assertEquals(submitted0, num(after, "requests_submitted"), "none admitted: " + after);
        for (Socket s : holders) s.close(); // the holders go away: their sequences are cancelled
        t0 = System.nanoTime();
        while ((num(h.health(), "slots_busy") > 0 || num(h.health(), "requests_in_flight") > 0) && ms(t0) < 20_000) Thread.sleep(20);
        assertEquals(0L, num(h.health(), "requests_in_flight"));
        // and one such request, admitted, is decoded inside the bounded section and answered
        long t2 = System.nanoTime();
        ServerHarness.Reply ok = h.post("/v1/chat/completions", two.replace(String.join(",", Collections.nCopies(2, part)), part));
        assertEquals(200, ok.status(), ok.body());
        System.err.printf("large images: 50 refused in %d ms while full (%d-byte bodies); one 4096x4096 image answered in %d ms%n", refusedMs,
            two.length(), ms(t2));
    }

    /** Over 2,000 generated malformed requests, 4 at a time: every answer is one of the expected statuses, valid JSON, OpenAI's shape. */
    static void malformed(ServerHarness h) throws Exception {
        List<AbuseRequests.Case> cases = AbuseRequests.generate(16, 2000, 4 << 20);
        Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
        List<String> bad = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(4);
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < cases.size(); ) {
                        AbuseRequests.Case c = cases.get(i);
                        try {
                            int status = send(client, h, c, bad);
                            byStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                        } catch (Exception e) {
                            bad.add(c.what() + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) f.get();
        }
        System.err.println("malformed requests: " + cases.size() + " by status " + new TreeMap<>(byStatus));
        assertTrue(bad.isEmpty(), bad.size() + " bad answers, e.g. " + bad.subList(0, Math.min(8, bad.size())));
        assertTrue(cases.size() >= 2000);
    }

    private static int send(HttpClient client, ServerHarness h, AbuseRequests.Case c, List<String> bad) throws Exception {
        int status;
        String body, type;
        if (c.raw()) {
            StringBuilder head = new StringBuilder(c.method() + " " + c.path() + " HTTP/1.1");
            if (!c.headers().containsKey("Host")) head.append("\r\nHost: 127.0.0.1");
            c.headers().forEach((k, v) -> {
                if (v != null) head.append("\r\n").append(k).append(": ").append(v);
            });
            if (c.body() != null) head.append("\r\nContent-Length: ").append(c.body().length);
            RawHttp.Response r = RawHttp.exchange(h.server.port(), head.toString(), c.body(), 60_000);
            status = r.status();
            body = r.body();
            type = r.headers().getOrDefault("content-type", "");
        } else {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.base + c.path())).timeout(Duration.ofSeconds(60));
            c.headers().forEach(b::header);
            b.method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
            HttpResponse<String> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (c.what().equals("over the body limit")) return 413; // answered 413 and closed while the client still sent
                throw e;
            }
            status = r.statusCode();
            body = r.body();
            type = r.headers().firstValue("Content-Type").orElse("");
        }
        String what = c.what() + " -> " + status + " " + body.substring(0, Math.min(200, body.length()));
        if (!STATUSES.contains(status)) bad.add("status: " + what);
        else if (c.method().equals("HEAD")) return status;
        else if (type.startsWith("text/event-stream")) checkEvents(body, what, bad);
        else if (!type.equals("application/json")) bad.add("content type " + type + ": " + what);
        else if (status != 200) {
            try {
                ServerHardeningTest.errorShape(body);
            } catch (Throwable e) {
                bad.add("shape: " + what);
            }
        } else {
            try {
                Object o = Json.parse(body);
                if (!(o instanceof Map<?, ?> m) || !(m.containsKey("object") || m.containsKey("status"))) bad.add("not an answer: " + what);
            } catch (RuntimeException e) {
                bad.add("json: " + what);
            }
        }
        return status;
    }

    /** A server-sent event stream: every data line JSON (a chunk or an error), ending in [DONE]. */
    private static void checkEvents(String body, String what, List<String> bad) {
        List<String> data = new ArrayList<>();
        for (String line : body.split("\n")) if (line.startsWith("data: ")) data.add(line.substring(6));
        if (data.isEmpty() || !data.getLast().equals("[DONE]")) {
            bad.add("stream without [DONE]: " + what);
            return;
        }
        for (String d : data.subList(0, data.size() - 1)) {
            try {
                Map<?, ?> m = (Map<?, ?>) Json.parse(d);
                if (m.containsKey("error")) ServerHardeningTest.errorShape(d);
                else if (!m.containsKey("choices")) bad.add("event: " + what);
            } catch (Throwable e) {
                bad.add("event json: " + what);
            }
        }
    }

    /** Requests the engine has finished with, one way or another. */
    static long ended(Map<String, Object> health) {
        return num(health, "requests_completed") + num(health, "requests_cancelled") + num(health, "requests_failed");
    }

    /** /health once nothing is running any more (streams left by the phases end within their limits). */
    static Map<String, Object> settle(ServerHarness h) throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> health = h.health();
        while (ms(t0) < 30_000 && (num(health, "slots_busy") > 0 || num(health, "queue_depth") > 0 || num(health, "requests_in_flight") > 0
            || num(health, "connections_active") > 1)) {
            Thread.sleep(50);
            health = h.health();
        }
        return health;
    }

    /** Asks /health every 100 ms on its own client: the slowest answer, failures, the peak heap. */
    static final class Monitor implements AutoCloseable {
        final AtomicLong maxMillis = new AtomicLong(), phaseMax = new AtomicLong(), probes = new AtomicLong(), peakHeap = new AtomicLong();
        final AtomicInteger failures = new AtomicInteger();
        volatile String failureText = "";
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final Thread thread;
        private volatile boolean stop;

        Monitor(String base) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5)).GET().build();
            thread = Thread.ofPlatform().name("health-monitor").daemon(true).start(() -> {
                while (!stop) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) throw new IOException("status " + r.statusCode());
                        maxMillis.accumulateAndGet(ms(t0), Math::max);
                        phaseMax.accumulateAndGet(ms(t0), Math::max);
                        probes.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        failureText = e.toString();
                    }
                    peakHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
            client.close();
        }
    }

    static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
