package dev.mm1j.app.cli;

import java.io.PrintStream;

/** One {@code mm1j} sub-command. Register new ones in {@link Main#COMMANDS}. */
public interface Command {

    /** The word typed after {@code mm1j}. */
    String name();

    /** One line for {@code mm1j --help}. */
    String summary();

    /** The full help text for {@code mm1j NAME --help}. */
    String usage();

    /**
     * Runs the command; returns the exit status. Throw {@link CliException} (or any
     * {@link dev.mm1j.core.Mm1jException}) for errors the user can fix: {@link Main} prints its message
     * as one line and exits non-zero.
     */
    int run(Args args, PrintStream out, PrintStream err) throws Exception;
}
