package dev.mm1j.app.cli;

import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code mm1j tokenize}: standard input as one document → its ids on one line, or ids → text with
 * {@code --decode}. The ids are those of the Hugging Face tokenizers library for the same file.
 */
final class TokenizeCommand implements Command, Main.SwitchAware {
    private final Supplier<InputStream> stdin;

    TokenizeCommand() {
        this(() -> System.in);
    }

    TokenizeCommand(Supplier<InputStream> stdin) {
        this.stdin = stdin;
    }

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "text on standard input to token ids (or ids to text with --decode)";
    }

    @Override
    public String usage() {
        return """
            usage: mm1j tokenize --tokenizer FILE [--no-special] < text.txt
                   mm1j tokenize --tokenizer FILE --decode [--no-special] < ids.txt

            Reads standard input (UTF-8) as one document and prints its token ids on one line, separated by
            spaces. With --decode, reads ids (separated by spaces, commas or newlines; [ and ] are ignored)
            and prints their text, exactly (no newline is added).

            options:
              --tokenizer FILE  a tokenizer.json, a model folder holding one, or a .gguf file
              --no-special      encoding: do not add the tokens the tokenizer adds (BOS...); special tokens
                                written in the text are still recognised. Decoding: leave special tokens out.
              --decode          ids to text
            """;
    }

    @Override
    public Set<String> switches() {
        return Set.of("no-special", "decode");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        String file = args.require("tokenizer");
        boolean noSpecial = args.flag("no-special");
        boolean decode = args.flag("decode");
        args.checkUnknown();
        if (!args.positional().isEmpty()) throw new CliException("unexpected argument '" + args.positional().getFirst() + "' (the text comes on standard input)");
        Tokenizer tok = Tokenizer.load(Path.of(file));
        byte[] input;
        try (InputStream in = stdin.get()) {
            input = in.readAllBytes();
        }
        if (decode) {
            int[] ids = parseIds(input, tok.vocabSize());
            out.write(tok.decode(ids, noSpecial).getBytes(StandardCharsets.UTF_8));
        } else {
            int[] ids = tok.encode(utf8(input), !noSpecial);
            StringBuilder sb = new StringBuilder(ids.length * 6 + 1);
            for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : " ").append(ids[i]);
            out.write(sb.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
        return 0;
    }

    private static String utf8(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer chars = CharBuffer.allocate(b.length);
        CoderResult r = d.decode(in, chars, true);
        if (!r.isError()) r = d.flush(chars);
        if (r.isError()) throw new CliException("standard input is not valid UTF-8 (at byte " + in.position() + ")");
        return chars.flip().toString();
    }

    static int[] parseIds(byte[] input, int vocabSize) {
        String s = new String(input, StandardCharsets.UTF_8).replace('[', ' ').replace(']', ' ').replace(',', ' ').strip();
        if (s.isEmpty()) return new int[0];
        String[] words = s.split("\\s+");
        int[] ids = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            try {
                ids[i] = Integer.parseInt(words[i]);
            } catch (NumberFormatException e) {
                throw new CliException("'" + words[i] + "' on standard input is not a token id");
            }
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new CliException("token id " + ids[i] + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
        return ids;
    }
}
