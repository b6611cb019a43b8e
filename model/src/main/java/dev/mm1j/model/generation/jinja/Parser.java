package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Jinja's statements: {@code if/elif/else}, {@code for} (tuple targets, inline {@code if}, {@code else}),
 * {@code set} (names, tuples, {@code ns.attr}, block set with filters), {@code macro}, {@code filter},
 * {@code with}, {@code generation}, {@code break}/{@code continue}. Template inheritance and includes
 * ({@code extends}, {@code block}, {@code include}, {@code import}, {@code call}) are refused as unsupported: chat
 * templates are single strings.
 */
final class Parser extends ExpressionParser {
    private static final Set<String> UNSUPPORTED = Set.of("extends", "block", "include", "import", "from", "call",
        "autoescape", "do", "trans", "pluralize");
    private static final int MAX_NESTING = 100;

    private int loopDepth;
    private int nesting;

    private Parser(TokenStream ts) {
        super(ts);
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(new TokenStream(Lexer.tokenize(source)));
        List<Node> body = p.body(null, Set.of());
        Token end = p.ts.peek();
        if (end.type() != Token.Type.EOF) throw TokenStream.error(end, "unexpected " + end.describe());
        NameCheck.check(body);
        return body;
    }

    /**
     * Nodes up to one of {@code endTags} (the cursor is then on that tag's name, after its {@code {%}) or the end of
     * the template ({@code opener} is null at the top level; otherwise reaching the end is an error naming it).
     */
    private List<Node> body(Token opener, Set<String> endTags) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = ts.peek();
            switch (t.type()) {
                case EOF -> {
                    if (opener != null) {
                        throw TokenStream.error(t, "unexpected end of template: the '" + opener.text() + "' at line " + opener.line()
                            + ", column " + opener.column() + " is never closed (expected " + String.join(" or ", endTags.stream().map(s -> "'{% " + s + " %}'").sorted().toList()) + ")");
                    }
                    return nodes;
                }
                case TEXT -> {
                    ts.next();
                    nodes.add(new Node.Text(t.text(), t.line(), t.column()));
                }
                case VAR_BEGIN -> {
                    ts.next();
                    Node e = tupleOrExpression();
                    ts.expect(Token.Type.VAR_END, "'}}'");
                    nodes.add(new Node.Print(e, t.line(), t.column()));
                }
                case BLOCK_BEGIN -> {
                    Token name = ts.peek(1);
                    if (name.type() == Token.Type.NAME && endTags.contains(name.text())) {
                        ts.next();
                        return nodes;
                    }
                    ts.next();
                    nodes.add(statement(t));
                }
                default -> throw TokenStream.error(t, "unexpected " + t.describe());
            }
        }
    }

    private Node statement(Token begin) {
        Token name = ts.expect(Token.Type.NAME, "a statement name after '{%'");
        if (++nesting > MAX_NESTING) throw JinjaException.unsupported(name.line(), name.column(), "blocks nested more than " + MAX_NESTING + " deep");
        try {
            return switch (name.text()) {
                case "if" -> ifStatement(name);
                case "for" -> forStatement(name);
                case "set" -> setStatement(name);
                case "macro" -> macroStatement(name);
                case "filter" -> filterStatement(name);
                case "with" -> withStatement(name);
                case "generation" -> {
                    ts.expect(Token.Type.BLOCK_END, "'%}'");
                    List<Node> body = closedBody(name, "endgeneration");
                    yield new Node.Generation(body, name.line(), name.column());
                }
                case "break", "continue" -> {
                    if (loopDepth == 0) throw TokenStream.error(name, "'" + name.text() + "' outside a for loop");
                    ts.expect(Token.Type.BLOCK_END, "'%}'");
                    yield new Node.LoopControl(name.text().equals("break"), name.line(), name.column());
                }
                default -> {
                    if (UNSUPPORTED.contains(name.text())) {
                        throw JinjaException.unsupported(name.line(), name.column(), "statement '{% " + name.text() + " %}'");
                    }
                    throw TokenStream.error(name, "unknown statement '{% " + name.text() + " %}'"
                        + (name.text().startsWith("end") || name.text().equals("else") || name.text().equals("elif") ? " (nothing open to close here)" : ""));
                }
            };
        } finally {
            nesting--;
        }
    }

    /** Body up to {@code {% endTag %}}, consuming that tag. */
    private List<Node> closedBody(Token opener, String endTag) {
        List<Node> body = body(opener, Set.of(endTag));
        ts.next();
        ts.expect(Token.Type.BLOCK_END, "'%}' after '" + endTag + "'");
        return body;
    }

    private Node ifStatement(Token name) {
        List<Node> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        tests.add(tupleOrExpression());
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        while (true) {
            List<Node> body = body(name, Set.of("elif", "else", "endif"));
            bodies.add(body);
            Token tag = ts.next();
            if (tag.text().equals("elif")) {
                tests.add(tupleOrExpression());
                ts.expect(Token.Type.BLOCK_END, "'%}'");
            } else if (tag.text().equals("else")) {
                ts.expect(Token.Type.BLOCK_END, "'%}'");
                otherwise = closedBody(name, "endif");
                break;
            } else {
                ts.expect(Token.Type.BLOCK_END, "'%}'");
                break;
            }
        }
        return new Node.If(tests, bodies, otherwise, name.line(), name.column());
    }

    private Node forStatement(Token name) {
        List<String> targets = new ArrayList<>();
        boolean unpack = assignTargets(targets);
        if (!ts.skipName("in")) throw TokenStream.error(ts.peek(), "expected 'in' in the for loop, found " + ts.peek().describe());
        Node iter = expressionNoCond();
        Node cond = ts.skipName("if") ? expression() : null;
        if (ts.peek().isName("recursive")) throw JinjaException.unsupported(ts.peek().line(), ts.peek().column(), "recursive for loops");
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        loopDepth++;
        List<Node> body;
        try {
            body = body(name, Set.of("else", "endfor"));
        } finally {
            loopDepth--;
        }
        List<Node> otherwise = List.of();
        Token tag = ts.next();
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        if (tag.text().equals("else")) otherwise = closedBody(name, "endfor");
        return new Node.For(targets, unpack, iter, cond, body, otherwise, name.line(), name.column());
    }

    /** Names separated by commas (optionally in parentheses); returns whether it was a tuple. */
    private boolean assignTargets(List<String> targets) {
        boolean paren = ts.skipOp("(");
        targets.add(ts.expectName());
        boolean tuple = paren;
        while (ts.skipOp(",")) {
            tuple = true;
            if (paren && ts.peek().isOp(")")) break;
            targets.add(ts.expectName());
        }
        if (paren) ts.expectOp(")");
        return tuple;
    }

    private Node setStatement(Token name) {
        if (ts.peek().type() == Token.Type.NAME && ts.peek(1).isOp(".")) {
            Token ns = ts.next();
            ts.next();
            String attr = ts.expectName();
            ts.expectOp("=");
            Node value = tupleOrExpression();
            ts.expect(Token.Type.BLOCK_END, "'%}'");
            return new Node.Set(List.of(attr), false, new Node.Name(ns.text(), ns.line(), ns.column()), value, name.line(), name.column());
        }
        List<String> targets = new ArrayList<>();
        boolean unpack = assignTargets(targets);
        if (ts.skipOp("=")) {
            Node value = tupleOrExpression();
            ts.expect(Token.Type.BLOCK_END, "'%}'");
            return new Node.Set(targets, unpack, null, value, name.line(), name.column());
        }
        if (unpack) throw TokenStream.error(ts.peek(), "a block set assigns one name, not a tuple");
        Node filter = null;
        while (ts.skipOp("|")) filter = filterOnto(filter);
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        List<Node> body = closedBody(name, "endset");
        return new Node.SetBlock(targets.getFirst(), body, filter, name.line(), name.column());
    }

    /** Parses one filter of a chain whose operand is {@code previous} (null for the first). */
    private Node filterOnto(Node previous) {
        return filter(previous);
    }

    private Node macroStatement(Token name) {
        String macroName = ts.expectName();
        List<String> params = new ArrayList<>();
        List<Node> defaults = new ArrayList<>();
        ts.expectOp("(");
        while (!ts.peek().isOp(")")) {
            if (!params.isEmpty()) {
                ts.expectOp(",");
                if (ts.peek().isOp(")")) break;
            }
            params.add(ts.expectName());
            defaults.add(ts.skipOp("=") ? expression() : null);
        }
        ts.expectOp(")");
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Node> body;
        try {
            body = closedBody(name, "endmacro");
        } finally {
            loopDepth = savedLoops;
        }
        return new Node.Macro(macroName, params, defaults, body, name.line(), name.column());
    }

    private Node filterStatement(Token name) {
        Node filter = filterOnto(null);
        while (ts.skipOp("|")) filter = filterOnto(filter);
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        List<Node> body = closedBody(name, "endfilter");
        return new Node.FilterBlock(filter, body, name.line(), name.column());
    }

    private Node withStatement(Token name) {
        List<String> names = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        while (ts.peek().type() != Token.Type.BLOCK_END) {
            if (!names.isEmpty()) ts.expectOp(",");
            names.add(ts.expectName());
            ts.expectOp("=");
            values.add(expression());
        }
        ts.expect(Token.Type.BLOCK_END, "'%}'");
        List<Node> body = closedBody(name, "endwith");
        return new Node.With(names, values, body, name.line(), name.column());
    }

    /** An expression, or a tuple when top-level commas follow ({@code {{ a, b }}}, {@code set x = 1, 2}). */
    private Node tupleOrExpression() {
        Token start = ts.peek();
        Node first = expression();
        if (!ts.peek().isOp(",")) return first;
        List<Node> items = new ArrayList<>(List.of(first));
        while (ts.skipOp(",")) {
            Token t = ts.peek();
            if (t.type() == Token.Type.BLOCK_END || t.type() == Token.Type.VAR_END) break;
            items.add(expression());
        }
        return new Node.ListLit(items, true, start.line(), start.column());
    }
}
