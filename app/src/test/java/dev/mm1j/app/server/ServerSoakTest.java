package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak (not in the default run): 64 streaming clients for {@code -Dmm1j.soak.seconds} (300 by default), 5% of
 * the answers dropped mid-stream by their client. Zero errors; every request the engine took completed or was
 * cancelled; no sequence, place in flight, connection or platform thread left behind. Prints the latency
 * percentiles.
 *
 * <pre>bin/with-jdk25 mvn -B -Psoak -pl app -am test -Dtest=ServerSoakTest -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@EnabledIfSystemProperty(named = "mm1j.soak", matches = "true")
class ServerSoakTest {
    static final int CLIENTS = 64;
    static final double DROP = 0.05;
    static final List<String> QUESTIONS = List.of("Describe the image.", "How many triangles are there?", "What colour is the star?",
        "Is there a red cross?", "How many shapes are there?", "What is on the left?");

    @Test
    void sixtyFourStreamingClients() throws Exception {
        long seconds = Long.getLong("mm1j.soak.seconds", 300);
        ServerConfig c = ServerHarness.config().withContext(512).withLimits(4, 64, 1 << 20, 8, 1 << 22, Duration.ofSeconds(120));
        Predicate<Thread> ours = t -> t.getName().startsWith("mm1j-");
        long platformBefore = platformThreads(t -> true), oursBefore = platformThreads(ours);
        try (ServerHarness h = ServerHarness.start(c)) {
            run(h, System.nanoTime() + 3_000_000_000L, new long[CLIENTS][], new AtomicLong(), new AtomicLong(), new AtomicLong(),
                new ArrayList<>()); // a warm-up, so that the JDK's own thread pools (carriers, the client's) have started
            ServerAbuseTest.settle(h);
            long platformStarted = platformThreads(t -> true);
            AtomicLong errors = new AtomicLong(), dropped = new AtomicLong(), done = new AtomicLong();
            List<String> errorText = java.util.Collections.synchronizedList(new ArrayList<>());
            long[][] latencies = new long[CLIENTS][];
            Map<String, Object> start = h.health();
            run(h, System.nanoTime() + seconds * 1_000_000_000L, latencies, errors, dropped, done, errorText);
            Map<String, Object> health = ServerAbuseTest.settle(h);
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            System.err.printf("soak: %d s, %d clients: %d answers, %d dropped by their client, %d errors; latency p50 %d ms, p99 %d ms, max %d ms;"
                    + " %d tokens (%.1f/s); platform threads %d before the server, %d with it, %d at the end; %s%n", seconds, CLIENTS, done.get(),
                dropped.get(), errors.get(), pct(all, 0.50), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1],
                ServerAbuseTest.num(health, "tokens_generated") - ServerAbuseTest.num(start, "tokens_generated"),
                (ServerAbuseTest.num(health, "tokens_generated") - ServerAbuseTest.num(start, "tokens_generated")) / (double) seconds,
                platformBefore, platformStarted, platformThreads(t -> true), health);
            if (!errorText.isEmpty()) System.err.println("soak errors: " + errorText.subList(0, Math.min(10, errorText.size())));
            assertEquals(0L, errors.get(), "errors: " + errorText.subList(0, Math.min(10, errorText.size())));
            assertEquals(done.get() + dropped.get(), ServerAbuseTest.ended(health) - ServerAbuseTest.ended(start), "every request accounted for");
            assertEquals(ServerAbuseTest.num(health, "requests_submitted"), ServerAbuseTest.ended(health), health.toString());
            assertEquals(0L, ServerAbuseTest.num(health, "requests_failed"), health.toString());
            assertTrue(ServerAbuseTest.num(health, "requests_cancelled") <= dropped.get(), health.toString());
            assertEquals(0L, ServerAbuseTest.num(health, "slots_busy"), health.toString());
            assertEquals(0L, ServerAbuseTest.num(health, "requests_in_flight"), health.toString());
            assertTrue(ServerAbuseTest.num(health, "connections_active") <= 1, health.toString());
            assertTrue(platformThreads(t -> true) <= platformStarted + 2, "platform threads grew: " + platformStarted + " -> " + platformThreads(t -> true)
                + " " + Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isVirtual()).map(Thread::getName).sorted().toList());
            assertTrue(done.get() > CLIENTS, "answers: " + done.get());
        }
        Thread.sleep(500);
        assertEquals(oursBefore, platformThreads(ours), "the server's threads end with it");
    }

    /** {@link #CLIENTS} clients until {@code end}. */
    static void run(ServerHarness h, long end, long[][] latencies, AtomicLong errors, AtomicLong dropped, AtomicLong done, List<String> errorText)
        throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                futures.add(pool.submit(() -> client(id, h, client, end, errors, dropped, done, errorText)));
            }
            for (int i = 0; i < CLIENTS; i++) latencies[i] = futures.get(i).get();
        }
    }

    /** One client: streaming chats until the end; returns the latencies (ms, request to [DONE]) of its complete answers. */
    static long[] client(int id, ServerHarness h, HttpClient client, long end, AtomicLong errors, AtomicLong dropped, AtomicLong done,
                         List<String> errorText) {
        SplittableRandom rnd = new SplittableRandom(id);
        List<Long> lat = new ArrayList<>();
        while (System.nanoTime() < end) {
            boolean drop = rnd.nextDouble() < DROP;
            String body = "{\"stream\":true,\"temperature\":0.7,\"seed\":" + rnd.nextInt() + ",\"max_tokens\":" + (16 + rnd.nextInt(48))
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Json.write(QUESTIONS.get(rnd.nextInt(QUESTIONS.size()))) + "}]}";
            long t0 = System.nanoTime();
            try {
                HttpResponse<InputStream> r = client.send(h.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    if (r.statusCode() != 200) throw new IllegalStateException("status " + r.statusCode() + ": " + in.readLine());
                    int chunks = 0;
                    boolean finished = false;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (!line.startsWith("data: ")) continue;
                        String data = line.substring(6);
                        if (data.equals("[DONE]")) {
                            finished = true;
                            continue; // read to the end of the response, as SSE clients do, so that the connection can be reused
                        }
                        if (finished) throw new IllegalStateException("data after [DONE]: " + data);
                        if (data.contains("\"error\"")) throw new IllegalStateException("error event " + data);
                        if (drop && ++chunks == 3) break; // the client goes away mid-answer
                    }
                    if (drop && !finished) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    if (!finished) throw new IllegalStateException("the stream ended without [DONE]");
                }
                lat.add((System.nanoTime() - t0) / 1_000_000);
                done.incrementAndGet();
            } catch (Exception e) {
                errors.incrementAndGet();
                errorText.add(e.toString());
            }
        }
        return lat.stream().mapToLong(Long::longValue).toArray();
    }

    static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    static long platformThreads(Predicate<Thread> which) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isVirtual() && t.isAlive()).filter(which).count();
    }
}
