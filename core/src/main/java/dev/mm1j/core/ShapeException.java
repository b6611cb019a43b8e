package dev.mm1j.core;

/** An op or a model was given tensors of the wrong shape or dtype, e.g. {@code [matmul] x=[4,64] w=[32,8]: inner dims differ}. */
public class ShapeException extends Mm1jException {
    public ShapeException(String message) {
        super(message);
    }
}
