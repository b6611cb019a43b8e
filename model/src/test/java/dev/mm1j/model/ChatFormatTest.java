package dev.mm1j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.ChatTemplateException;
import dev.mm1j.model.mm1.Mm1Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which chat format a loaded model renders prompts with: its own Jinja template, or the built-in one --template names. */
class ChatFormatTest {
    static final Path DEMO = Path.of("../models/mm1-demo");

    /** Conversations of every shape the MM1 format has: images 0..3, few-shot turns, a system message. */
    static List<List<ChatMessage>> conversations() {
        return List.of(
            List.of(ChatMessage.user("What colour is the star?")),
            List.of(new ChatMessage("user", "What colour is the star?", 1)),
            List.of(new ChatMessage("user", "Which image has more shapes?", 2)),
            List.of(new ChatMessage("user", "How many shapes are there?", 1), ChatMessage.assistant("three"),
                new ChatMessage("user", "Which image has more shapes?", 3)),
            List.of(ChatMessage.system("Answer briefly."), new ChatMessage("user", "Describe the image.", 1)));
    }

    /** The demo model's tokenizer_config.json template renders exactly what the built-in MM1 format (its training format) renders. */
    @Test
    void theDemoModelsTemplateIsTheMm1Format() throws IOException {
        try (LoadedModel own = LoadedModel.open(DEMO, Mm1Options.defaults().backend("reference"));
             LoadedModel named = LoadedModel.open(DEMO, Mm1Options.defaults().backend("reference").template("mm1"))) {
            assertNotNull(own.chat().jinja(), "the checkpoint's own template is used");
            assertNull(named.chat().jinja(), "--template picks the built-in format");
            assertEquals(ChatTemplate.MM1, own.chat().template(), "the template is recognised as the MM1 format (stop tokens, answer spacing)");
            for (List<ChatMessage> c : conversations()) {
                assertEquals(named.chat().render(c, true), own.chat().render(c, true), c.toString());
                assertEquals(named.chat().render(c, false), own.chat().render(c, false), c.toString());
            }
            assertTrue(own.describe().contains("chat template"), own.describe());
        }
    }

    /** A template mm1j cannot parse is refused with one error that names --template. */
    @Test
    void aTemplateItCannotParseNamesTemplate(@TempDir Path dir) throws IOException {
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) Files.copy(DEMO.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }");
        try (LoadedModel m = LoadedModel.open(dir, Mm1Options.defaults().backend("reference"))) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, m::chat);
            assertTrue(e.getMessage().contains("--template"), e.getMessage());
        }
        try (LoadedModel m = LoadedModel.open(dir, Mm1Options.defaults().backend("reference").template("mm1"))) {
            assertEquals("<s>Question: hi\nAnswer:", m.chat().render(List.of(ChatMessage.user("hi")), true));
        }
    }
}
