package dev.mm1j.model.generation.jinja;

/**
 * A lexer token. {@code text} is the literal text of a TEXT token, the decoded value of a STRING, the name of a
 * NAME and the symbol of an OPERATOR; {@code line} and {@code column} (1-based) locate its start.
 */
record Token(Type type, String text, int line, int column) {
    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Type t, String s) {
        return type == t && text.equals(s);
    }

    boolean isName(String s) {
        return is(Type.NAME, s);
    }

    boolean isOp(String s) {
        return is(Type.OPERATOR, s);
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (type) {
            case EOF -> "end of template";
            case TEXT -> "template text";
            case VAR_BEGIN -> "'{{'";
            case VAR_END -> "'}}'";
            case BLOCK_BEGIN -> "'{%'";
            case BLOCK_END -> "'%}'";
            case STRING -> "string " + Values.repr(text);
            default -> "'" + text + "'";
        };
    }
}
