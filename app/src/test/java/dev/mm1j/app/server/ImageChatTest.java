package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.EvalCases;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.mm1.Prompt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Chats with images over HTTP against the demo model. The references: the true answers of examples/README.md
 * (written by the scene generator that drew the images), the in-process {@link Mm1} API on the same checkpoint,
 * and, when the demo model's evaluation fixture is there (models/mm1-demo/eval), PyTorch's greedy answers.
 */
class ImageChatTest {
    static final Path EXAMPLES = Path.of("../examples");

    record Question(List<Path> images, String question, String truth) {}

    /** The table of examples/README.md: images | question | true answer. */
    static List<Question> readmeQuestions() throws Exception {
        List<Question> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| (shapes\\S+(?: shapes\\S+)*) \\| ([^|]+?) \\| ([^|]+?) \\|$").matcher(Files.readString(EXAMPLES.resolve("README.md")));
        while (m.find()) {
            List<Path> imgs = new ArrayList<>();
            for (String f : m.group(1).split(" ")) imgs.add(EXAMPLES.resolve(f));
            out.add(new Question(imgs, m.group(2), m.group(3)));
        }
        assertTrue(out.size() >= 10, "examples/README.md lists its questions: " + out.size());
        return out;
    }

    static String body(List<Path> images, String question, String extra) throws Exception {
        StringBuilder parts = new StringBuilder();
        for (Path p : images) {
            parts.append("{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(Files.readAllBytes(p))).append("\"}},");
        }
        parts.append("{\"type\":\"text\",\"text\":").append(Json.write(question)).append("}");
        return "{\"model\":\"mm1-demo\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "]}]" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void chatsWithImagesGiveTheLibrarysGreedyAnswersAndTheRightOnes() throws Exception {
        List<Question> qs = readmeQuestions();
        List<String> library = new ArrayList<>();
        try (Mm1 m = Mm1.load(ServerHarness.DEMO, Mm1Options.defaults().threads(2))) {
            for (Question q : qs) library.add(m.generate(Prompt.of(q.question(), q.images().toArray(Path[]::new)), SamplingParams.greedy(), 48, List.of(), null).text().strip());
        }
        int right = 0;
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            for (int i = 0; i < qs.size(); i++) {
                Question q = qs.get(i);
                ServerHarness.Reply r = h.post("/v1/chat/completions", body(q.images(), q.question(), "\"temperature\":0,\"max_tokens\":48"));
                assertEquals(200, r.status(), r.body());
                String answer = OpenAiServerTest.content(r.json());
                System.out.printf("[server] %-28s %-32s -> '%s' (true answer '%s')%n", q.images().stream().map(p -> p.getFileName().toString()).toList(),
                    q.question(), answer, q.truth());
                assertEquals(library.get(i), answer, q.question() + " on " + q.images());
                Map<?, ?> usage = (Map<?, ?>) r.json().get("usage");
                assertTrue(((Number) usage.get("prompt_tokens")).intValue() > 9 * q.images().size(), "image positions are counted: " + usage);
                if (answer.equals(q.truth())) right++;
            }
        }
        System.out.printf("[server] %d of %d example questions answered right%n", right, qs.size());
        assertTrue(right >= 1, "the demo model answers some example questions right");
    }

    @Test
    void concurrentImageChatsAnswerAsTheyDoAlone() throws Exception {
        List<Question> qs = readmeQuestions();
        try (ServerHarness h = ServerHarness.start(ServerHarness.config().withLimits(8, 32, 1 << 20, 8, 1 << 20, java.time.Duration.ofMinutes(2)))) {
            List<String> alone = new ArrayList<>();
            for (Question q : qs) alone.add(OpenAiServerTest.content(h.post("/v1/chat/completions", body(q.images(), q.question(), "\"temperature\":0.8,\"seed\":5")).json()));
            // all at once: images encoded in shared batches, prompts and answers in shared forward steps
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> together = new ArrayList<>();
            for (Question q : qs) {
                together.add(h.client.sendAsync(h.request("/v1/chat/completions").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                    body(q.images(), q.question(), "\"temperature\":0.8,\"seed\":5"))).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < qs.size(); i++) {
                assertEquals(alone.get(i), OpenAiServerTest.content(OpenAiServerTest.json(together.get(i).get().body())), qs.get(i).question());
            }
        }
    }

    @Test
    void answersMatchPyTorchOnTheEvaluationFixture() throws Exception {
        Path cases = ServerHarness.DEMO.resolve("eval/cases.jsonl");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(cases), "no evaluation fixture at " + cases + " yet (tools/demo/eval.py writes it)");
        List<EvalCases.Case> all = EvalCases.read(cases);
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            // single questions (the body below sends one message; follow-up conversations are DemoModelTest's)
            List<EvalCases.Case> single = all.stream().filter(c -> c.messages() == null || c.messages().size() == 1).toList();
            for (EvalCases.Case c : single.subList(0, Math.min(12, single.size()))) {
                Prompt p = EvalCases.prompt(c);
                String question = p.messages().getLast().content();
                ServerHarness.Reply r = h.post("/v1/chat/completions", body(c.images(), question, "\"temperature\":0,\"max_tokens\":" + EvalCases.MAX_NEW));
                assertEquals(200, r.status(), r.body());
                assertEquals(c.torchAnswer().strip(), OpenAiServerTest.content(r.json()), "case " + c.id() + " (" + c.category() + ")");
            }
        }
    }

    @Test
    void streamedImageChatReassemblesToTheWholeAnswer() throws Exception {
        Question q = readmeQuestions().getFirst();
        try (ServerHarness h = ServerHarness.start(ServerHarness.config())) {
            for (String sampling : List.of("\"temperature\":0", "\"temperature\":1.0,\"seed\":99")) {
                ServerHarness.Reply whole = h.post("/v1/chat/completions", body(q.images(), q.question(), sampling));
                List<Object> s = OpenAiServerTest.reassemble(h.stream("/v1/chat/completions",
                    body(q.images(), q.question(), sampling + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")), true);
                assertEquals(OpenAiServerTest.content(whole.json()), s.get(1));
                assertEquals(whole.json().get("usage"), s.get(2));
            }
        }
    }
}
