package dev.mm1j.core.format;

import java.io.Console;
import java.io.PrintStream;

/**
 * A one-line progress report on stderr for long loads ({@code loading model: 3.2/14.5 GB (22%)}), shown only
 * when stderr is a terminal and the work has already taken half a second, so pipes, logs and tests stay
 * quiet. Thread-safe; at most ten updates a second. Set {@code -Dmm1j.progress=false} to silence it.
 */
public final class Progress implements AutoCloseable {
    private static final long DELAY_NS = 500_000_000L;
    private static final long INTERVAL_NS = 100_000_000L;

    private final String what;
    private final long total;
    private final boolean bytes;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long done;
    private long lastPrint;
    private boolean printed;

    private Progress(String what, long total, boolean bytes, PrintStream out) {
        this.what = what;
        this.total = total;
        this.bytes = bytes;
        this.out = out;
    }

    /** Progress counted in bytes (printed as MB/GB); {@code total} 0 or less means unknown. */
    public static Progress bytes(String what, long total) {
        return new Progress(what, total, true, enabled() ? System.err : null);
    }

    /** Progress counted in items (tensors, files). */
    public static Progress items(String what, long total) {
        return new Progress(what, total, false, enabled() ? System.err : null);
    }

    /** Whether progress lines are printed: stderr is an interactive terminal and not switched off. */
    public static boolean enabled() {
        if ("false".equals(System.getProperty("mm1j.progress"))) return false;
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Records {@code n} more units done and redraws the line when due. */
    public synchronized void advance(long n) {
        done += n;
        if (out == null) return;
        long now = System.nanoTime();
        if (now - start < DELAY_NS || now - lastPrint < INTERVAL_NS) return;
        lastPrint = now;
        printed = true;
        out.print("\r" + line() + "   ");
        out.flush();
    }

    private String line() {
        String amount = bytes ? size(done) + (total > 0 ? "/" + size(total) : "") : done + (total > 0 ? "/" + total : "");
        String pct = total > 0 ? String.format(" (%d%%)", Math.min(100, done * 100 / total)) : "";
        return what + ": " + amount + pct;
    }

    private static String size(long b) {
        if (b >= 1L << 30) return String.format("%.1f GB", b / (double) (1L << 30));
        return String.format("%.0f MB", b / (double) (1L << 20));
    }

    /** Ends the line (with the elapsed time) if anything was printed. */
    @Override
    public synchronized void close() {
        if (out == null || !printed) return;
        out.println("\r" + line() + String.format(", %.1f s", (System.nanoTime() - start) / 1e9) + "   ");
        out.flush();
        printed = false;
    }
}
