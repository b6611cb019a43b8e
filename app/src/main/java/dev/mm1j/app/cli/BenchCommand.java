package dev.mm1j.app.cli;

import java.io.PrintStream;

/**
 * {@code mm1j bench [TARGET]}: speed measurements. {@code text} (the default when --model is given): prompt
 * processing and generation of a checkpoint, like llama-bench; {@code vision}: the image encoder on random
 * weights.
 */
final class BenchCommand implements Command, Main.SwitchAware {
    @Override
    public java.util.Set<String> switches() {
        return java.util.Set.of("random-weights");
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure speed: MM1 presets on random weights, a checkpoint (like llama-bench), or the vision encoder";
    }

    @Override
    public String usage() {
        return "usage: mm1j bench [TARGET] [options]\n\ntargets:\n  text     (default with --model) prompt processing and generation, tokens/s\n"
            + "  mm1      (default with --preset or --images) images, prompt and generation of a whole MM1 or LLaVA model\n"
            + "  vision   the image encoder and the connector, ms per image\n\n" + TextBench.USAGE + "\n" + Mm1Bench.USAGE + LlavaBench.USAGE + "\n" + VisionBench.USAGE;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        if (args.positional().isEmpty() && (args.has("preset") || args.has("model") && (args.has("images") || args.has("image") || args.has("image-size")))) {
            return new Mm1Bench().run(args, out, err);
        }
        if (args.positional().isEmpty() && args.has("model")) return new TextBench().run(args, out, err);
        if (args.positional().isEmpty()) throw new CliException("missing --model PATH, --preset NAME --random-weights, or the target: text, vision");
        String target = args.positional().getFirst();
        if (args.positional().size() > 1) throw new CliException("unexpected argument '" + args.positional().get(1) + "'");
        return switch (target) {
            case "text" -> new TextBench().run(args, out, err);
            case "mm1" -> new Mm1Bench().run(args, out, err);
            case "vision" -> new VisionBench().run(args, out, err);
            default -> throw new CliException("unknown bench target '" + target + "' (text, mm1, vision)");
        };
    }
}
