// Load test for `mm1j serve`: N concurrent streaming chat clients, each request with an image, for S seconds.
//
//   JDK 25:  java tools/loadtest/LoadTest.java --base http://127.0.0.1:8080 --clients 32 --seconds 60 \
//                 --image examples/shapes1.png [--max-tokens 64] [--ignore-eos] [--key KEY]
//
// Each client loops: POST /v1/chat/completions with stream: true and include_usage, reads the server-sent
// events, records the time to the first content delta (TTFT), the time per generated token after the first
// ((finish chunk - first content) / (completion_tokens - 1)), and the usage. Prints requests/s, aggregate generated tokens/s,
// TTFT and per-token latency percentiles, errors (any non-200, error event, missing [DONE] or usage), and the
// server's /health afterwards. No dependencies beyond the JDK (single-file source launch).
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class LoadTest {
    static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");
    static final String[] QUESTIONS = {"What colour is the star?", "How many shapes are there?", "Describe the image.",
        "Where is the square?", "Is there a red circle?", "How many triangles are there?"};

    record Sample(double ttftMs, double perTokenMs, int tokens) {}

    public static void main(String[] argv) throws Exception {
        String base = arg(argv, "base", "http://127.0.0.1:8080");
        int clients = Integer.parseInt(arg(argv, "clients", "32"));
        double seconds = Double.parseDouble(arg(argv, "seconds", "60"));
        String image = arg(argv, "image", "examples/shapes1.png");
        int maxTokens = Integer.parseInt(arg(argv, "max-tokens", "64"));
        boolean ignoreEos = List.of(argv).contains("--ignore-eos");
        String key = arg(argv, "key", System.getenv("MM1J_API_KEY"));
        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(image)));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicLong tokens = new AtomicLong();
        long[] engine0 = engineMillis(http, base);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofVirtual().start(() -> {
                int i = 0;
                while (System.nanoTime() < end) {
                    String q = QUESTIONS[(id + i++) % QUESTIONS.length];
                    String body = "{\"model\":\"mm1-demo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"temperature\":0.7,\"seed\":" + (id * 1000 + i)
                        + ",\"max_tokens\":" + maxTokens + (ignoreEos ? ",\"ignore_eos\":true" : "") + ",\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + dataUrl + "\"}},{\"type\":\"text\",\"text\":\"" + q + "\"}]}]}";
                    try {
                        one(http, base, key, body, samples, errors, tokens);
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        double wall = (System.nanoTime() - start) / 1e9;

        List<Double> ttft = new ArrayList<>(), perTok = new ArrayList<>();
        for (Sample s : samples) {
            ttft.add(s.ttftMs);
            if (s.perTokenMs >= 0) perTok.add(s.perTokenMs);
        }
        Collections.sort(ttft);
        Collections.sort(perTok);
        System.out.printf(Locale.ROOT, "clients %d, %.1f s, max_tokens %d%s%n", clients, wall, maxTokens, ignoreEos ? " (EOS ignored)" : "");
        System.out.printf(Locale.ROOT, "requests   %d ok, %d errors, %.2f requests/s%n", samples.size(), errors.size(), samples.size() / wall);
        System.out.printf(Locale.ROOT, "tokens     %d generated, %.1f tokens/s aggregate, %.1f per request%n", tokens.get(), tokens.get() / wall,
            samples.isEmpty() ? 0.0 : (double) tokens.get() / samples.size());
        System.out.printf(Locale.ROOT, "TTFT       p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(ttft, 50), pct(ttft, 99), pct(ttft, 100));
        System.out.printf(Locale.ROOT, "per token  p50 %.2f ms, p99 %.2f ms (after the first token)%n", pct(perTok, 50), pct(perTok, 99));
        long[] engine1 = engineMillis(http, base);
        System.out.printf(Locale.ROOT, "engine     busy %.0f%% of the wall time (forward steps %.0f%%, image encoding %.0f%%)%n",
            (engine1[0] - engine0[0] + engine1[1] - engine0[1]) / wall / 10, (engine1[0] - engine0[0]) / wall / 10, (engine1[1] - engine0[1]) / wall / 10);
        errors.stream().distinct().limit(5).forEach(e -> System.out.println("error: " + e));
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("health     " + health.body());
        System.exit(errors.isEmpty() ? 0 : 1);
    }

    static void one(HttpClient http, String base, String key, String body, ConcurrentLinkedQueue<Sample> samples,
                    ConcurrentLinkedQueue<String> errors, AtomicLong tokens) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofMinutes(5))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            errors.add("HTTP " + r.statusCode() + ": " + String.join("", r.body().toList()));
            return;
        }
        long[] first = {-1}, finish = {-1};
        int[] usage = {-1};
        boolean[] done = {false};
        String[] error = {null};
        r.body().forEach(line -> {
            if (!line.startsWith("data: ")) return;
            String d = line.substring(6);
            if (d.equals("[DONE]")) {
                done[0] = true;
            } else if (d.startsWith("{\"error\"")) {
                error[0] = d;
            } else if (d.contains("\"delta\":{\"content\":")) {
                if (first[0] < 0) first[0] = System.nanoTime();
            } else if (d.contains("\"finish_reason\":\"")) {
                finish[0] = System.nanoTime();
            } else if (d.contains("\"usage\":{")) {
                Matcher m = COMPLETION_TOKENS.matcher(d);
                if (m.find()) usage[0] = Integer.parseInt(m.group(1));
            }
        });
        if (error[0] != null || !done[0] || usage[0] < 0) {
            errors.add(error[0] != null ? error[0] : !done[0] ? "no [DONE]" : "no usage chunk");
            return;
        }
        tokens.addAndGet(usage[0]);
        double ttft = first[0] < 0 ? (System.nanoTime() - t0) / 1e6 : (first[0] - t0) / 1e6;
        double per = usage[0] > 1 && first[0] >= 0 && finish[0] > first[0] ? (finish[0] - first[0]) / 1e6 / (usage[0] - 1) : -1;
        samples.add(new Sample(ttft, per, usage[0]));
    }

    /** The server's engine_step_ms and engine_image_ms from /health. */
    static long[] engineMillis(HttpClient http, String base) throws Exception {
        String h = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        long[] out = new long[2];
        String[] keys = {"engine_step_ms", "engine_image_ms"};
        for (int i = 0; i < 2; i++) {
            Matcher m = Pattern.compile("\"" + keys[i] + "\":(\\d+)").matcher(h);
            if (m.find()) out[i] = Long.parseLong(m.group(1));
        }
        return out;
    }

    static double pct(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return Double.NaN;
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static String arg(String[] argv, String name, String fallback) {
        for (int i = 0; i + 1 < argv.length; i++) if (argv[i].equals("--" + name)) return argv[i + 1];
        return fallback;
    }
}
