package dev.mm1j.model.generation.jinja;

import dev.mm1j.core.Mm1jException;

/**
 * An error of a Jinja template: it cannot be parsed ({@link Kind#SYNTAX}), it uses something this interpreter does
 * not have ({@link Kind#UNSUPPORTED}), it failed while rendering ({@link Kind#RENDER}), or it refused its input on
 * purpose through {@code raise_exception(...)} ({@link Kind#RAISED}). {@link #line()} and {@link #column()} (1-based,
 * 0 when unknown) point at the construct in the template source; the message already names them.
 */
public final class JinjaException extends Mm1jException {
    /** What went wrong. */
    public enum Kind { SYNTAX, UNSUPPORTED, RENDER, RAISED }

    private final Kind kind;
    private final int line;
    private final int column;
    private final String detail;

    JinjaException(Kind kind, int line, int column, String detail) {
        super(format(kind, line, column, detail));
        this.kind = kind;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    private static String format(Kind kind, int line, int column, String detail) {
        if (kind == Kind.RAISED) return "the template raised an exception: " + detail;
        String where = line > 0 ? "line " + line + ", column " + column + ": " : "";
        return switch (kind) {
            case SYNTAX -> "template syntax error at " + where + detail;
            case UNSUPPORTED -> "template uses what mm1j's Jinja subset lacks, at " + where + detail;
            default -> "template failed at " + where + detail;
        };
    }

    public Kind kind() {
        return kind;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without the location prefix (for {@link Kind#RAISED}: the template's own text). */
    public String detail() {
        return detail;
    }

    static JinjaException syntax(int line, int column, String detail) {
        return new JinjaException(Kind.SYNTAX, line, column, detail);
    }

    static JinjaException unsupported(int line, int column, String detail) {
        return new JinjaException(Kind.UNSUPPORTED, line, column, detail);
    }
}
