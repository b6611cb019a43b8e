package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The server end to end over HTTP, with the demo model on a loopback port. */
class OpenAiServerTest {

    static String chat(String question, String extra) {
        return "{\"model\":\"mm1-demo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> first(Map<String, Object> response) {
        return ((List<Map<String, Object>>) response.get("choices")).getFirst();
    }

    @SuppressWarnings("unchecked")
    static String content(Map<String, Object> response) {
        return (String) ((Map<String, Object>) first(response).get("message")).get("content");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String s) {
        return (Map<String, Object>) Json.parse(s);
    }

    /** The text of a streamed chat answer, checking the chunk format on the way; [finish_reason, text, usage json]. */
    @SuppressWarnings("unchecked")
    static List<Object> reassemble(List<String> events, boolean chat) {
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        Map<String, Object> usage = null;
        for (int i = 0; i < events.size() - 1; i++) {
            Map<String, Object> c = json(events.get(i));
            assertEquals(chat ? "chat.completion.chunk" : "text_completion", c.get("object"));
            assertTrue(((String) c.get("id")).startsWith(chat ? "chatcmpl-" : "cmpl-"));
            List<Map<String, Object>> choices = (List<Map<String, Object>>) c.get("choices");
            if (choices.isEmpty()) {
                usage = (Map<String, Object>) c.get("usage");
                assertEquals(events.size() - 2, i, "the usage chunk comes last");
                continue;
            }
            Map<String, Object> ch = choices.getFirst();
            assertNull(finish, "nothing after the finish_reason but usage");
            if (chat) {
                Map<String, Object> delta = (Map<String, Object>) ch.get("delta");
                if (i == 0) assertEquals("assistant", delta.get("role"));
                if (delta.get("content") != null) text.append(delta.get("content"));
            } else {
                text.append(ch.get("text"));
            }
            finish = (String) ch.get("finish_reason");
        }
        assertNotNull(finish, "a chunk with the finish_reason");
        List<Object> out = new ArrayList<>();
        out.add(finish);
        out.add(text.toString());
        out.add(usage);
        return out;
    }

    static void assertNull(Object o, String why) {
        assertTrue(o == null, why + ": got " + o);
    }

    @Test
    void streamingReassemblesToTheSameAnswerForTheSameSeed() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            for (String sampling : List.of("\"temperature\":0", "\"temperature\":0.9,\"top_p\":0.95,\"seed\":12345", "\"temperature\":1.2,\"top_k\":20,\"seed\":7,\"max_tokens\":12")) {
                ServerHarness.Reply whole = h.post("/v1/chat/completions", chat("Describe the image.", sampling));
                assertEquals(200, whole.status(), whole.body());
                assertEquals("chat.completion", whole.json().get("object"));
                assertTrue(((String) whole.json().get("id")).startsWith("chatcmpl-"));
                assertEquals("mm1-demo", whole.json().get("model"));
                List<Object> streamed = reassemble(h.stream("/v1/chat/completions",
                    chat("Describe the image.", sampling + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")), true);
                assertEquals(content(whole.json()), streamed.get(1), sampling);
                assertEquals(first(whole.json()).get("finish_reason"), streamed.get(0));
                assertEquals(whole.json().get("usage"), streamed.get(2));
                Map<?, ?> usage = (Map<?, ?>) whole.json().get("usage");
                assertEquals(((Number) usage.get("prompt_tokens")).longValue() + ((Number) usage.get("completion_tokens")).longValue(),
                    ((Number) usage.get("total_tokens")).longValue());
            }
            // without include_usage there is no usage chunk
            List<Object> plain = reassemble(h.stream("/v1/chat/completions", chat("How many shapes are there?", "\"stream\":true,\"temperature\":0")), true);
            assertNull(plain.get(2), "no usage chunk");
            // completions, whole and streamed
            String prompt = "{\"prompt\":\"Question: How many circles are there?\\nAnswer:\",\"max_tokens\":8,\"temperature\":0}";
            ServerHarness.Reply c = h.post("/v1/completions", prompt);
            assertEquals(200, c.status(), c.body());
            assertEquals("text_completion", c.json().get("object"));
            List<Object> cs = reassemble(h.stream("/v1/completions", prompt.replace("}", ",\"stream\":true}")), false);
            assertEquals(first(c.json()).get("text"), cs.get(1));
        }
    }

    @Test
    void maxTokensAndStopStrings() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            ServerHarness.Reply free = h.post("/v1/completions", "{\"prompt\":\"Question: Describe the image.\\nAnswer:\",\"max_tokens\":30,\"temperature\":0,\"ignore_eos\":true}");
            String text = (String) first(free.json()).get("text");
            assertEquals("length", first(free.json()).get("finish_reason"));
            assertEquals(30L, ((Map<?, ?>) free.json().get("usage")).get("completion_tokens"));
            // a stop string cut out of the middle of that text: the answer ends right before it, finish_reason stop
            int at = text.indexOf(' ', 6);
            assertTrue(at > 0, text);
            String stop = text.substring(at, Math.min(text.length(), at + 4));
            for (boolean stream : new boolean[] {false, true}) {
                String body = "{\"prompt\":\"Question: Describe the image.\\nAnswer:\",\"max_tokens\":30,\"temperature\":0,\"ignore_eos\":true,\"stop\":[\"zzz\","
                    + Json.write(stop) + "]" + (stream ? ",\"stream\":true" : "") + "}";
                String got;
                String finish;
                if (stream) {
                    List<Object> r = reassemble(h.stream("/v1/completions", body), false);
                    finish = (String) r.get(0);
                    got = (String) r.get(1);
                } else {
                    ServerHarness.Reply r = h.post("/v1/completions", body);
                    finish = (String) first(r.json()).get("finish_reason");
                    got = (String) first(r.json()).get("text");
                }
                assertEquals(text.substring(0, text.indexOf(stop)), got, "stream=" + stream);
                assertEquals("stop", finish);
            }
        }
    }

    @Test
    void batchedAnswersEqualAnswersAlone() throws Exception {
        List<String> questions = List.of("Describe the image.", "How many triangles are there?", "What colour is the star?", "Is there a red cross?");
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            List<String> alone = new ArrayList<>();
            for (String q : questions) alone.add(content(h.post("/v1/chat/completions", chat(q, "\"temperature\":0.7,\"seed\":3,\"max_tokens\":24,\"ignore_eos\":true")).json()));
            List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
            for (String q : questions) {
                together.add(h.client.sendAsync(h.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofString(
                    chat(q, "\"temperature\":0.7,\"seed\":3,\"max_tokens\":24,\"ignore_eos\":true"))).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < questions.size(); i++) assertEquals(alone.get(i), content(json(together.get(i).get().body())), questions.get(i));
            long steps = ((Number) h.health().get("engine_steps")).longValue();
            long tokens = ((Number) h.health().get("tokens_generated")).longValue();
            assertEquals(8L * 24, tokens);
            assertTrue(steps < 8L * 24, "the concurrent requests shared forward steps: " + steps + " steps for " + tokens + " tokens");
        }
    }

    @Test
    void modelsHealthAndRoutes() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            ServerHarness.Reply m = h.get("/v1/models");
            assertEquals(200, m.status());
            assertEquals("list", m.json().get("object"));
            assertEquals("mm1-demo", ((Map<?, ?>) ((List<?>) m.json().get("data")).getFirst()).get("id"));
            assertEquals(200, h.get("/v1/models/mm1-demo").status());
            assertEquals(404, h.get("/v1/models/gpt-4o").status());
            Map<String, Object> health = h.health();
            assertEquals("ok", health.get("status"));
            assertEquals(true, health.get("model_loaded"));
            assertEquals(0L, health.get("queue_depth"));
            ServerHarness.Reply nf = h.get("/v1/embeddings");
            assertEquals(404, nf.status());
            assertEquals("invalid_request_error", nf.error().get("type"));
            ServerHarness.Reply wrongMethod = h.get("/v1/chat/completions");
            assertEquals(405, wrongMethod.status());
            ServerHarness.Reply wrongModel = h.post("/v1/chat/completions", chat("Hi", "").replace("mm1-demo", "gpt-4o"));
            assertEquals(404, wrongModel.status());
            assertEquals("model_not_found", wrongModel.error().get("code"));
        }
    }

    @Test
    void badRequestsAre400sThatNameTheField() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            record Case(String body, String param, String says) {}
            String png = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString("GIF89a? no, this is text".getBytes(StandardCharsets.UTF_8));
            List<Case> cases = List.of(
                new Case("{\"messages\": [", null, "not valid JSON"),
                new Case("[1, 2]", null, "must be a JSON object"),
                new Case("", null, "empty"),
                new Case("{}", "messages", "'messages' is required"),
                new Case("{\"messages\": \"hi\"}", "messages", "must be an array"),
                new Case("{\"messages\": []}", "messages", "at least one"),
                new Case("{\"messages\": [{\"role\": \"user\", \"content\": 3}]}", "messages[0].content", "a string or an array"),
                new Case("{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "messages[0].role", "must be system"),
                new Case("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"video\"}]}]}", "messages[0].content[0].type", "'text' or 'image_url'"),
                new Case(chat("hi", "\"temperature\": \"hot\""), "temperature", "must be a number"),
                new Case(chat("hi", "\"temperature\": 3"), "temperature", "must be in"),
                new Case(chat("hi", "\"max_tokens\": 1.5"), "max_tokens", "integer"),
                new Case(chat("hi", "\"max_tokens\": 0"), "max_tokens", "must be in"),
                new Case(chat("hi", "\"max_tokens\": 100000"), "max_tokens", "maximum context length"),
                new Case(chat("hi", "\"n\": 2"), "n", "only n = 1"),
                new Case(chat("hi", "\"stop\": 5"), "stop", "a string or an array"),
                new Case(chat("hi", "\"stop\": [\"\"]"), "stop", "must not be empty"),
                new Case(chat("hi", "\"stream\": \"yes\""), "stream", "true or false"),
                new Case(chat("hi", "\"stream_options\": {\"include_usage\": true}"), "stream_options", "only allowed"),
                new Case(chat("hi", "\"seed\": \"x\""), "seed", "integer"),
                new Case(chat("hi", "\"logprobs\": true"), "logprobs", "not supported"),
                new Case("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"" + png + "\"}}]}]}",
                    "messages[0].content[0].image_url", "image"),
                new Case("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://example.com/a.png\"}}]}]}",
                    "messages[0].content[0].image_url", "remote images"),
                new Case("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"file:///etc/passwd\"}}]}]}",
                    "messages[0].content[0].image_url", "file://"));
            boolean images = ServerHarness.Model.get().takesImages();
            for (Case c : cases) {
                if (!images && c.param != null && c.param.endsWith("image_url")) c = new Case(c.body, c.param, "takes no images");
                ServerHarness.Reply r = h.post("/v1/chat/completions", c.body);
                assertEquals(400, r.status(), c.body + " -> " + r.body());
                assertEquals("invalid_request_error", r.error().get("type"), r.body());
                assertEquals(c.param, r.error().get("param"), r.body());
                assertTrue(((String) r.error().get("message")).contains(c.says), c.body + " -> " + r.body());
            }
            ServerHarness.Reply p = h.post("/v1/completions", "{\"prompt\": 12}");
            assertEquals(400, p.status());
            assertEquals("prompt", p.error().get("param"));
            assertEquals(0L, h.health().get("slots_busy"));
        }
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config().withLimits(4, 32, 64 << 10, 8, 1 << 20, Duration.ofMinutes(1)))) {
            String big = chat("x".repeat(200 << 10), "");
            ServerHarness.Reply r = h.post("/v1/chat/completions", big);
            assertEquals(413, r.status(), r.body());
            assertTrue(((String) r.error().get("message")).contains("over this server's limit"), r.body());
            // the server still answers afterwards
            assertEquals(200, h.post("/v1/chat/completions", chat("Hi", "\"max_tokens\":2")).status());
        }
    }

    @Test
    void apiKeyIsRequiredExceptForHealth() throws Exception {
        try (ServerHarness h = ServerHarness.start(ServerHarness.config().withApiKey("sekret-123"))) {
            HttpResponse<String> none = h.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base + "/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            assertEquals("invalid_api_key", ((Map<?, ?>) json(none.body()).get("error")).get("code"));
            HttpResponse<String> wrong = h.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.base + "/v1/chat/completions"))
                .header("Authorization", "Bearer sekret-124").POST(HttpRequest.BodyPublishers.ofString(chat("Hi", ""))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            assertEquals(200, h.get("/v1/models").status());
            assertEquals(200, h.post("/v1/chat/completions", chat("Hi", "\"max_tokens\":2")).status());
            assertEquals("ok", h.health().get("status"));
        }
    }

    @Test
    void disconnectCancelsTheSequenceAndFullQueueIs429() throws Exception {
        ServerConfig c = ServerHarness.config().withContext(4096).withLimits(1, 0, 1 << 20, 8, 1 << 20, Duration.ofMinutes(1));
        try (ServerHarness h = ServerHarness.start(c)) {
            // a long answer (EOS ignored, up to the 4096-position context) on the only sequence
            HttpResponse<InputStream> r = h.client.send(h.request("/v1/chat/completions").POST(HttpRequest.BodyPublishers.ofString(
                chat("Describe the image.", "\"stream\":true,\"ignore_eos\":true,\"temperature\":0"))).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            int contentChunks = 0;
            while (contentChunks < 3) {
                String line = in.readLine();
                assertNotNull(line);
                if (line.startsWith("data: ") && line.contains("\"content\"") && !line.contains("\"role\"")) contentChunks++;
            }
            assertEquals(1L, h.health().get("slots_busy"));
            // the only sequence is busy and the queue holds nothing: another request is refused
            ServerHarness.Reply busy = h.post("/v1/chat/completions", chat("Hi", ""));
            assertEquals(429, busy.status(), busy.body());
            assertEquals("queue_full", busy.error().get("code"));
            // the client goes away: the server notices at its next write and frees the sequence
            r.body().close();
            long end = System.nanoTime() + 20_000_000_000L;
            Map<String, Object> health = h.health();
            while (((Number) health.get("slots_busy")).longValue() != 0 && System.nanoTime() < end) {
                Thread.sleep(20);
                health = h.health();
            }
            assertEquals(0L, health.get("slots_busy"), health.toString());
            assertEquals(1L, health.get("requests_cancelled"), health.toString());
            assertEquals(0L, health.get("requests_completed"), "cancelled, not finished: " + health);
            assertTrue(((Number) health.get("tokens_generated")).longValue() < 4000, health.toString());
            // and the freed sequence serves the next request
            assertEquals(200, h.post("/v1/chat/completions", chat("Hi", "\"max_tokens\":2")).status());
        }
    }

    @Test
    void nonStreamingClientThatDisconnectsIsCancelledBeforeItsAnswerIsDone() throws Exception {
        assertTrue(PeerProbe.available(), "the tests run with --add-opens jdk.httpserver/sun.net.httpserver: " + PeerProbe.unavailableReason());
        ServerConfig c = ServerHarness.config().withContext(4096).withLimits(1, 0, 1 << 20, 8, 1 << 20, Duration.ofMinutes(1));
        try (ServerHarness h = ServerHarness.start(c)) {
            // a long non-streaming answer (EOS ignored, up to the 4096-position context) from a raw socket we can drop
            byte[] body = chat("Describe the image.", "\"ignore_eos\":true,\"temperature\":0").getBytes(StandardCharsets.UTF_8);
            try (java.net.Socket s = new java.net.Socket(h.server.address().getAddress(), h.server.port())) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                s.getOutputStream().flush();
                long end = System.nanoTime() + 10_000_000_000L;
                while (((Number) h.health().get("tokens_generated")).longValue() < 50 && System.nanoTime() < end) Thread.sleep(5);
                assertEquals(1L, h.health().get("slots_busy"));
            } // closed: nothing was written to this client yet, so only the socket tells
            long closedAt = System.nanoTime();
            Map<String, Object> health = h.health();
            while (((Number) health.get("slots_busy")).longValue() != 0 && System.nanoTime() - closedAt < 20_000_000_000L) {
                Thread.sleep(10);
                health = h.health();
            }
            double seconds = (System.nanoTime() - closedAt) / 1e9;
            assertEquals(0L, health.get("slots_busy"), health.toString());
            assertEquals(1L, health.get("requests_cancelled"), "cancelled after " + seconds + " s: " + health);
            assertEquals(0L, health.get("requests_completed"), "cancelled, not finished: " + health);
            assertTrue(((Number) health.get("tokens_generated")).longValue() < 4000, health.toString());
            assertTrue(seconds < 5, "noticed after " + seconds + " s (probed every 0.25 s)");
            assertEquals(200, h.post("/v1/chat/completions", chat("Hi", "\"max_tokens\":2")).status());
        }
    }

    @Test
    void requestsPastTheTimeoutEndWithAnError() throws Exception {
        ServerConfig c = ServerHarness.config().withContext(4096).withLimits(2, 4, 1 << 20, 8, 1 << 20, Duration.ofMillis(400));
        try (ServerHarness h = ServerHarness.start(c)) {
            String longAnswer = chat("Describe the image.", "\"ignore_eos\":true,\"temperature\":0");
            ServerHarness.Reply r = h.post("/v1/chat/completions", longAnswer);
            assertEquals(504, r.status(), r.body());
            assertEquals("timeout_error", r.error().get("type"));
            List<String> events = h.stream("/v1/chat/completions", longAnswer.replace("}]", "}],\"stream\":true"));
            assertEquals("[DONE]", events.getLast());
            assertTrue(events.get(events.size() - 2).contains("\"timeout_error\""), events.get(events.size() - 2));
            Map<String, Object> health = h.health();
            assertEquals(0L, health.get("slots_busy"));
            assertEquals(2L, health.get("requests_failed"), health.toString());
        }
    }

    @Test
    void shutdownLetsRunningAnswersFinishAndRefusesNewOnes() throws Exception {
        ServerHarness h = ServerHarness.start(ServerHarness.config());
        CompletableFuture<HttpResponse<String>> running = h.client.sendAsync(h.request("/v1/completions").POST(HttpRequest.BodyPublishers.ofString(
            "{\"prompt\":\"Question: Describe the image.\\nAnswer:\",\"max_tokens\":200,\"ignore_eos\":true,\"temperature\":0}")).build(),
            HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime() + 10_000_000_000L;
        while (((Number) h.health().get("slots_busy")).longValue() == 0 && System.nanoTime() < end) Thread.sleep(5);
        h.server.close(); // returns once the running answer is out
        assertTrue(running.isDone());
        HttpResponse<String> done = running.get();
        assertEquals(200, done.statusCode(), done.body());
        assertEquals(200L, ((Map<?, ?>) json(done.body()).get("usage")).get("completion_tokens"));
        assertThrows(java.io.IOException.class, () -> h.get("/health"), "the listener is closed");
        h.client.close();
    }
}
