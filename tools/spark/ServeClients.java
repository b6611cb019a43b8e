import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The `mm1j batch` job through `mm1j serve` instead (JDK only, single-file launch): every image of a folder asked the
 * same question once, greedy (the answer's length bounded by the context, as mm1j batch does), by CLIENTS concurrent
 * clients sharing the list; prints rows/s.
 *
 *   java tools/spark/ServeClients.java --base http://127.0.0.1:8080 --clients 8 --dir IMAGES --question "Describe the image."
 */
public class ServeClients {
    public static void main(String[] argv) throws Exception {
        String base = arg(argv, "base", "http://127.0.0.1:8080");
        int clients = Integer.parseInt(arg(argv, "clients", "8"));
        Path dir = Path.of(arg(argv, "dir", "images"));
        String question = arg(argv, "question", "Describe the image.");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        AtomicInteger next = new AtomicInteger(), errors = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            ts.add(Thread.ofVirtual().start(() -> {
                for (int i; (i = next.getAndIncrement()) < files.size(); ) {
                    try {
                        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(files.get(i)));
                        String body = "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\""
                            + url + "\"}},{\"type\":\"text\",\"text\":\"" + question.replace("\"", "\\\"") + "\"}]}]}";
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200 && errors.incrementAndGet() == 1) System.err.println("first error: " + r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "serve, %d clients: %d rows (%d errors) in %.2f s, %.2f rows/s%n", clients, files.size(), errors.get(), s, files.size() / s);
    }

    static String arg(String[] argv, String name, String dflt) {
        for (int i = 0; i + 1 < argv.length; i++) if (argv[i].equals("--" + name)) return argv[i + 1];
        return dflt;
    }
}
