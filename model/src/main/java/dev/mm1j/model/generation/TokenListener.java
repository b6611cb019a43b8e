package dev.mm1j.model.generation;

/** Streaming callback of {@link Generator}: called once per generated token, and once more at the end. */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param id   the token just generated, or -1 for the final call that delivers held-back text
     * @param text the text that became visible with it (may be empty: incomplete characters and text that
     *             may start a stop string are held back)
     */
    void onToken(int id, String text);
}
