package dev.mm1j.jmh;

import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding speed of the tokenizer on a few hundred KB of seeded mixed text (prose, code, numbers, CJK,
 * emoji, special tokens). One operation encodes the whole text; MB/s = ops/s × the text's UTF-8 size,
 * which setup prints. {@code encode} runs with the BPE word cache warm (the steady state of a server);
 * {@code encodeNoCache} runs with the cache off (the first document a process sees, worst case).
 *
 * <pre>
 * bin/with-jdk25 mvn -B -q -pl jmh -am -DskipTests package
 * java --add-modules jdk.incubator.vector -jar jmh/target/benchmarks.jar TokenizerBench
 * </pre>
 * The tokenizer files default to the test resources (llama3 = Llama 3's tokenizer.json, llama2 = the
 * SentencePiece-style one); set {@code -p dir=...} to a folder with NAME/tokenizer.json(.gz).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class TokenizerBench {

    @Param({"llama3", "llama2"})
    public String tokenizer;

    @Param({"mixed", "english"})
    public String text;

    @Param({"400000"})
    public int chars;

    @Param({""})
    public String dir;

    private Tokenizer tok;
    private String input;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path base = dir.isEmpty() ? findResources() : Path.of(dir);
        Path file = base.resolve(tokenizer).resolve("tokenizer.json");
        if (!Files.exists(file)) file = base.resolve(tokenizer).resolve("tokenizer.json.gz");
        tok = Tokenizer.load(file);
        input = makeText(text, chars, 42);
        int bytes = input.getBytes(StandardCharsets.UTF_8).length;
        int tokens = tok.encode(input, false).length;
        System.out.printf("%n[TokenizerBench] %s, %s text: %d chars, %d UTF-8 bytes, %d tokens; MB/s = ops/s x %.4f%n",
            tokenizer, text, input.length(), bytes, tokens, bytes / 1e6);
    }

    @Benchmark
    public int[] encode() {
        return tok.encode(input, false);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g", "-Dmm1j.tokenizer.cache=0"})
    public int[] encodeNoCache() {
        return tok.encode(input, false);
    }

    private static Path findResources() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path r = p.resolve("model/src/test/resources/dev/mm1j/model/tokenizer");
            if (Files.isDirectory(r)) return r;
            p = p.getParent();
        }
        throw new IllegalStateException("run from the repository (model/src/test/resources not found), or set -p dir=...");
    }

    /** Seeded text: mostly English prose with code, numbers and other scripts mixed in ("mixed"), or prose only. */
    static String makeText(String kind, int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = ("the of and to in is was that for it with as his on be at by had are but from or have an they which one "
            + "you were her all she there would their we him been has when who will more no if out so said what up its about "
            + "into than them can only other new some could time these two may then do first any my now such like our over man "
            + "me even most made after also did many before must through back years where much your way well down should because "
            + "each just those people how too little state good very make world still own see men work long get here between both "
            + "life being under never day same another know while last might us great old year off come since against go came right "
            + "used take three tokenizer inference engine model layer attention weights matrix vector quantized kernel throughput").split(" ");
        String[] code = {"for (int i = 0; i < n; i++) {\n", "    sum += a[i] * b[i];\n", "}\n", "def f(x):\n    return x ** 2\n",
            "if (err != nil) { return err }\n", "\t\tconst y = await fetch(url);\n", "#include <stdio.h>\n", "    // comment\n"};
        String[] other = {"你好世界，", "今天天气很好。", "日本語のテキスト", "Привет, мир! ", "مرحبا بالعالم ", "नमस्ते दुनिया ",
            "😀 ", "👍🏽 ", "👨‍👩‍👧 ", "Straße ", "café ", "<|eot_id|>", "<s>"};
        StringBuilder sb = new StringBuilder(chars + 100);
        boolean mixed = kind.equals("mixed");
        while (sb.length() < chars) {
            int sentence = 5 + r.nextInt(20);
            for (int i = 0; i < sentence; i++) {
                String w = words[r.nextInt(words.length)];
                if (i == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                if (r.nextInt(40) == 0) w = randomWord(r);
                sb.append(w);
                int x = r.nextInt(100);
                if (x < 5) sb.append(',');
                if (mixed && x >= 95) sb.append(' ').append(r.nextInt(100000));
                sb.append(' ');
            }
            sb.setLength(sb.length() - 1);
            sb.append(r.nextInt(10) == 0 ? "!" : ".").append(r.nextInt(8) == 0 ? "\n\n" : " ");
            if (mixed) {
                int x = r.nextInt(10);
                if (x == 0) for (int k = r.nextInt(4); k >= 0; k--) sb.append(code[r.nextInt(code.length)]);
                else if (x == 1) for (int k = r.nextInt(3); k >= 0; k--) sb.append(other[r.nextInt(other.length)]);
            }
        }
        return sb.substring(0, chars);
    }

    private static String randomWord(SplittableRandom r) {
        StringBuilder w = new StringBuilder();
        for (int k = 3 + r.nextInt(8); k > 0; k--) w.append((char) ('a' + r.nextInt(26)));
        return w.toString();
    }
}
