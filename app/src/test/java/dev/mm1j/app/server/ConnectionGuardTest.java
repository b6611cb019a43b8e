package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The limits of {@link ConnectionGuard} on the JDK's server with plain handlers (no model): a writer blocked by a
 * client that stopped reading, slow headers, and the connection cap's two tiers.
 */
class ConnectionGuardTest {

    /** A handler that streams without end; its writes block once the client stops reading, and the send timeout ends them. */
    @Test
    void aWriteToAClientThatStoppedReadingEndsAtTheSendTimeout() throws Exception {
        CompletableFuture<Long> failedAfter = new CompletableFuture<>();
        try (Server s = new Server(8, Duration.ofSeconds(5), Duration.ofMillis(500), ex -> {
            OutputStream os = HttpIo.startEvents(ex);
            byte[] chunk = ("data: " + "x".repeat(16 << 10) + "\n\n").getBytes(StandardCharsets.US_ASCII);
            long t0 = 0;
            try {
                while (true) {
                    long w = System.nanoTime();
                    HttpIo.write(os, chunk);
                    t0 = w;
                }
            } catch (IOException e) {
                failedAfter.complete((System.nanoTime() - t0) / 1_000_000); // how long the last write was blocked
                throw e;
            }
        })) {
            try (Socket c = new Socket()) {
                c.setReceiveBufferSize(2048);
                c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.port()));
                c.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // never read
                long blocked = failedAfter.get(30, TimeUnit.SECONDS);
                assertTrue(blocked >= 450 && blocked < 2000, "the blocked write failed after " + blocked + " ms");
                assertEquals(1L, s.guard.sendTimeouts());
            }
        }
    }

    @Test
    void slowHeadersAreClosedAtTheRequestTimeout() throws Exception {
        try (Server s = new Server(8, Duration.ofMillis(700), Duration.ofSeconds(5), ex -> HttpIo.sendJson(ex, 200, Map.of("ok", true)))) {
            long t0 = System.nanoTime();
            long ms = ServerAbuseTest.trickle(s.port(), "GET / HTTP/1.1\r\n", "X-Slow: 1\r\n");
            assertTrue(ms >= 650 && ms < 2000, "closed after " + ms + " ms");
            assertEquals(1L, s.guard.requestTimeouts());
            // a prompt request on a fresh connection is answered
            assertEquals(200, RawHttp.exchange(s.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1", null, 5000).status());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        }
    }

    /** Up to the cap: served; up to twice the cap: a 503 as soon as the headers are in; beyond: closed unanswered. */
    @Test
    void theConnectionCapAnswers503ThenCloses() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (Server s = new Server(3, Duration.ofSeconds(20), Duration.ofSeconds(5), ex -> {
            ConnectionGuard.Exchange g = HttpIo.guard();
            if (g.overloaded()) {
                HttpIo.sendJson(ex, 503, Map.of("error", Map.of("message", "overloaded")));
                return;
            }
            HttpIo.sendJson(ex, 200, Map.of("ok", true));
        })) {
            for (int i = 0; i < 3; i++) held.add(openSlow(s.port())); // the cap: three requests whose headers never end
            waitFor(() -> s.guard.active() == 3);
            RawHttp.Response over = RawHttp.exchange(s.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1", null, 5000);
            assertEquals(503, over.status());
            // the answered connection must be gone before the tier fills: on a loaded machine its close could still
            // be pending, and the third slow connection below was then the one beyond twice the cap (dropped)
            waitFor(() -> s.guard.active() == 3);
            for (int i = 0; i < 3; i++) held.add(openSlow(s.port())); // the overloaded tier, full too
            waitFor(() -> s.guard.active() == 6);
            try (Socket beyond = new Socket(InetAddress.getLoopbackAddress(), s.port())) {
                beyond.setSoTimeout(5000);
                beyond.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = beyond.getInputStream();
                int b;
                try {
                    b = in.read();
                } catch (IOException e) {
                    b = -1; // reset
                }
                assertEquals(-1, b, "closed without an answer");
            }
            assertEquals(1L, s.guard.dropped());
            for (Socket h : held) h.close();
            waitFor(() -> s.guard.active() == 0);
            assertEquals(200, RawHttp.exchange(s.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1", null, 5000).status());
        } finally {
            for (Socket h : held) h.close();
        }
    }

    static Socket openSlow(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out");
            Thread.sleep(10);
        }
    }

    interface Handler {
        void handle(com.sun.net.httpserver.HttpExchange ex) throws IOException;
    }

    /** The JDK's server on a loopback port with a {@link ConnectionGuard} as its executor. */
    static final class Server implements AutoCloseable {
        final HttpServer http;
        final ConnectionGuard guard;

        Server(int max, Duration request, Duration send, Handler h) throws IOException {
            guard = new ConnectionGuard(max, request, send, request.toNanos()); // over the cap: as long for the headers as the others
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            http.setExecutor(guard);
            http.createContext("/", ex -> {
                try (ex) {
                    HttpIo.guard().bodyRead();
                    h.handle(ex);
                }
            });
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        @Override
        public void close() {
            http.stop(0);
            guard.close();
        }
    }
}
