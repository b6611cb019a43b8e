package dev.mm1j.core.json;

import dev.mm1j.core.Mm1jException;

/** Malformed JSON, or JSON of the wrong shape; the message carries the line and column (or the key path). */
public class JsonException extends Mm1jException {
    public JsonException(String message) {
        super(message);
    }
}
