package dev.mm1j.app.cli;

import dev.mm1j.core.backend.BackendProvider;
import dev.mm1j.core.backend.Backends;
import java.io.PrintStream;

/** {@code mm1j backends}: lists the backends found and whether each can run here. */
final class BackendsCommand implements Command {
    @Override
    public String name() {
        return "backends";
    }

    @Override
    public String summary() {
        return "list the compute backends and whether they can run here";
    }

    @Override
    public String usage() {
        return "usage: mm1j backends\n\nLists every backend on the class path, its priority and, when it cannot run here, why.\n";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        args.checkUnknown();
        for (BackendProvider p : Backends.providers()) {
            String why = p.unavailableReason();
            out.printf("%-10s priority %3d  %s%n", p.name(), p.priority(), why == null ? "available" : "unavailable: " + why);
        }
        return 0;
    }
}
