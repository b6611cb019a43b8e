package dev.mm1j.model.serving;

import dev.mm1j.core.Mm1jException;

/** Why the engine refused or ended a request; the HTTP server maps each kind to a status code. */
public final class EngineException extends Mm1jException {
    /** What went wrong. */
    public enum Kind {
        /** The request cannot be served as given (e.g. images the model cannot take): the client's to fix. */
        BAD_INPUT,
        /** The waiting queue is full: retry later. */
        QUEUE_FULL,
        /** The engine is shutting down, or the request waited past its timeout for a free sequence. */
        UNAVAILABLE,
        /** The request ran past its timeout. */
        TIMEOUT,
        /** A failure of the engine itself. */
        INTERNAL
    }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
