package dev.mm1j.model.generation.jinja;

import java.util.List;

/** A cursor over the lexer's tokens with the checks the parsers share. */
final class TokenStream {
    private final List<Token> tokens;
    private int i;

    TokenStream(List<Token> tokens) {
        this.tokens = tokens;
    }

    Token peek() {
        return tokens.get(i);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(i + ahead, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(i);
        if (t.type() != Token.Type.EOF) i++;
        return t;
    }

    boolean skipOp(String op) {
        if (peek().isOp(op)) {
            i++;
            return true;
        }
        return false;
    }

    boolean skipName(String name) {
        if (peek().isName(name)) {
            i++;
            return true;
        }
        return false;
    }

    Token expect(Token.Type type, String what) {
        Token t = peek();
        if (t.type() != type) throw error(t, "expected " + what + ", found " + t.describe());
        return next();
    }

    Token expectOp(String op) {
        Token t = peek();
        if (!t.isOp(op)) throw error(t, "expected '" + op + "', found " + t.describe());
        return next();
    }

    String expectName() {
        return expect(Token.Type.NAME, "a name").text();
    }

    static JinjaException error(Token at, String detail) {
        return JinjaException.syntax(at.line(), at.column(), detail);
    }
}
