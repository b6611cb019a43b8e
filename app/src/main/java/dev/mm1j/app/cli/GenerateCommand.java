package dev.mm1j.app.cli;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.text.KvCache;
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
            + GenerationOptions.HELP.formatted(256) + ModelOptions.TEMPLATE_HELP + ModelOptions.HELP + ModelOptions.CTX_HELP;
    }

    @Override
    public Set<String> switches() {
        Set<String> s = new java.util.HashSet<>(GenerationOptions.switches());
        s.add("chat");
        return s;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, "auto");
        GenerationOptions go = GenerationOptions.read(args, 256);
        boolean chat = args.flag("chat");
        String idsOption = args.get("tokens", null);
        args.checkUnknown();
        List<String> words = args.positional();
        if (idsOption == null && words.isEmpty()) throw new CliException("missing the prompt");
        if (idsOption != null && !words.isEmpty()) throw new CliException("give either --tokens or a text prompt, not both");
        if (words.size() > 1) throw new CliException("the prompt must be one argument (quote it)");
        if (idsOption != null && chat) throw new CliException("--chat needs a text prompt");
        try (LoadedModel model = mo.open(mo.requireModel(), "generate", err)) {
            Tokenizer tok;
            try {
                tok = idsOption == null ? model.tokenizer() : null;
            } catch (Mm1jException e) {
                throw new Mm1jException(e.getMessage() + "; or give the prompt as ids with --tokens");
            }
            int[] prompt;
            if (tok == null) {
                prompt = LogitsCommand.parseIds(idsOption);
            } else if (chat) {
                List<ChatMessage> messages = new ArrayList<>();
                if (go.system != null) messages.add(ChatMessage.system(go.system));
                messages.add(ChatMessage.user(words.getFirst()));
                prompt = model.chat().promptIds(messages);
            } else {
                prompt = tok.encode(words.getFirst(), true);
            }
            // without a tokenizer (ids in, ids out) the config's EOS ids stop it; with one, the chat format's stop ids
            int[] stops = go.stopTokens(tok == null ? model.text().config().eosTokenIds() : model.chat().stopTokens());
            try (KvCache cache = model.newCache(model.context()); Generator gen = new Generator(model.text())) {
                GenerationParams params = new GenerationParams(go.maxTokens, go.sampling, stops, go.stops);
                TextStream stream = tok == null ? null : model.chat().textStream();
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
}
