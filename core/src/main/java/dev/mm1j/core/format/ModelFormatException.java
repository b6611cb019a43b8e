package dev.mm1j.core.format;

import dev.mm1j.core.Mm1jException;

/**
 * A checkpoint, tokenizer or config file that cannot be used as it is: malformed, truncated, hostile, or
 * holding something mm1j does not support. The message names the file, the tensor or key, and what is
 * wrong, e.g. {@code model.safetensors: tensor 'lm_head.weight': data_offsets [0, 96] hold 96 bytes but
 * F32[4, 8] needs 128}. Every reader in {@code dev.mm1j.core.format} and {@code dev.mm1j.core.json} reports
 * bad input with this type (JSON errors are the subclass {@link dev.mm1j.core.json.JsonException}).
 */
public class ModelFormatException extends Mm1jException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
