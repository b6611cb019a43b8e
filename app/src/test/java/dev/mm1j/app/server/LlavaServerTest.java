package dev.mm1j.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.mm1.Mm1Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible server on LLaVA fixtures: chat requests with {@code image_url} parts (data URLs) answer
 * PyTorch's greedy tokens of chat.json (tools/llava/chat_golden.py), on a Hugging Face folder with llava-hf's
 * processor template and on a GGUF pair whose text template takes the images inline; the image rows count in
 * {@code usage.prompt_tokens}; a text-only request to the same server works too.
 */
class LlavaServerTest {
    static final Path GOLDEN = Path.of("../model/src/test/resources/golden/llava");

    static String imagePart(Path p) throws Exception {
        return "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(p)) + "\"}}";
    }

    static String text(String s) {
        return "{\"type\":\"text\",\"text\":" + Json.write(s) + "}";
    }

    /** Each chat.json conversation of one user message (images then text) sent as a request; the answer is PyTorch's. */
    @SuppressWarnings("unchecked")
    static void answersArePyTorchs(Path folder, LoadedModel model) throws Exception {
        JsonObject chat = JsonObject.read(folder.resolve("chat.json"));
        int maxNew = chat.getInt("max_new");
        int asked = 0;
        try (ServerHarness h = ServerHarness.start(model, ServerConfig.defaults("llava", model.defaultContext()).withPort(0).withWarmup(java.time.Duration.ZERO))) {
            for (JsonObject c : chat.getObjects("conversations")) {
                List<JsonObject> messages = c.getObjects("messages");
                if (messages.size() != 1) continue;
                StringBuilder parts = new StringBuilder();
                int k = 0;
                for (Object o : messages.getFirst().getList("content")) {
                    Map<String, Object> p = (Map<String, Object>) o;
                    if (!parts.isEmpty()) parts.append(',');
                    parts.append(p.get("type").equals("image") ? imagePart(GOLDEN.resolve(c.getStrings("images").get(k++))) : text((String) p.get("text")));
                }
                String body = "{\"model\":\"llava\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "]}],\"temperature\":0,\"max_tokens\":" + maxNew
                    + ",\"ignore_eos\":true}";
                ServerHarness.Reply r = h.post("/v1/chat/completions", body);
                assertEquals(200, r.status(), r.body());
                int[] greedy = java.util.Arrays.stream(c.getLongs("greedy")).mapToInt(Math::toIntExact).toArray();
                String want = model.tokenizer().decode(greedy, true);
                assertEquals(want.strip(), OpenAiServerTest.content(r.json()).strip(), folder.getFileName() + "/" + c.getString("name"));
                Map<?, ?> usage = (Map<?, ?>) r.json().get("usage");
                int ids = c.getLongs("ids").length, images = c.getStrings("images").size();
                if (images > 0) assertTrue(((Number) usage.get("prompt_tokens")).intValue() > ids, "image rows are counted: " + usage);
                else assertEquals(ids, ((Number) usage.get("prompt_tokens")).intValue(), "a text-only request: " + usage);
                System.out.printf("[llava server] %s/%s: %s prompt tokens, answer = PyTorch's greedy%n", folder.getFileName(), c.getString("name"), usage.get("prompt_tokens"));
                asked++;
            }
        }
        assertTrue(asked >= 2, "asked " + asked);
    }

    @Test
    void imageUrlPartsOnAFolderWithAProcessorTemplate() throws Exception {
        Path folder = GOLDEN.resolve("llava15-legacy-f32");
        try (LoadedModel m = LoadedModel.open(folder, Mm1Options.defaults().threads(2))) {
            answersArePyTorchs(folder, m);
        }
    }

    @Test
    void imageUrlPartsOnAGgufPair() throws Exception {
        Path folder = GOLDEN.resolve("gguf-llava16");
        try (LoadedModel m = LoadedModel.open(folder.resolve("text-f16.gguf"), Mm1Options.defaults().threads(2).mmproj(folder.resolve("mmproj-f16.gguf")))) {
            answersArePyTorchs(folder, m);
        }
    }
}
