package dev.mm1j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API: loading (folder, file, .gz, GGUF), BOS/EOS, lookups, streaming, threads. */
class TokenizerApiTest {
    @TempDir
    Path tmp;

    /** A real tokenizer as a model folder: tokenizer.json (+ tokenizer_config.json). */
    private Path folder(String name, boolean withConfig) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name + (withConfig ? "-config" : "")));
        Files.writeString(dir.resolve("tokenizer.json"), Fixtures.gunzip(Fixtures.ROOT + name + "/tokenizer.json.gz"));
        if (withConfig) Files.writeString(dir.resolve("tokenizer_config.json"), Fixtures.gunzip(Fixtures.ROOT + name + "/tokenizer_config.json.gz"));
        return dir;
    }

    @Test
    void llama3FromAModelFolder() throws Exception {
        Tokenizer tok = Tokenizer.load(folder("llama3", true));
        assertEquals(128000, tok.bosId());
        assertEquals(128001, tok.eosId());
        assertEquals(128256, tok.vocabSize());
        assertEquals(128009, tok.tokenId("<|eot_id|>"));
        assertEquals(9906, tok.tokenId("Hello"));
        assertEquals(-1, tok.tokenId("no such token"));
        assertEquals("Hello", tok.token(9906));
        assertEquals("ĠWorld", tok.token(4435));
        assertNull(tok.token(-1));
        assertNull(tok.token(1 << 20));
        assertTrue(tok.isSpecial(128000));
        assertTrue(tok.isSpecial(128009));
        assertFalse(tok.isSpecial(9906));
        assertFalse(tok.isSpecial(-5));
        // this file's post-processor adds nothing (the first Llama 3 release)
        assertArrayEquals(new int[] {9906, 4435}, tok.encode("Hello World", true));
        assertEquals("Hello World", tok.decode(new int[] {128000, 9906, 4435, 128009}, true));
        assertEquals("<|begin_of_text|>Hello World<|eot_id|>", tok.decode(new int[] {128000, 9906, 4435, 128009}, false));
    }

    @Test
    void bosAndEosFromTheConfigOrTheTemplate() throws Exception {
        Tokenizer qwen = Tokenizer.load(folder("qwen3", true).resolve("tokenizer.json"));
        assertEquals(-1, qwen.bosId()); // bos_token: null
        assertEquals(151645, qwen.eosId()); // <|im_end|>
        assertTrue(qwen.isSpecial(151644));
        assertFalse(qwen.isSpecial(151657)); // <tool_call> is an added token but not special
        assertEquals(151669, qwen.vocabSize());

        Tokenizer llama2 = Tokenizer.load(folder("llama2", false));
        assertEquals(1, llama2.bosId()); // the token the template puts first
        assertEquals(-1, llama2.eosId()); // unknown without tokenizer_config.json
        assertArrayEquals(new int[] {1, 22557}, llama2.encode("Hello", true));

        Tokenizer demo = Tokenizer.load(Fixtures.modelsDir().resolve("mm1-demo"));
        assertEquals(1, demo.bosId());
        assertEquals(2, demo.eosId());
        assertEquals(427, demo.tokenId("<image>"));
    }

    @Test
    void gzippedFilesLoadToo() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("gz"));
        for (String f : new String[] {"tokenizer.json.gz", "tokenizer_config.json.gz"}) {
            try (var in = getClass().getResourceAsStream(Fixtures.ROOT + "llama2/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json.gz"));
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
    }

    @Test
    void ggufFileGivesTheSameIdsAsTokenizerJson() throws Exception {
        Tokenizer json = Tokenizer.load(Fixtures.modelsDir().resolve("mm1-demo"));
        Tokenizer gguf = Tokenizer.load(GgufFiles.writeDemo(tmp.resolve("demo.gguf")));
        assertEquals(json.bosId(), gguf.bosId());
        assertEquals(json.eosId(), gguf.eosId());
        assertEquals(json.vocabSize(), gguf.vocabSize());
        for (Fixtures.Case c : Fixtures.load("mm1-demo").cases()) {
            assertArrayEquals(json.encode(c.text(), true), gguf.encode(c.text(), true), c.text());
        }
    }

    @Test
    void streamingHoldsBackHalfCharacters() throws Exception {
        Tokenizer tok = Tokenizer.load(folder("llama3", false));
        int[] ids = tok.encode("ok 👍🏽!", false);
        StreamingDecoder s = tok.streamingDecoder(true);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(s.step(id));
        assertTrue(pieces.contains(""), "the emoji spans several tokens, some of which complete nothing: " + pieces);
        assertEquals("ok 👍🏽!", String.join("", pieces) + s.flush());
        // a cut-off character comes out at the end as U+FFFD
        StreamingDecoder cut = tok.streamingDecoder(true);
        int[] emoji = tok.encode("👍", false);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < emoji.length - 1; i++) sb.append(cut.step(emoji[i]));
        assertEquals("", sb.toString());
        assertEquals("\uFFFD", cut.flush());
    }

    /** Ids that never complete a character, or decode to nothing, used to be held in a window that grew forever. */
    @Test
    void streamingStaysLinearOnBytesThatNeverFormCharacters() throws Exception {
        int steps = 2000;
        for (String name : List.of("llama3", "llama2")) {
            Tokenizer tok = Tokenizer.load(folder(name, false));
            int ff = tok.tokenId(name.equals("llama3") ? "\u00ff" : "<0xFF>"); // byte 0xFF: never valid UTF-8
            int lead = tok.tokenId(name.equals("llama3") ? "\u00e4" : "<0xE4>"); // a 3-byte lead that is never continued
            assertTrue(ff >= 0 && lead >= 0, name);
            int eos = tok.eosId() >= 0 ? tok.eosId() : tok.tokenId("<|end_of_text|>");
            for (int[] pattern : new int[][] {{ff}, {lead}, {lead, ff}, {eos}}) {
                StreamingDecoder s = tok.streamingDecoder(true);
                StringBuilder out = new StringBuilder();
                int pieces = 0;
                for (int i = 0; i < steps; i++) {
                    String p = s.step(pattern[i % pattern.length]);
                    if (!p.isEmpty()) pieces++;
                    out.append(p);
                }
                String what = name + " " + java.util.Arrays.toString(pattern);
                assertTrue(s.decodedIds <= 4L * StreamingDecoder.MAX_HELD * steps, what + ": " + s.decodedIds + " ids decoded for " + steps + " steps");
                if (pattern[0] != eos) {
                    assertTrue(pieces >= steps / StreamingDecoder.MAX_HELD - 1, what + ": the text streams, " + pieces + " pieces");
                    assertTrue(out.chars().allMatch(c -> c == '\uFFFD'), what);
                    // and real text after the garbage comes out whole
                    for (int id : tok.encode(" ok \uD83D\uDC4D", false)) out.append(s.step(id));
                    out.append(s.flush());
                    assertTrue(out.toString().endsWith(" ok \uD83D\uDC4D"), what + ": " + out.substring(Math.max(0, out.length() - 12)));
                } else {
                    assertEquals("", out.toString() + s.flush(), what);
                }
            }
        }
    }

    @Test
    void loneSurrogatesAreReplacementCharacters() throws Exception {
        Tokenizer tok = Tokenizer.load(folder("llama3", false));
        assertArrayEquals(tok.encode("a\uFFFDb\uFFFD", false), tok.encode("a\uD800b\uDC00", false));
        Tokenizer spm = Tokenizer.load(folder("llama2", false));
        assertArrayEquals(spm.encode("a\uFFFDb", false), spm.encode("a\uDBFFb", false));
    }

    @Test
    void threadsShareOneTokenizer() throws Exception {
        Tokenizer tok = Tokenizer.load(folder("llama3", false));
        Fixtures.Fixture f = Fixtures.load("llama3");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                results.add(pool.submit(() -> {
                    int bad = 0;
                    for (int k = 0; k < f.cases().size(); k++) {
                        Fixtures.Case c = f.cases().get((k + shift * 97) % f.cases().size());
                        if (!java.util.Arrays.equals(tok.encode(c.text(), false), c.ids())) bad++;
                    }
                    return bad;
                }));
            }
            for (Future<Integer> r : results) assertEquals(0, r.get());
        } finally {
            pool.shutdown();
        }
    }
}
