package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.format.safetensors.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text commands end to end on the golden checkpoints (reference backend: tiny models, exact sums). */
class TextCommandsTest {
    static final String LLAMA = "../model/src/test/resources/golden/text/llama";
    static final String DEMO = "../models/mm1-demo";
    @TempDir
    Path tmp;

    record Result(int status, String out, String err) {}

    static Result run(String... argv) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void logitsMatchPyTorchForEveryDecodeFrom() throws Exception {
        float[] want;
        int[] prompt;
        try (SafetensorsFile g = SafetensorsFile.open(Path.of(LLAMA, "golden.safetensors"))) {
            want = g.tensor("logits").toFloatArray();
            prompt = g.tensor("prompt").toIntArray();
        }
        StringBuilder ids = new StringBuilder();
        for (int id : prompt) ids.append(ids.isEmpty() ? "" : ",").append(id);
        for (int k : new int[] {0, 5, prompt.length}) {
            Path out = tmp.resolve("k" + k + ".safetensors");
            Result r = run("logits", "--model", LLAMA, "--tokens", ids.toString(), "--decode-from", Integer.toString(k), "--out", out.toString(), "--backend", "reference");
            assertEquals(0, r.status(), r.err());
            try (SafetensorsFile f = SafetensorsFile.open(out)) {
                float[] got = f.tensor("logits").toFloatArray();
                assertEquals(prompt.length * 256, got.length);
                double err = 0, scale = 0;
                for (int i = 0; i < got.length; i++) {
                    err = Math.max(err, Math.abs(got[i] - want[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                assertTrue(err / scale < 1e-4, "decode-from " + k + ": relative error " + err / scale);
            }
        }
    }

    @Test
    void oneLineErrors() throws Exception {
        Path out = tmp.resolve("x.safetensors");
        Result bad = run("logits", "--model", LLAMA, "--tokens", "1,x", "--out", out.toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("'x' is not an integer id"), bad.err());
        Result range = run("logits", "--model", LLAMA, "--tokens", "1,256", "--out", out.toString(), "--backend", "reference");
        assertEquals(1, range.status());
        assertTrue(range.err().contains("token id 256") && range.err().lines().count() == 1, range.err());
        Result k = run("logits", "--model", LLAMA, "--tokens", "1,2", "--decode-from", "3", "--out", out.toString());
        assertTrue(k.err().contains("--decode-from must be between 0 and"), k.err());
        Result missing = run("logits", "--model", tmp.resolve("nope").toString(), "--tokens", "1", "--out", out.toString());
        assertTrue(missing.err().contains("no such file or folder"), missing.err());
        Files.createDirectories(tmp.resolve("empty"));
        Result noConfig = run("bench", "--model", tmp.resolve("empty").toString());
        assertTrue(noConfig.err().contains("no config.json"), noConfig.err());
        Files.writeString(tmp.resolve("empty/config.json"), "{\"model_type\": \"gpt2\"}");
        Result unknown = run("bench", "--model", tmp.resolve("empty").toString());
        assertTrue(unknown.err().contains("model_type=\"gpt2\" is not supported"), unknown.err());
        Result typo = run("bench", "--model", LLAMA, "--thread", "2");
        assertTrue(typo.err().contains("unknown option --thread"), typo.err());
    }

    @Test
    void generateGreedyIdsMatchPyTorch() throws Exception {
        int[] prompt, greedy;
        try (SafetensorsFile g = SafetensorsFile.open(Path.of(LLAMA, "golden.safetensors"))) {
            prompt = g.tensor("prompt").toIntArray();
            greedy = g.tensor("greedy").toIntArray();
        }
        StringBuilder ids = new StringBuilder(), want = new StringBuilder();
        for (int id : prompt) ids.append(ids.isEmpty() ? "" : ",").append(id);
        for (int id : greedy) want.append(id).append(' ');
        Result r = run("generate", "--model", LLAMA, "--tokens", ids.toString(), "--temp", "0", "-n", "50", "--ignore-eos", "--kv-type", "f32");
        assertEquals(0, r.status(), r.err());
        assertEquals(want.toString().strip(), r.out().strip());
        assertTrue(r.err().contains("50 generated") && r.err().contains("stopped by max tokens"), r.err());
    }

    @Test
    void generateTextIsReproducibleWithASeed() {
        String[] argv = {"generate", "--model", DEMO, "--chat", "--temp", "1.0", "--seed", "42", "-n", "12", "What colour is the star?"};
        Result a = run(argv), b = run(argv);
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.err().contains("seed 42"), a.err());
        Result c = run("generate", "--model", DEMO, "--temp", "0", "-n", "8", "--stop", "e", "Question: Where is the square?\nAnswer:");
        assertEquals(0, c.status(), c.err());
        assertTrue(!c.out().substring("Question: Where is the square?\nAnswer:".length()).contains("e"), c.out());
        Result none = run("generate", "--model", LLAMA, "hello");
        assertTrue(none.err().contains("no tokenizer.json") && none.err().contains("--tokens"), none.err());
    }

    @Test
    void chatKeepsTheCacheBetweenTurns() {
        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream("Where is the star?\n/reset\nWhere is the star?\nAnd the circle?\n/exit\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        Args args = Args.parse(new String[] {"--model", DEMO, "--temp", "0", "-n", "10"}, GenerationOptions.switches());
        int status;
        try {
            status = new ChatCommand(in).run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
        String err = e.toString(StandardCharsets.UTF_8), out = o.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err);
        String[] replies = out.split("> ");
        assertEquals(replies[1], replies[3], "after /reset (replies[2] is its empty prompt) the same question gets the same greedy answer");
        assertTrue(err.contains("(0 reused)") && java.util.regex.Pattern.compile("\\(([1-9][0-9]*) reused\\)").matcher(err).find(), err);
    }

    @Test
    void benchPrintsALlamaBenchTable() {
        Result r = run("bench", "--model", LLAMA, "-p", "8", "-n", "4", "-r", "1", "--backend", "reference");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("pp8") && r.out().contains("tg4") && r.out().contains("t/s"), r.out());
    }
}
