package dev.mm1j.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import dev.mm1j.model.generation.jinja.JinjaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's adapter: a conversation of {@link ChatMessage}s through {@link JinjaChatTemplate} must produce the
 * context tools/jinja rendered (same messages, parts or text, special tokens, tools/documents) and so the same
 * prompt text as the references, for every conversation of the golden corpus on every template.
 */
class JinjaChatTemplateTest {
    private static final String ROOT = "/dev/mm1j/model/generation/jinja/";

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> conversationsRenderAsTheReferences() throws IOException {
        Map<String, Object> golden = (Map<String, Object>) Json.parse(resource("golden.json"));
        LocalDateTime now = LocalDateTime.parse((String) golden.get("now"));
        Map<String, Map<String, Object>> templates = (Map<String, Map<String, Object>>) golden.get("templates");
        Map<String, Map<String, Object>> conversations = (Map<String, Map<String, Object>>) golden.get("conversations");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) golden.get("cases")) {
            if (Boolean.TRUE.equals(c.get("raw"))) continue; // tool-calling contexts: messages ChatMessage cannot hold
            String name = (String) c.get("template");
            Map<String, Object> t = templates.get(name);
            Map<String, Object> conv = conversations.get((String) c.get("conversation"));
            boolean agp = (Boolean) c.get("add_generation_prompt");
            tests.add(DynamicTest.dynamicTest(name + " / " + c.get("conversation") + (agp ? " +gen" : ""), () -> {
                JinjaChatTemplate chat = JinjaChatTemplate.compile(resource((String) t.get("file")), name,
                    (Map<String, Object>) t.get("tokens"), JinjaChatTemplate.ContentStyle.AUTO, () -> now);
                assertEquals(t.get("style"), chat.contentStyle().name().toLowerCase(), "content style chosen for " + name);
                List<ChatMessage> messages = messages((List<Map<String, Object>>) conv.get("messages"));
                Map<String, Object> extra = (Map<String, Object>) conv.get("extra");
                assertEquals(c.get("context"), chat.context(messages, agp, extra));
                Map<String, Object> result = c.containsKey("jinja2") ? (Map<String, Object>) c.get("jinja2") : c;
                if (result.containsKey("expected")) {
                    assertEquals(result.get("expected"), chat.render(messages, agp, extra));
                } else {
                    assertThrows(ChatTemplateException.class, () -> chat.render(messages, agp, extra));
                }
            }));
        }
        assertTrue(tests.size() >= 400, "cases: " + tests.size());
        return tests.stream();
    }

    /** The corpus' neutral messages ({"role", "parts": [{"text"} | {"image": true}]}) as ChatMessages. */
    @SuppressWarnings("unchecked")
    private static List<ChatMessage> messages(List<Map<String, Object>> neutral) {
        List<ChatMessage> out = new ArrayList<>();
        for (Map<String, Object> m : neutral) {
            List<ChatMessage.Part> parts = new ArrayList<>();
            for (Map<String, Object> p : (List<Map<String, Object>>) m.get("parts")) {
                parts.add(Boolean.TRUE.equals(p.get("image")) ? ChatMessage.IMAGE : new ChatMessage.Text((String) p.get("text")));
            }
            out.add(ChatMessage.of((String) m.get("role"), parts));
        }
        return out;
    }

    @Test
    void aTemplateMm1jCannotParseNamesTheLineTheConstructAndTemplateOption() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
            () -> JinjaChatTemplate.compile("{% for m in messages %}\n{{ m.content | frobnicate }}{% endfor %}", "some-model/tokenizer_config.json", Map.of()));
        assertFalse(e.refusedConversation());
        assertEquals(2, e.jinja().line());
        assertTrue(e.getMessage().startsWith("cannot use the chat template of some-model/tokenizer_config.json:"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2, column 16: unknown filter 'frobnicate'"), e.getMessage());
        assertTrue(e.getMessage().contains("--template llama3|chatml|mistral|vicuna|mm1|raw"), e.getMessage());
    }

    @Test
    void aTemplateThatFailsWhileRenderingNamesTheTemplateOption() {
        JinjaChatTemplate t = JinjaChatTemplate.compile("{{ messages[0].content.missing.deeper }}", "m", Map.of());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(ChatMessage.user("x")), true));
        assertEquals(JinjaException.Kind.RENDER, e.jinja().kind());
        assertTrue(e.getMessage().contains("line 1, column 31") && e.getMessage().contains("--template"), e.getMessage());
    }

    @Test
    void aConversationTheTemplateRefusesIsReportedAsSuch() throws IOException {
        JinjaChatTemplate t = JinjaChatTemplate.compile(resource("templates/mistral-7b-instruct-v0.1.jinja"), "Mistral-7B-Instruct-v0.1",
            Map.of("bos_token", "<s>", "eos_token", "</s>"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
            () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(e.refusedConversation());
        assertEquals("the chat template of Mistral-7B-Instruct-v0.1 refused this conversation: "
            + "Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void chatMessagesKeepTheirOldFormAndCheckTheirParts() {
        ChatMessage old = new ChatMessage("user", "What is it?", 2);
        assertEquals(List.of(ChatMessage.IMAGE, ChatMessage.IMAGE, new ChatMessage.Text("What is it?")), old.parts());
        assertEquals(List.of(ChatMessage.IMAGE), new ChatMessage("user", "", 1).parts());
        assertEquals(List.of(new ChatMessage.Text("")), ChatMessage.user("").parts());
        ChatMessage ordered = ChatMessage.of("user", List.of(new ChatMessage.Text("Compare "), ChatMessage.IMAGE, new ChatMessage.Text("and"), ChatMessage.IMAGE));
        assertEquals("Compare and", ordered.content());
        assertEquals(2, ordered.images());
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage("user", "x", 1, List.of(new ChatMessage.Text("x"))));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage("tool", "x", 0));
    }

    @Test
    void specialTokensAreTokenizerConfigsStringsAndAddedTokens() {
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) Json.parse("{\"bos_token\": {\"content\": \"<s>\", \"lstrip\": false}, \"eos_token\": \"</s>\","
            + " \"additional_special_tokens\": [\"<image>\"], \"model_max_length\": 8}");
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>", "additional_special_tokens", List.of("<image>")), JinjaChatTemplate.specialTokens(config));
    }

    static String resource(String name) throws IOException {
        try (InputStream in = JinjaChatTemplateTest.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IOException("missing test resource " + ROOT + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
