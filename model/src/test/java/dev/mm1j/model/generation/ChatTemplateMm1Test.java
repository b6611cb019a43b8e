package dev.mm1j.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * {@link ChatTemplate#MM1} against the demo model's own renderer: {@code mm1-chat.jsonl} holds conversations of every
 * shape (questions with and without images, follow-ups, system messages anywhere, consecutive user or assistant
 * messages, image-only messages, whitespace and Unicode spaces to trim) and the text tools/demo/chat.py's
 * {@code render_chat} writes for each, the text training saw (tools/demo/make_chat_golden.py, which also checks
 * jinja2's rendering of the demo model's chat_template). Messages given as parts (texts and images interleaved) come as
 * parts; the demo model's own template, run by {@link JinjaChatTemplate}, must write the same texts.
 */
class ChatTemplateMm1Test {
    record Golden(List<ChatMessage> messages, String text) {}

    static List<Golden> golden() throws Exception {
        List<Golden> out = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(ChatTemplateMm1Test.class.getResourceAsStream("mm1-chat.jsonl"), "mm1-chat.jsonl");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                JsonObject o = JsonObject.of(Json.parse(line), "mm1-chat.jsonl:" + ++n);
                List<ChatMessage> messages = new ArrayList<>();
                for (JsonObject m : o.getObjects("messages")) {
                    if (!m.has("parts")) {
                        messages.add(new ChatMessage(m.getString("role"), m.getString("content"), m.getInt("images")));
                        continue;
                    }
                    List<ChatMessage.Part> parts = new ArrayList<>();
                    for (JsonObject p : m.getObjects("parts")) parts.add(p.getString("type").equals("image") ? ChatMessage.IMAGE : new ChatMessage.Text(p.getString("text")));
                    messages.add(ChatMessage.of(m.getString("role"), parts));
                }
                out.add(new Golden(messages, o.getString("text")));
            }
        }
        return out;
    }

    @Test
    void rendersEveryGoldenConversationAsThePythonRenderer() throws Exception {
        List<Golden> all = golden();
        assertTrue(all.size() >= 400, "golden conversations: " + all.size());
        boolean followUp = false, merged = false, system = false;
        for (int i = 0; i < all.size(); i++) {
            Golden g = all.get(i);
            assertEquals(g.text(), ChatTemplate.MM1.render(g.messages(), true, "<s>", "</s>"), "conversation " + (i + 1));
            followUp |= g.text().contains("</s>\nQuestion: ");
            system |= g.messages().stream().anyMatch(m -> m.role().equals("system"));
            for (int k = 1; k < g.messages().size(); k++) merged |= g.messages().get(k).role().equals("user") && g.messages().get(k - 1).role().equals("user");
        }
        assertTrue(followUp && merged && system, "the golden set covers follow-ups, consecutive user messages and system messages");
    }

    /** The demo checkpoint's own Jinja chat_template (what the engine renders it with) writes the same golden texts. */
    @Test
    void theDemoModelsOwnTemplateRendersTheSame() throws Exception {
        Path config = Path.of(System.getProperty("mm1j.test.demoModel", "../models/mm1-demo")).resolve("tokenizer_config.json");
        Map<String, Object> cfg = JsonObject.read(config).map();
        JinjaChatTemplate t = JinjaChatTemplate.compile((String) cfg.get("chat_template"), config.toString(), JinjaChatTemplate.specialTokens(cfg));
        List<Golden> all = golden();
        for (int i = 0; i < all.size(); i++) assertEquals(all.get(i).text(), t.render(all.get(i).messages(), true), "conversation " + (i + 1));
    }

    @Test
    void imagesSentEarlierStayWithTheirQuestion() {
        List<ChatMessage> c = List.of(new ChatMessage("user", "Describe the image.", 1), ChatMessage.assistant("a red star at the top"),
            ChatMessage.user("  what COLOR is the star "));
        assertEquals("<s>Question: Describe the image.\n<image>\nAnswer: a red star at the top</s>\nQuestion: what COLOR is the star\nAnswer:",
            ChatTemplate.MM1.render(c, true, "<s>", "</s>"));
        // an image alone, then its question: one turn, as if sent together
        List<ChatMessage> split = List.of(new ChatMessage("user", "", 2), ChatMessage.user("Which image has more shapes?"));
        assertEquals("<s>Question: Which image has more shapes?\n<image><image>\nAnswer:", ChatTemplate.MM1.render(split, true, "<s>", "</s>"));
    }

    /** Trimming removes exactly the characters Python's str.isspace() accepts (python-isspace.json, from Python). */
    @Test
    void stripsWhatPythonStrips() throws Exception {
        JsonObject o;
        try (InputStream in = Objects.requireNonNull(ChatTemplateMm1Test.class.getResourceAsStream("python-isspace.json"), "python-isspace.json")) {
            o = JsonObject.of(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "python-isspace.json");
        }
        java.util.Set<Long> py = new java.util.HashSet<>();
        for (long c : o.getLongs("isspace")) py.add(c);
        assertTrue(py.size() > 20, "whitespace set: " + py.size());
        for (char c = 0; c < 0xffff; c++) {
            assertEquals(py.contains((long) c), ChatTemplate.isPythonSpace(c), "U+" + Integer.toHexString(c));
            String s = c + "x" + c;
            assertEquals(py.contains((long) c) ? "x" : s, ChatTemplate.pythonStrip(s), "U+" + Integer.toHexString(c));
        }
    }
}
