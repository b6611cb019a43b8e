package dev.mm1j.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.mm1.Prompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java API ({@link Mm1#load} + {@link Prompt} with images) on every LLaVA layout, against chat.json
 * (tools/llava/chat_golden.py): the conversation renders to the text and tokenizes to the ids the layout's own
 * software gives (transformers' processor with chat_template.json; the trained format for folders without a template;
 * llama.cpp's mtmd split at the image marker for a GGUF pair, whose vocabulary has no image token, with the GGUF's
 * tokenizer.chat_template or the family default), and greedy generation gives PyTorch's tokens, token for token.
 * Text-only conversations to the same models too.
 */
class LlavaChatTest {
    static final Path DIR = LlavaGoldenTest.DIR;

    /** A pair's text GGUF and mmproj, or a folder (mmproj null). */
    record Layout(String name, Path model, Path mmproj) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Layout> LAYOUTS = List.of(
        new Layout("llava15-legacy-f32", DIR.resolve("llava15-legacy-f32"), null),
        new Layout("llava15-new-bf16", DIR.resolve("llava15-new-bf16"), null),
        new Layout("next-legacy-bf16", DIR.resolve("next-legacy-bf16"), null),
        new Layout("next-new-f32", DIR.resolve("next-new-f32"), null),
        new Layout("gguf-llava15", DIR.resolve("gguf-llava15/text-f16.gguf"), DIR.resolve("gguf-llava15/mmproj-f16.gguf")),
        new Layout("gguf-llava16", DIR.resolve("gguf-llava16/text-f16.gguf"), DIR.resolve("gguf-llava16/mmproj-f16.gguf")));

    /** One conversation of chat.json. */
    record Conversation(String name, Prompt prompt, String text, int[] ids, int[] greedy) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Path folder(Layout l) {
        return l.mmproj() != null ? l.model().getParent() : l.model();
    }

    /** chat.json's conversations as prompts: each message's images (given before its text), its text, the answers. */
    @SuppressWarnings("unchecked")
    static List<Conversation> conversations(Layout l) throws Exception {
        JsonObject chat = JsonObject.read(folder(l).resolve("chat.json"));
        List<Conversation> out = new ArrayList<>();
        for (JsonObject c : chat.getObjects("conversations")) {
            List<Path> images = c.getStrings("images").stream().map(DIR::resolve).toList();
            Prompt.Builder b = Prompt.builder();
            int k = 0;
            for (JsonObject m : c.getObjects("messages")) {
                StringBuilder text = new StringBuilder();
                for (Object o : m.getList("content")) {
                    Map<String, Object> part = (Map<String, Object>) o;
                    if (part.get("type").equals("image")) {
                        assertTrue(text.isEmpty(), "the fixtures put a message's images before its text");
                        b.image(images.get(k++));
                    } else {
                        text.append((String) part.get("text"));
                    }
                }
                switch (m.getString("role")) {
                    case "system" -> b.system(text.toString());
                    case "user" -> b.question(text.toString());
                    default -> b.answer(text.toString());
                }
            }
            assertEquals(images.size(), k);
            out.add(new Conversation(l.name() + "/" + c.getString("name"), b.build(), c.getString("text"), ints(c.getLongs("ids")), ints(c.getLongs("greedy"))));
        }
        return out;
    }

    static Mm1 load(Layout l, String backend) throws Exception {
        Mm1Options o = Mm1Options.defaults().backend(backend).threads(2).log(w -> { throw new AssertionError("unexpected warning: " + w); });
        return Mm1.load(l.model(), l.mmproj() != null ? o.mmproj(l.mmproj()) : o);
    }

    static Stream<Arguments> layouts() {
        return LAYOUTS.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void promptsRenderAndTokenizeAsTheLayoutsOwnSoftwareAndGreedyIsPyTorchs(Layout l) throws Exception {
        JsonObject chat = JsonObject.read(folder(l).resolve("chat.json"));
        int maxNew = chat.getInt("max_new");
        try (Mm1 m = load(l, "cpu")) {
            assertEquals(chat.getInt("image_token"), m.model().requireImages().imageTokenId());
            for (Conversation c : conversations(l)) {
                assertEquals(c.text(), m.promptText(c.prompt()), c + ": rendered text");
                assertArrayEquals(c.ids(), m.promptIds(c.prompt()), c + ": prompt ids");
                Mm1.Result r = m.generate(c.prompt(), SamplingParams.greedy(), maxNew, List.of(), true, null);
                assertArrayEquals(c.greedy(), r.tokens(), c + ": greedy tokens");
                assertEquals(c.prompt().images().size(), r.images());
                System.out.printf("[llava chat] %s: %d prompt ids, %s; greedy = PyTorch's%n", c, c.ids().length, m.model().chat().describe());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void withoutATemplateTheFamilyDefaultIsTheTrainedFormat(Layout l) throws Exception {
        try (Mm1 m = load(l, "cpu")) {
            ChatTemplate want = switch (l.name()) {
                case "llava15-new-bf16" -> ChatTemplate.MISTRAL;        // Mistral text, no template
                case "next-new-f32", "gguf-llava15" -> ChatTemplate.VICUNA; // Llama (Vicuna) text, no template
                default -> null;                                           // the checkpoint's own template renders
            };
            if (want != null) {
                assertEquals(want, m.template());
                assertEquals(null, m.model().chat().jinja());
            } else {
                assertTrue(m.model().chat().jinja() != null, l + ": the checkpoint's template is used");
            }
        }
    }

    static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
