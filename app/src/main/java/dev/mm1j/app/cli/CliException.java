package dev.mm1j.app.cli;

import dev.mm1j.core.Mm1jException;

/** A usage error (unknown flag, missing value...): printed as one line, exit status 2. */
public class CliException extends Mm1jException {
    public CliException(String message) {
        super(message);
    }
}
