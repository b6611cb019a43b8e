package dev.mm1j.model.cli;

import java.io.PrintStream;

/** {@code mm1j bench TARGET}: speed measurements on random weights (no files needed). */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure speed on random weights (bench vision)";
    }

    @Override
    public String usage() {
        return "usage: mm1j bench TARGET [options]\n\ntargets:\n  vision   the image encoder and the connector, ms per image\n\n"
            + VisionBench.USAGE;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        if (args.positional().isEmpty()) throw new CliException("missing the target (vision)");
        String target = args.positional().getFirst();
        if (args.positional().size() > 1) throw new CliException("unexpected argument '" + args.positional().get(1) + "'");
        return switch (target) {
            case "vision" -> new VisionBench().run(args, out, err);
            default -> throw new CliException("unknown bench target '" + target + "' (vision)");
        };
    }
}
