package dev.mm1j.app.cli;

import dev.mm1j.core.Mm1jException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;

/** The {@code mm1j} command line: dispatches to one {@link Command}. */
public final class Main {

    /** Every sub-command, in the order {@code --help} lists them. Add yours here. */
    static final List<Command> COMMANDS = List.of(
        new RunCommand(),
        new BackendsCommand(),
        new PreprocessCommand(),
        new EvalCommand(),
        new LogitsCommand(),
        new GenerateCommand(),
        new ChatCommand(System.in),
        new ServeCommand(),
        new BenchCommand(),
        new TokenizeCommand()
    );

    private Main() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs the CLI and returns the process exit status (0 = success, 1 = error, 2 = usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(help());
            return 0;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("mm1j " + version() + " (Java " + Runtime.version() + ")");
            return 0;
        }
        Command cmd = COMMANDS.stream().filter(c -> c.name().equals(args[0])).findFirst().orElse(null);
        if (cmd == null) {
            err.println(args[0].equals("batch") ? "mm1j batch runs on Apache Spark: start it with bin/mm1j batch, which puts Spark's jars on the class path"
                : "mm1j: unknown command '" + args[0] + "' (see mm1j --help)");
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (List.of(rest).contains("--help") || List.of(rest).contains("-h")) {
            out.print(cmd.usage());
            return 0;
        }
        try {
            return cmd.run(Args.parse(rest, cmd instanceof SwitchAware s ? s.switches() : java.util.Set.of()), out, err);
        } catch (CliException e) {
            err.println("mm1j " + cmd.name() + ": " + e.getMessage() + " (see mm1j " + cmd.name() + " --help)");
            return 2;
        } catch (Mm1jException e) {
            err.println("mm1j " + cmd.name() + ": " + e.getMessage());
            if (Boolean.getBoolean("mm1j.debug")) e.printStackTrace(err);
            return 1;
        } catch (IOException e) {
            err.println("mm1j " + cmd.name() + ": " + e);
            if (Boolean.getBoolean("mm1j.debug")) e.printStackTrace(err);
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("mm1j " + cmd.name() + ": out of Java heap; raise it with MM1J_HEAP=16g (or MM1J_JAVA_OPTS=-Xmx16g)");
            return 1;
        } catch (Exception e) {
            err.println("mm1j " + cmd.name() + ": internal error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /** Commands whose flags without values are listed here (e.g. {@code json}, {@code no-special}). */
    public interface SwitchAware {
        java.util.Set<String> switches();
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/dev/mm1j/app/version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String help() {
        StringBuilder sb = new StringBuilder("""
            mm1j: MM1 multimodal inference on the JVM

            usage: mm1j <command> [options]      (mm1j <command> --help for details)

            commands:
            """);
        for (Command c : COMMANDS) sb.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        // the spark module's command: bin/mm1j runs it with Spark's jars, which this JVM never loads
        sb.append(String.format("  %-12s %s%n", "batch", "answer a question about every image of a folder or table on Apache Spark"));
        sb.append(String.format("  %-12s %s%n", "--version", "print the version"));
        sb.append(String.format("  %-12s %s%n", "--help", "print this help"));
        sb.append("""

            environment: JAVA_HOME (a JDK >= 25), MM1J_HEAP (e.g. 16g), MM1J_JAVA_OPTS (extra JVM flags),
                         -Dmm1j.debug=true in MM1J_JAVA_OPTS prints stack traces for errors
            """);
        return sb.toString();
    }
}
