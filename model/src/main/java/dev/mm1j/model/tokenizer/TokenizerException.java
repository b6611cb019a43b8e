package dev.mm1j.model.tokenizer;

import dev.mm1j.core.Mm1jException;

/** A tokenizer file that cannot be used: malformed, inconsistent, or using a component mm1j does not support. */
public class TokenizerException extends Mm1jException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
