package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mm1j.core.DType;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The demo model behind a server on an ephemeral loopback port, and an HttpClient to call it. */
final class ServerHarness implements AutoCloseable {
    static final Path DEMO = Path.of("../models/mm1-demo");

    final OpenAiServer server;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String base;
    final String key;

    private ServerHarness(OpenAiServer server, String key) {
        this.server = server;
        this.base = "http://127.0.0.1:" + server.port();
        this.key = key;
    }

    /** The model, loaded once for all server tests (each test starts its own server on it, one at a time). */
    static final class Model {
        private static LoadedModel model;

        static synchronized LoadedModel get() throws IOException {
            if (model == null) model = LoadedModel.open(DEMO, Mm1Options.defaults().threads(2).kvCache(DType.F32));
            return model;
        }
    }

    static ServerConfig config() throws IOException {
        return ServerConfig.defaults("mm1-demo", Model.get().defaultContext()).withPort(0).withWarmup(java.time.Duration.ZERO);
    }

    static ServerHarness start(ServerConfig c) throws IOException {
        return start(Model.get(), c);
    }

    /** A server on another model (the caller owns and closes it). */
    static ServerHarness start(LoadedModel model, ServerConfig c) throws IOException {
        return new ServerHarness(OpenAiServer.start(model, c, line -> System.err.println("server: " + line)), c.apiKey());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json");
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b;
    }

    record Reply(int status, Map<String, Object> json, String body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> error() {
            return (Map<String, Object>) json.get("error");
        }
    }

    @SuppressWarnings("unchecked")
    Reply post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), (Map<String, Object>) Json.parse(r.body()), r.body());
    }

    @SuppressWarnings("unchecked")
    Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), (Map<String, Object>) Json.parse(r.body()), r.body());
    }

    /** The server-sent events of a streaming request: every {@code data:} payload, [DONE] included. */
    List<String> stream(String path, String body) throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> r = client.send(
            request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        List<String> data = new ArrayList<>();
        r.body().forEach(line -> {
            if (line.startsWith("data: ")) data.add(line.substring(6));
        });
        return data;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> health() throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
        return (Map<String, Object>) Json.parse(r.body());
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
