package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Mm1Options;
import dev.mm1j.model.mm1.Prompt;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code mm1j run --image} and {@code mm1j chat} with {@code <image:FILE>} on LLaVA fixtures (a Hugging Face folder
 * with llava-hf's processor template, and llama.cpp's GGUF pair with {@code --mmproj}): the answers are PyTorch's
 * greedy tokens of chat.json (tools/llava/chat_golden.py), the prompt counts the image rows.
 */
class LlavaChatCommandsTest {
    static final String GOLDEN = LlavaCommandsTest.GOLDEN;
    static final String Q = "What is shown in this image?";

    /** chat.json's conversation {@code name} of {@code folder}: its ids and PyTorch's greedy tokens. */
    static JsonObject conversation(String folder, String name) throws Exception {
        for (JsonObject c : JsonObject.read(Path.of(GOLDEN + folder + "/chat.json")).getObjects("conversations")) {
            if (c.getString("name").equals(name)) return c;
        }
        throw new AssertionError("no conversation " + name + " in " + folder);
    }

    static List<Long> longs(long[] v) {
        List<Long> out = new ArrayList<>();
        for (long x : v) out.add(x);
        return out;
    }

    @SuppressWarnings("unchecked")
    void runGivesPyTorchsGreedyTokens(String folder, List<String> model) throws Exception {
        JsonObject c = conversation(folder, "one-image");
        String image = GOLDEN + c.getStrings("images").getFirst();
        List<String> argv = new ArrayList<>(List.of("run"));
        argv.addAll(model);
        argv.addAll(List.of("--image", image, "-n", "8", "--ignore-eos", "--json", "--threads", "2", Q));
        Mm1CommandsTest.Result r = Mm1CommandsTest.run(argv.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        Map<String, Object> o = (Map<String, Object>) Json.parse(r.out());
        assertEquals(longs(c.getLongs("greedy")), o.get("tokens"), folder + ": mm1j run's tokens are PyTorch's greedy ones");
        long ids = c.getLongs("ids").length;
        assertTrue((Long) o.get("prompt_tokens") > ids, "the image expands to its rows: " + o.get("prompt_tokens") + " positions for " + ids + " ids");
        assertEquals(1L, o.get("images"));
    }

    @Test
    void runWithAnImageOnAFolder() throws Exception {
        runGivesPyTorchsGreedyTokens("llava15-legacy-f32", List.of("--model", GOLDEN + "llava15-legacy-f32"));
    }

    @Test
    void runWithAnImageOnAGgufPair() throws Exception {
        runGivesPyTorchsGreedyTokens("gguf-llava15", List.of("--model", GOLDEN + "gguf-llava15/text-f16.gguf", "--mmproj", GOLDEN + "gguf-llava15/mmproj-f16.gguf"));
    }

    @Test
    void chatTakesImagesInMessagesAndKeepsThemForLaterTurns() throws Exception {
        String folder = GOLDEN + "llava15-legacy-f32";
        JsonObject c = conversation("llava15-legacy-f32", "one-image");
        String wide = GOLDEN + "images/wide.png", tall = GOLDEN + "images/tall_rgba.png";
        String input = "<image:" + wide + "> " + Q + "\n<image:" + tall + "> And this one?\nHello! Who are you?\n/exit\n";
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        Args args = Args.parse(new String[] {"--model", folder, "--temp", "0", "-n", "8", "--ignore-eos", "--threads", "2"}, GenerationOptions.switches());
        int status = new ChatCommand(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
            .run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        String err = e.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err);
        String[] replies = o.toString(StandardCharsets.UTF_8).split("> ");
        assertEquals(4, replies.length, o.toString(StandardCharsets.UTF_8)); // "", three replies (the prompt after the last is dropped)
        try (Mm1 m = Mm1.load(Path.of(folder), Mm1Options.defaults().threads(2))) {
            int[] greedy = java.util.Arrays.stream(c.getLongs("greedy")).mapToInt(Math::toIntExact).toArray();
            assertEquals(m.tokenizer().decode(greedy, true), replies[1].stripTrailing(), "turn 1 is PyTorch's greedy answer");
            // the later turns are what the library answers to the same conversation (the model's own answers kept)
            Prompt.Builder b = Prompt.builder().image(Path.of(wide)).question(Q).answer(replies[1].strip());
            String two = m.generate(b.image(Path.of(tall)).question("And this one?").build(), SamplingParams.greedy(), 8, List.of(), true, null).text();
            assertEquals(two, replies[2].stripTrailing(), "turn 2");
            b = Prompt.builder().image(Path.of(wide)).question(Q).answer(replies[1].strip()).image(Path.of(tall)).question("And this one?").answer(replies[2].strip());
            String three = m.generate(b.question("Hello! Who are you?").build(), SamplingParams.greedy(), 8, List.of(), true, null).text();
            assertEquals(three, replies[3].stripTrailing(), "turn 3 (text only, after two images)");
        }
        assertTrue(err.contains("(0 reused)") && java.util.regex.Pattern.compile("\\(([1-9][0-9]*) reused\\)").matcher(err).find(), "the cache is reused up to the first image: " + err);
    }

    @Test
    void evalOnAGgufPairAgreesWithPyTorch() {
        String dir = GOLDEN + "gguf-llava16/";
        Mm1CommandsTest.Result r = Mm1CommandsTest.run("eval", "--model", dir + "text-f16.gguf", "--mmproj", dir + "mmproj-f16.gguf", "--cases", dir + "eval.jsonl",
            "--threads", "2");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("(?s).*\\noverall\\s+3 .*3/3 = 1\\.000\\s+3/3 = 1\\.000\\s*"), "every answer and every prompt's ids are PyTorch's:\n" + r.out());
    }

    /** The pair's text GGUF alone is a text model (its vocabulary reads text). */
    @Test
    void chatRefusesImagesForATextModelAndGoesOn() throws Exception {
        String input = "<image:" + GOLDEN + "images/wide.png> What is it?\n/exit\n";
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        Args args = Args.parse(new String[] {"--model", GOLDEN + "gguf-llava15/text-f16.gguf", "--temp", "0", "-n", "2"}, GenerationOptions.switches());
        int status = new ChatCommand(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
            .run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        String err = e.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err);
        assertTrue(err.contains("takes no images: send text only"), err);
    }
}
