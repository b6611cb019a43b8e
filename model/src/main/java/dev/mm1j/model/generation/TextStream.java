package dev.mm1j.model.generation;

/** Turns generated ids into text as they come (e.g. the tokenizer's streaming decoder). */
public interface TextStream {
    /** The text that token {@code id} completes (empty while a character is still incomplete). */
    String step(int id);

    /** Whatever is left at the end. */
    String flush();
}
