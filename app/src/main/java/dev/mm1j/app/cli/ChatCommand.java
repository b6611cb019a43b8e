package dev.mm1j.app.cli;

import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.GenerationParams;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.KvCache;
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
 * turns: each turn only the new text (the reply just given and the next message) is processed. With a model that
 * takes images (MM1, LLaVA), {@code <image:FILE>} in a message attaches that image at that place; each image is
 * encoded once, when it is given (the cache is reused up to the conversation's first image: positions holding image
 * rows are recomputed each turn from the kept rows).
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
            + "/exit (or end of input) quits. With a model that takes images, <image:FILE> in a message attaches an\n"
            + "image there, e.g. \"<image:photo.jpg> What is in this picture?\".\n\noptions:\n"
            + GenerationOptions.HELP.formatted(1024) + ModelOptions.TEMPLATE_HELP + ModelOptions.HELP + ModelOptions.CTX_HELP;
    }

    @Override
    public Set<String> switches() {
        return GenerationOptions.switches();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        ModelOptions mo = ModelOptions.read(args, "auto");
        GenerationOptions go = GenerationOptions.read(args, 1024);
        args.checkUnknown();
        if (!args.positional().isEmpty()) throw new CliException("unexpected argument '" + args.positional().getFirst() + "' (chat reads messages from stdin)");
        try (LoadedModel model = mo.open(mo.requireModel(), "chat", err)) {
            ChatFormat format = model.chat();
            int ctx = model.context();
            try (KvCache cache = model.newCache(ctx); Generator gen = new Generator(model.text()); ChatImages images = new ChatImages(model, mo.options.maxImagePixels())) {
                err.println("mm1j chat: " + model.describe() + "; context " + ctx + "; /reset starts over, /exit quits");
                int[] stopTokens = go.stopTokens(format.stopTokens());
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
                        images.clear();
                        cache.reset();
                        err.println("mm1j chat: new conversation");
                        continue;
                    }
                    List<ChatMessage.Part> parts;
                    try {
                        parts = images.add(line);
                    } catch (dev.mm1j.core.Mm1jException e) {
                        err.println("mm1j chat: " + e.getMessage());
                        continue;
                    }
                    messages.add(ChatMessage.of("user", parts));
                    int[] ids;
                    try {
                        ids = images.expand(format.promptIds(messages));
                    } catch (dev.mm1j.core.Mm1jException e) { // e.g. a literal <image> in the text, or a template refusing the conversation
                        messages.removeLast();
                        images.dropUnused();
                        err.println("mm1j chat: " + e.getMessage());
                        continue;
                    }
                    if (ids.length >= ctx) {
                        messages.removeLast();
                        images.dropUnused();
                        err.println("mm1j chat: the conversation (" + ids.length + " tokens) no longer fits the context of " + ctx + "; /reset to start over");
                        continue;
                    }
                    SamplingParams s = go.sampling;
                    SamplingParams turnSampling = new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.repetitionPenalty(),
                        s.presencePenalty(), s.frequencyPenalty(), s.penaltyLastN(), s.seed() + turn++);
                    GenerationResult r = gen.generate(cache, ids, images.feeder(ids), new GenerationParams(go.maxTokens, turnSampling, stopTokens, go.stops),
                        format.textStream(), (id, piece) -> {
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
