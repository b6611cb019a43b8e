package dev.mm1j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.model.tokenizer.GgufFiles;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mm1j tokenize} on the demo tokenizer (whose ids the fixtures check against the HF library). */
class TokenizeCommandTest {
    static final Path DEMO = Path.of("../models/mm1-demo");
    static final String TEXT = "<image>\nQuestion: what is this? 😀\nAnswer:";
    @TempDir
    Path tmp;

    private static String run(byte[] stdin, String... argv) throws Exception {
        TokenizeCommand cmd = new TokenizeCommand(() -> new ByteArrayInputStream(stdin));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, cmd.run(Args.parse(argv, cmd.switches()), ps, ps));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String run(String stdin, String... argv) throws Exception {
        return run(stdin.getBytes(StandardCharsets.UTF_8), argv);
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")) + "\n";
    }

    @Test
    void encodesStandardInputAsOneDocument() throws Exception {
        Tokenizer tok = Tokenizer.load(DEMO);
        assertEquals(ids(tok.encode(TEXT, true)), run(TEXT, "--tokenizer", DEMO.toString()));
        assertEquals(ids(tok.encode(TEXT, false)), run(TEXT, "--tokenizer", DEMO.toString(), "--no-special"));
        assertTrue(run(TEXT, "--tokenizer", DEMO.toString()).startsWith("1 427 "), "BOS then <image>");
        assertEquals("1\n", run("", "--tokenizer", DEMO.resolve("tokenizer.json").toString()));
    }

    @Test
    void decodesIdsBackToTheText() throws Exception {
        String encoded = run(TEXT, "--tokenizer", DEMO.toString());
        assertEquals("<s>" + TEXT, run(encoded, "--tokenizer", DEMO.toString(), "--decode"));
        assertEquals(TEXT.replace("<image>", ""), run(encoded, "--tokenizer", DEMO.toString(), "--decode", "--no-special"));
        assertEquals("<s><image>", run("[1, 427]", "--tokenizer", DEMO.toString(), "--decode"));
        assertEquals("", run("  \n", "--tokenizer", DEMO.toString(), "--decode"));
    }

    @Test
    void readsGgufFiles() throws Exception {
        Path gguf = GgufFiles.writeDemo(tmp.resolve("demo.gguf"));
        assertEquals(run(TEXT, "--tokenizer", DEMO.toString()), run(TEXT, "--tokenizer", gguf.toString()));
    }

    @Test
    void badInputIsOneClearError() throws Exception {
        CliException e = assertThrows(CliException.class, () -> run(new byte[] {'a', (byte) 0xC3, 'b'}, "--tokenizer", DEMO.toString()));
        assertEquals("standard input is not valid UTF-8 (at byte 1)", e.getMessage());
        e = assertThrows(CliException.class, () -> run("1 2 x", "--tokenizer", DEMO.toString(), "--decode"));
        assertEquals("'x' on standard input is not a token id", e.getMessage());
        e = assertThrows(CliException.class, () -> run("1 99999", "--tokenizer", DEMO.toString(), "--decode"));
        assertTrue(e.getMessage().startsWith("token id 99999 is outside the vocabulary (0.."), e.getMessage());
        e = assertThrows(CliException.class, () -> run("x", "--tokenizer", DEMO.toString(), "extra"));
        assertTrue(e.getMessage().contains("unexpected argument 'extra'"), e.getMessage());
    }

    @Test
    void errorsThroughMainAreOneLine() {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8), errs = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(new String[] {"tokenize"}, out, errs));
        assertEquals("mm1j tokenize: missing --tokenizer (see mm1j tokenize --help)\n", err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(1, Main.run(new String[] {"tokenize", "--tokenizer", tmp.resolve("none.json").toString()}, out, errs));
        assertEquals("mm1j tokenize: " + tmp.resolve("none.json") + ": no such file\n", err.toString(StandardCharsets.UTF_8));
        assertEquals(0, Main.run(new String[] {"tokenize", "--help"}, out, errs));
        assertTrue(o.toString(StandardCharsets.UTF_8).contains("usage: mm1j tokenize"));
        assertTrue(Main.help().contains("tokenize"));
        assertEquals(Set.of("no-special", "decode"), new TokenizeCommand().switches());
    }
}
