package dev.mm1j.model.cli;

import java.io.PrintStream;

/**
 * {@code mm1j bench [TARGET]}: speed measurements. {@code text} (the default when --model is given): prompt
 * processing and generation of a checkpoint, like llama-bench; {@code vision}: the image encoder on random
 * weights.
 */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure speed: text generation of a checkpoint (like llama-bench), or bench vision";
    }

    @Override
    public String usage() {
        return "usage: mm1j bench [TARGET] [options]\n\ntargets:\n  text     (default with --model) prompt processing and generation, tokens/s\n"
            + "  vision   the image encoder and the connector, ms per image\n\n" + TextBench.USAGE + "\n" + VisionBench.USAGE;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        if (args.positional().isEmpty() && args.has("model")) return new TextBench().run(args, out, err);
        if (args.positional().isEmpty()) throw new CliException("missing --model PATH (or the target: text, vision)");
        String target = args.positional().getFirst();
        if (args.positional().size() > 1) throw new CliException("unexpected argument '" + args.positional().get(1) + "'");
        return switch (target) {
            case "text" -> new TextBench().run(args, out, err);
            case "vision" -> new VisionBench().run(args, out, err);
            default -> throw new CliException("unknown bench target '" + target + "' (text, vision)");
        };
    }
}
