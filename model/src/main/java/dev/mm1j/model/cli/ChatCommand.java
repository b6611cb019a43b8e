package dev.mm1j.model.cli;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.text.TextModel;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code mm1j chat}: an interactive conversation in the checkpoint's chat format. The KV cache is kept between
 * turns: each turn only the new text (the reply just given and the next message) is processed.
 */
final class ChatCommand implements Command, Main.SwitchAware {
    private final InputStream in;

    ChatCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public String name() {
        return "chat";
    }

    @Override
    public String summary() {
        return "interactive chat (the KV cache is kept between turns)";
    }

    @Override
    public String usage() {
        return "usage: mm1j chat --model PATH [options]\n\n"
            + "Reads one message per line from stdin and streams the replies. /reset starts a new conversation,\n"
            + "/exit (or end of input) quits.\n\noptions:\n"
            + GenerationOptions.HELP.formatted(1024) + ModelOptions.HELP + ModelOptions.CTX_HELP.formatted(4096);
    }

    @Override
    public Set<String> switches() {
        return GenerationOptions.switches();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, 4096, "auto");
        GenerationOptions go = GenerationOptions.read(args, 1024);
        args.checkUnknown();
        if (!args.positional().isEmpty()) throw new CliException("unexpected argument '" + args.positional().getFirst() + "' (chat reads messages from stdin)");
        try (TextCheckpoint ckpt = mo.open(); Backend backend = mo.createBackend()) {
            Tokenizer tok = GenerationOptions.tokenizer(ckpt);
            ChatTemplate template = go.chatTemplate(ckpt);
            String bos = tok.bosId() >= 0 ? tok.token(tok.bosId()) : null, eos = tok.eosId() >= 0 ? tok.token(tok.eosId()) : null;
            String defaultSystem = go.system == null ? ChatTemplate.defaultSystemPrompt(ckpt.chatTemplate()) : null;
            try (TextModel model = ckpt.load(ModelOptions.ops(backend), line -> err.println("mm1j chat: " + line));
                 KvCache cache = model.newCache(mo.ctx, mo.kvDtype(backend));
                 Generator gen = new Generator(model)) {
                err.println("mm1j chat: " + model.describe() + "; " + template.name().toLowerCase(Locale.ROOT) + " format; context " + mo.ctx
                    + "; /reset starts over, /exit quits");
                int[] stopTokens = go.stopTokens(ckpt, tok, template);
                List<ChatMessage> messages = new ArrayList<>();
                if (go.system != null) messages.add(ChatMessage.system(go.system));
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                int turn = 0;
                while (true) {
                    out.print("> ");
                    out.flush();
                    String line = reader.readLine();
                    if (line == null) break;
                    line = line.strip();
                    if (line.isEmpty()) continue;
                    if (line.equals("/exit") || line.equals("/quit")) break;
                    if (line.equals("/reset")) {
                        messages.removeIf(m -> !m.role().equals("system"));
                        cache.reset();
                        err.println("mm1j chat: new conversation");
                        continue;
                    }
                    messages.add(ChatMessage.user(line));
                    String text = template.render(messages, true, bos, eos, defaultSystem);
                    int[] ids = tok.encode(text, template == ChatTemplate.RAW);
                    if (ids.length >= mo.ctx) {
                        messages.removeLast();
                        err.println("mm1j chat: the conversation (" + ids.length + " tokens) no longer fits the context of " + mo.ctx + "; /reset to start over");
                        continue;
                    }
                    SamplingParams s = go.sampling;
                    SamplingParams turnSampling = new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.repetitionPenalty(),
                        s.presencePenalty(), s.frequencyPenalty(), s.penaltyLastN(), s.seed() + turn++);
                    GenerationResult r = gen.generate(cache, ids, new GenerationParams(go.maxTokens, turnSampling, stopTokens, go.stops),
                        GenerateCommand.adapt(tok.streamingDecoder(true)), (id, piece) -> {
                            out.print(piece);
                            out.flush();
                        });
                    out.println();
                    messages.add(ChatMessage.assistant(r.text().strip()));
                    err.printf(Locale.ROOT, "mm1j chat: [%d new prompt tokens (%d reused) at %.1f t/s, %d generated at %.1f t/s%s]%n",
                        r.promptTokens() - r.reusedTokens(), r.reusedTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                        r.reason() == GenerationResult.StopReason.CONTEXT_FULL ? "; the context is full: /reset to start over" : "");
                }
            }
        }
        return 0;
    }
}
