package dev.mm1j.model.cli;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code mm1j generate}: continue a prompt (or answer it in the checkpoint's chat format with --chat), streaming. */
final class GenerateCommand implements Command, Main.SwitchAware {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate text from a prompt (streamed)";
    }

    @Override
    public String usage() {
        return "usage: mm1j generate --model PATH [options] \"prompt\"\n\n"
            + "Continues the prompt and streams the text to stdout; timings go to stderr. With --chat the prompt is sent as\n"
            + "a user message in the checkpoint's chat format. --tokens gives the prompt as ids (no tokenizer needed)\n"
            + "and prints ids.\n\noptions:\n"
            + "  --chat            format the prompt as a chat turn (see --template, --system)\n"
            + "  --tokens IDS      the prompt as comma-separated ids instead of text\n"
            + GenerationOptions.HELP.formatted(256) + ModelOptions.HELP + ModelOptions.CTX_HELP.formatted(4096);
    }

    @Override
    public Set<String> switches() {
        Set<String> s = new java.util.HashSet<>(GenerationOptions.switches());
        s.add("chat");
        return s;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, 4096, "auto");
        GenerationOptions go = GenerationOptions.read(args, 256);
        boolean chat = args.flag("chat");
        String idsOption = args.get("tokens", null);
        args.checkUnknown();
        List<String> words = args.positional();
        if (idsOption == null && words.isEmpty()) throw new CliException("missing the prompt");
        if (idsOption != null && !words.isEmpty()) throw new CliException("give either --tokens or a text prompt, not both");
        if (words.size() > 1) throw new CliException("the prompt must be one argument (quote it)");
        if (idsOption != null && chat) throw new CliException("--chat needs a text prompt");
        try (TextCheckpoint ckpt = mo.open(); Backend backend = mo.createBackend()) {
            Tokenizer tok = idsOption == null ? GenerationOptions.tokenizer(ckpt) : null;
            ChatTemplate template = go.chatTemplate(ckpt);
            int[] prompt;
            if (tok == null) {
                prompt = LogitsCommand.parseIds(idsOption);
            } else if (chat) {
                List<ChatMessage> messages = new ArrayList<>();
                String system = go.system != null ? go.system : null;
                if (system != null) messages.add(ChatMessage.system(system));
                messages.add(ChatMessage.user(words.getFirst()));
                String text = template.render(messages, true, tok.token(tok.bosId()), tok.token(tok.eosId()),
                    go.system == null ? ChatTemplate.defaultSystemPrompt(ckpt.chatTemplate()) : null);
                prompt = template == ChatTemplate.RAW ? tok.encode(text, true) : tok.encode(text, false);
            } else {
                prompt = tok.encode(words.getFirst(), true);
            }
            try (TextModel model = ckpt.load(ModelOptions.ops(backend), line -> err.println("mm1j generate: " + line));
                 KvCache cache = model.newCache(mo.ctx, mo.kvDtype(backend));
                 Generator gen = new Generator(model)) {
                GenerationParams params = new GenerationParams(go.maxTokens, go.sampling, go.stopTokens(ckpt, tok, chat ? template : null), go.stops);
                TextStream stream = tok == null ? null : adapt(tok.streamingDecoder(true));
                if (tok != null && !chat) out.print(words.getFirst());
                out.flush();
                GenerationResult r = gen.generate(cache, prompt, params, stream, (id, text) -> {
                    if (tok == null && id >= 0) out.print(id + " ");
                    else out.print(text);
                    out.flush();
                });
                out.println();
                err.printf(Locale.ROOT, "mm1j generate: %d prompt tokens at %.1f t/s, %d generated at %.1f t/s; stopped by %s; seed %d%n",
                    r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                    r.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '), go.sampling.seed());
            }
        }
        return 0;
    }

    static TextStream adapt(StreamingDecoder d) {
        return new TextStream() {
            @Override
            public String step(int id) {
                return d.step(id);
            }

            @Override
            public String flush() {
                return d.flush();
            }
        };
    }
}
