package dev.mm1j.core.backend;

import dev.mm1j.core.Mm1jException;

/** A backend was asked for an op (or an op/dtype pair) it does not implement. */
public class UnsupportedOpException extends Mm1jException {
    public UnsupportedOpException(String message) {
        super(message);
    }
}
