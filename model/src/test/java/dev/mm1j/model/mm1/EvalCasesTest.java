package dev.mm1j.model.mm1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the evaluation fixture: conversations with follow-ups, the older single-question form, and bad lines. */
class EvalCasesTest {
    @TempDir
    Path tmp;

    static final String CONVERSATION = """
        {"id": 4, "section": "main", "category": "multiturn", "variant": "mixed", "canvas": "wide", "images": ["a.png"], \
        "messages": [{"role": "user", "content": "Describe the image.", "images": 1}, {"role": "assistant", "content": "a red star at the top", "images": 0}, \
        {"role": "user", "content": " what COLOR is the star ", "images": 0}], \
        "prompt": "Question: Describe the image.\\n<image>\\nAnswer: a red star at the top</s>\\nQuestion: what COLOR is the star\\nAnswer:", \
        "prompt_ids": [1, 5], "expected": "red", "torch_answer": "red", "torch_ids": [7, 2], "torch_exact": true}
        """;
    static final String LEGACY = """
        {"id": 0, "category": "count", "images": ["a.png", "b.png"], "prompt": "Question: Which image has more shapes?\\n<image><image>\\nAnswer:", \
        "prompt_ids": [1], "expected": "the first", "torch_answer": "the first", "torch_ids": [9, 2]}
        """;

    List<EvalCases.Case> read(String... lines) throws Exception {
        Path f = tmp.resolve("cases.jsonl");
        Files.writeString(f, String.join("", lines));
        return EvalCases.read(f);
    }

    @Test
    void aConversationBecomesThePromptItRendersTo() throws Exception {
        EvalCases.Case c = read(CONVERSATION).getFirst();
        assertEquals("variant mixed wide main", "variant " + c.variant() + " " + c.canvas() + " " + c.section());
        Prompt p = EvalCases.prompt(c);
        assertEquals(List.of(tmp.resolve("a.png").toString()), p.images().stream().map(Object::toString).toList());
        assertEquals("<s>" + c.prompt(), ChatTemplate.MM1.render(p.messages(), true, "<s>", "</s>"));
    }

    @Test
    void anOlderFixtureStillReadsItsSingleQuestion() throws Exception {
        EvalCases.Case c = read(LEGACY).getFirst();
        assertNull(c.messages());
        assertEquals("", c.section());
        Prompt p = EvalCases.prompt(c);
        assertEquals(List.of(new ChatMessage("user", "Which image has more shapes?", 2)), p.messages());
    }

    @Test
    void tallyGroupsByAKeyAndLeavesOutTheOthers() throws Exception {
        List<EvalCases.Case> cs = read(CONVERSATION, LEGACY);
        List<EvalCases.Outcome> o = List.of(new EvalCases.Outcome(cs.get(0), true, new int[] {7, 2}, "red", true, true, true),
            new EvalCases.Outcome(cs.get(1), true, new int[] {9}, "the", false, false, true));
        Map<String, int[]> byCanvas = EvalCases.tally(o, EvalCases.Case::canvas);
        assertEquals(List.of("wide", "overall"), List.copyOf(byCanvas.keySet()));
        assertEquals(List.of(1, 1, 1, 1, 1), java.util.Arrays.stream(byCanvas.get("overall")).boxed().toList());
        Map<String, int[]> byCategory = EvalCases.tally(o);
        assertEquals(List.of("count", "multiturn", "overall"), List.copyOf(byCategory.keySet()));
        assertEquals(List.of(2, 1, 2, 1, 2), java.util.Arrays.stream(byCategory.get("overall")).boxed().toList());
    }

    @Test
    void badCasesNameTheProblem() throws Exception {
        EvalCases.Case tooFew = read(CONVERSATION.replace("\"images\": [\"a.png\"]", "\"images\": []")).getFirst();
        Mm1jException e = assertThrows(Mm1jException.class, () -> EvalCases.prompt(tooFew));
        assertTrue(e.getMessage().contains("case 4: the messages send more images than the 0 image files"), e.getMessage());
        EvalCases.Case tooMany = read(CONVERSATION.replace("\"images\": [\"a.png\"]", "\"images\": [\"a.png\", \"b.png\"]")).getFirst();
        e = assertThrows(Mm1jException.class, () -> EvalCases.prompt(tooMany));
        assertTrue(e.getMessage().contains("1 images in the messages but 2 image files"), e.getMessage());
        e = assertThrows(Mm1jException.class, () -> read(CONVERSATION.replace("\"role\": \"assistant\"", "\"role\": \"robot\"")));
        assertTrue(e.getMessage().contains("messages[1]") && e.getMessage().contains("unknown chat role 'robot'"), e.getMessage());
        e = assertThrows(Mm1jException.class, () -> EvalCases.prompt(read(LEGACY.replace("Question: ", "Q: ")).getFirst()));
        assertTrue(e.getMessage().contains("not in the MM1 plain format"), e.getMessage());
    }
}
