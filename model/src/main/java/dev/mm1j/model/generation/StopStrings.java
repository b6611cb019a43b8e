package dev.mm1j.model.generation;

import java.util.List;

/**
 * Stop strings over streamed text: text is released only once it cannot be the start of a stop string, so
 * a stop string split across tokens is never shown, and the output ends right before the first match.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStrings(List<String> stops) {
        for (String s : stops) if (s.isEmpty()) throw new IllegalArgumentException("an empty stop string");
        this.stops = List.copyOf(stops);
    }

    /** Whether a stop string was seen. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * Adds generated text; returns the text that can be shown now (possibly empty). After a stop string it
     * returns the text before it and {@link #stopped()} becomes true.
     */
    public String push(String piece) {
        if (stopped) return "";
        pending.append(piece);
        if (stops.isEmpty()) return drain(pending.length());
        int first = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0) {
            stopped = true;
            String out = pending.substring(0, first);
            pending.setLength(0);
            return out;
        }
        return drain(pending.length() - heldBack());
    }

    /** The held-back text at the end of generation (no stop string came). */
    public String flush() {
        return stopped ? "" : drain(pending.length());
    }

    /** Length of the longest suffix of pending that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (endsWith(pending, s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    /** Whether sb ends with the first len chars of s. */
    private static boolean endsWith(StringBuilder sb, String s, int len) {
        int off = sb.length() - len;
        for (int i = 0; i < len; i++) if (sb.charAt(off + i) != s.charAt(i)) return false;
        return true;
    }

    private String drain(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }
}
