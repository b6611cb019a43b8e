package dev.mm1j.core.json;

import dev.mm1j.core.format.ModelFormatException;

/**
 * Malformed JSON (the message carries the source, line and column) or JSON of the wrong shape (the message
 * carries the source and the key path, e.g. {@code config.json: text_config.hidden_size: expected an
 * integer, got "abc"}). A {@link ModelFormatException}, so one catch covers every bad input file.
 */
public class JsonException extends ModelFormatException {
    public JsonException(String message) {
        super(message);
    }
}
