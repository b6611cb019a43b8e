package dev.mm1j.core;

/** Base class of every error mm1j reports on purpose. The message is meant for the user: it names the problem. */
public class Mm1jException extends RuntimeException {
    public Mm1jException(String message) {
        super(message);
    }

    public Mm1jException(String message, Throwable cause) {
        super(message, cause);
    }
}
