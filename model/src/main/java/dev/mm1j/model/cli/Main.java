package dev.mm1j.model.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;

/** The {@code mm1j} command line: dispatches to one sub-command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI and returns the process exit status (0 = success). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(help());
            return 0;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("mm1j " + version() + " (Java " + Runtime.version() + ")");
            return 0;
        }
        err.println("mm1j: unknown command '" + args[0] + "' (see mm1j --help)");
        return 2;
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/dev/mm1j/model/version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String help() {
        return """
            mm1j: MM1 multimodal inference on the JVM

            usage: mm1j <command> [options]

            commands:
              --version          print the version
              --help             print this help
            """;
    }
}
