package dev.mm1j.model.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopAndTemplateTest {

    @Test
    void stopStringsAcrossPiecesAreNeverShown() {
        StopStrings s = new StopStrings(List.of("\nUser:", "###"));
        StringBuilder shown = new StringBuilder();
        for (String piece : new String[] {"Hello", " world", "\n", "Us", "er", ": more"}) {
            shown.append(s.push(piece));
            if (s.stopped()) break;
        }
        assertTrue(s.stopped());
        assertEquals("Hello world", shown.toString());

        StopStrings t = new StopStrings(List.of("###"));
        assertEquals("a", t.push("a#"));
        assertEquals("", t.push("#"));
        assertEquals("##b", t.push("b"));
        assertEquals("c", t.push("c#"));
        assertFalse(t.stopped());
        assertEquals("#", t.flush());
        StopStrings none = new StopStrings(List.of());
        assertEquals("x", none.push("x"));
    }

    // The expected strings are the official Jinja templates rendered by hand for this conversation:
    // Llama-3-8B-Instruct, Qwen2-7B-Instruct, Mistral-7B-Instruct-v0.1 and models/mm1-demo's tokenizer_config.json.
    static final List<ChatMessage> CONVO = List.of(ChatMessage.user("Hi!"), ChatMessage.assistant("Hello."), ChatMessage.user("2+2?"));

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatTemplate.LLAMA3.render(withSystem(), true, "<|begin_of_text|>", "<|end_of_text|>"));
    }

    @Test
    void chatmlWithQwensDefaultSystem() {
        String jinja = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        assertEquals(ChatTemplate.CHATML, ChatTemplate.detect(jinja, "qwen2", 151936));
        String sys = ChatTemplate.defaultSystemPrompt(jinja);
        assertEquals("You are a helpful assistant.", sys);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.CHATML.render(CONVO, true, null, null, sys));
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] Hi! [/INST]Hello.</s>[INST] 2+2? [/INST]", ChatTemplate.MISTRAL.render(CONVO, true, "<s>", "</s>"));
        assertEquals("<s>[INST] Be brief.\n\nHi! [/INST]Hello.</s>[INST] 2+2? [/INST]", ChatTemplate.MISTRAL.render(withSystem(), true, "<s>", "</s>"));
    }

    @Test
    void mm1() {
        List<ChatMessage> c = List.of(new ChatMessage("user", "What colour is the star?", 1), ChatMessage.assistant("yellow"),
            ChatMessage.user("And the square?"));
        assertEquals("<s>Question: What colour is the star?\n<image>\nAnswer: yellow</s>\nQuestion: And the square?\nAnswer:",
            ChatTemplate.MM1.render(c, true, "<s>", "</s>"));
    }

    @Test
    void detection() {
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.detect("{{ '<|start_header_id|>' }}", "llama", 128256));
        assertEquals(ChatTemplate.MISTRAL, ChatTemplate.detect("{{ '[INST] ' + message['content'] }}", "llama", 32000));
        assertEquals(ChatTemplate.MM1, ChatTemplate.detect("\\nQuestion: {{ x }}\\nAnswer:", "mm1", 512));
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.detect(null, "llama", 128256));
        assertEquals(ChatTemplate.MISTRAL, ChatTemplate.detect(null, "mixtral", 32000));
        assertEquals(ChatTemplate.CHATML, ChatTemplate.detect(null, "qwen2", 151936));
        assertEquals(ChatTemplate.MM1, ChatTemplate.detect(null, "mm1", 512));
        assertEquals(ChatTemplate.RAW, ChatTemplate.detect("{{ messages }}", "other", 10));
        assertEquals(ChatTemplate.CHATML, ChatTemplate.byName("ChatML"));
    }

    static List<ChatMessage> withSystem() {
        return List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi!"), ChatMessage.assistant("Hello."), ChatMessage.user("2+2?"));
    }
}
