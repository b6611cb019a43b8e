package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Jinja's expression grammar, loosest binding first: {@code x if c else y}, {@code or}, {@code and}, {@code not},
 * comparisons ({@code == != < <= > >= in, not in}, chainable), {@code + -}, {@code ~}, {@code * / // %},
 * {@code **}, unary {@code - +}, then a primary with its postfixes ({@code .a}, {@code [k]}, {@code [a:b:c]},
 * {@code (args)}) and its filters and tests ({@code | f(x)}, {@code is [not] t(x)}). Filter and test names are
 * checked after parsing ({@link NameCheck}).
 */
class ExpressionParser {
    private static final int MAX_DEPTH = 200;
    final TokenStream ts;
    private int depth;

    ExpressionParser(TokenStream ts) {
        this.ts = ts;
    }

    Node expression() {
        return condExpr(true);
    }

    /** An expression without a trailing {@code if}: a for loop's iterable, whose {@code if} filters the items. */
    Node expressionNoCond() {
        return condExpr(false);
    }

    private Node condExpr(boolean withCond) {
        Token start = ts.peek();
        enter(start);
        try {
            Node expr = or();
            while (withCond && ts.peek().isName("if")) {
                ts.next();
                Node cond = or();
                Node otherwise = ts.skipName("else") ? condExpr(true) : null;
                expr = new Node.CondExpr(cond, expr, otherwise, start.line(), start.column());
            }
            return expr;
        } finally {
            depth--;
        }
    }

    private Node or() {
        Node left = and();
        while (ts.peek().isName("or")) {
            Token op = ts.next();
            left = new Node.Binary("or", left, and(), op.line(), op.column());
        }
        return left;
    }

    private Node and() {
        Node left = not();
        while (ts.peek().isName("and")) {
            Token op = ts.next();
            left = new Node.Binary("and", left, not(), op.line(), op.column());
        }
        return left;
    }

    private Node not() {
        if (ts.peek().isName("not")) {
            Token op = ts.next();
            enter(op);
            try {
                return new Node.Unary("not", not(), op.line(), op.column());
            } finally {
                depth--;
            }
        }
        return compare();
    }

    private Node compare() {
        Token start = ts.peek();
        Node first = math1();
        List<Node> operands = new ArrayList<>(List.of(first));
        List<String> ops = new ArrayList<>();
        while (true) {
            Token t = ts.peek();
            String op = null;
            if (t.type() == Token.Type.OPERATOR && switch (t.text()) {
                case "==", "!=", "<", "<=", ">", ">=" -> true;
                default -> false;
            }) {
                op = t.text();
                ts.next();
            } else if (t.isName("in")) {
                op = "in";
                ts.next();
            } else if (t.isName("not") && ts.peek(1).isName("in")) {
                op = "not in";
                ts.next();
                ts.next();
            }
            if (op == null) break;
            ops.add(op);
            operands.add(math1());
        }
        return ops.isEmpty() ? first : new Node.Compare(operands, ops, start.line(), start.column());
    }

    private Node math1() {
        Node left = concat();
        while (ts.peek().isOp("+") || ts.peek().isOp("-")) {
            Token op = ts.next();
            left = new Node.Binary(op.text(), left, concat(), op.line(), op.column());
        }
        return left;
    }

    private Node concat() {
        Node left = math2();
        while (ts.peek().isOp("~")) {
            Token op = ts.next();
            left = new Node.Binary("~", left, math2(), op.line(), op.column());
        }
        return left;
    }

    private Node math2() {
        Node left = pow();
        while (ts.peek().isOp("*") || ts.peek().isOp("/") || ts.peek().isOp("//") || ts.peek().isOp("%")) {
            Token op = ts.next();
            left = new Node.Binary(op.text(), left, pow(), op.line(), op.column());
        }
        return left;
    }

    private Node pow() {
        Node left = unary(true);
        while (ts.peek().isOp("**")) {
            Token op = ts.next();
            left = new Node.Binary("**", left, unary(true), op.line(), op.column());
        }
        return left;
    }

    private Node unary(boolean withFilter) {
        Token t = ts.peek();
        enter(t);
        try {
            Node node;
            if (t.isOp("-") || t.isOp("+")) {
                ts.next();
                node = new Node.Unary(t.text(), unary(false), t.line(), t.column());
            } else {
                node = primary();
            }
            node = postfix(node);
            return withFilter ? filtersAndTests(node) : node;
        } finally {
            depth--;
        }
    }

    private Node primary() {
        Token t = ts.next();
        switch (t.type()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Node.Const(Boolean.TRUE, t.line(), t.column());
                    case "false", "False" -> new Node.Const(Boolean.FALSE, t.line(), t.column());
                    case "none", "None" -> new Node.Const(null, t.line(), t.column());
                    default -> new Node.Name(t.text(), t.line(), t.column());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.text());
                while (ts.peek().type() == Token.Type.STRING) sb.append(ts.next().text());
                return new Node.Const(sb.toString(), t.line(), t.column());
            }
            case INTEGER -> {
                try {
                    return new Node.Const(Long.parseLong(t.text()), t.line(), t.column());
                } catch (NumberFormatException e) {
                    throw JinjaException.unsupported(t.line(), t.column(), "integer literal " + t.text() + " beyond 64 bits");
                }
            }
            case FLOAT -> {
                return new Node.Const(Double.parseDouble(t.text()), t.line(), t.column());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        return tuple(t, ")");
                    }
                    case "[" -> {
                        List<Node> items = new ArrayList<>();
                        while (!ts.peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                ts.expectOp(",");
                                if (ts.peek().isOp("]")) break;
                            }
                            items.add(expression());
                        }
                        ts.expectOp("]");
                        return new Node.ListLit(items, false, t.line(), t.column());
                    }
                    case "{" -> {
                        List<Node> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!ts.peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                ts.expectOp(",");
                                if (ts.peek().isOp("}")) break;
                            }
                            keys.add(expression());
                            ts.expectOp(":");
                            values.add(expression());
                        }
                        ts.expectOp("}");
                        return new Node.DictLit(keys, values, t.line(), t.column());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw TokenStream.error(t, "unexpected " + t.describe() + " in an expression");
    }

    /** After {@code (}: a parenthesised expression, or a tuple when there is a comma (or nothing). */
    private Node tuple(Token open, String close) {
        List<Node> items = new ArrayList<>();
        boolean isTuple = false;
        while (!ts.peek().isOp(close)) {
            if (!items.isEmpty()) {
                ts.expectOp(",");
                isTuple = true;
                if (ts.peek().isOp(close)) break;
            }
            items.add(expression());
        }
        ts.expectOp(close);
        if (items.size() == 1 && !isTuple) return items.getFirst();
        return new Node.ListLit(items, true, open.line(), open.column());
    }

    private Node postfix(Node node) {
        while (true) {
            Token t = ts.peek();
            if (t.isOp(".")) {
                ts.next();
                Token name = ts.next();
                if (name.type() == Token.Type.NAME) node = new Node.GetAttr(node, name.text(), t.line(), t.column());
                else if (name.type() == Token.Type.INTEGER) node = new Node.GetItem(node, new Node.Const(Long.parseLong(name.text()), name.line(), name.column()), t.line(), t.column());
                else throw TokenStream.error(name, "expected an attribute name after '.', found " + name.describe());
            } else if (t.isOp("[")) {
                ts.next();
                node = subscript(node, t);
            } else if (t.isOp("(")) {
                ts.next();
                node = call(node, t);
            } else {
                return node;
            }
        }
    }

    private Node subscript(Node obj, Token open) {
        Node[] parts = new Node[3];
        int part = 0;
        boolean slice = false;
        while (!ts.peek().isOp("]")) {
            if (ts.peek().isOp(":")) {
                ts.next();
                slice = true;
                if (++part > 2) throw TokenStream.error(ts.peek(), "too many ':' in a slice");
                continue;
            }
            if (parts[part] != null) throw TokenStream.error(ts.peek(), "expected ']' or ':', found " + ts.peek().describe());
            parts[part] = expression();
        }
        ts.expectOp("]");
        if (!slice) {
            if (parts[0] == null) throw TokenStream.error(open, "empty subscript '[]'");
            return new Node.GetItem(obj, parts[0], open.line(), open.column());
        }
        return new Node.Slice(obj, parts[0], parts[1], parts[2], open.line(), open.column());
    }

    private Node call(Node callee, Token open) {
        List<Node> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        callArgs(args, kwNames, kwValues);
        return new Node.Call(callee, args, kwNames, kwValues, open.line(), open.column());
    }

    /** After {@code (}: positional then keyword arguments up to and including {@code )}. */
    void callArgs(List<Node> args, List<String> kwNames, List<Node> kwValues) {
        while (!ts.peek().isOp(")")) {
            if (!args.isEmpty() || !kwNames.isEmpty()) {
                ts.expectOp(",");
                if (ts.peek().isOp(")")) break;
            }
            Token t = ts.peek();
            if (t.isOp("*") || t.isOp("**")) throw JinjaException.unsupported(t.line(), t.column(), "'*args' / '**kwargs' in a call");
            if (t.type() == Token.Type.NAME && ts.peek(1).isOp("=")) {
                ts.next();
                ts.next();
                kwNames.add(t.text());
                kwValues.add(expression());
            } else {
                if (!kwNames.isEmpty()) throw TokenStream.error(t, "positional argument after a keyword argument");
                args.add(expression());
            }
        }
        ts.expectOp(")");
    }

    private Node filtersAndTests(Node node) {
        while (true) {
            Token t = ts.peek();
            if (t.isOp("|")) {
                ts.next();
                node = filter(node);
            } else if (t.isName("is")) {
                ts.next();
                node = test(node, t);
            } else if (t.isOp("(")) {
                ts.next();
                node = call(node, t);
            } else {
                return node;
            }
        }
    }

    /** {@code name(args)} after a {@code |}; {@code operand} is null for a filter block. */
    Node filter(Node operand) {
        Token nameTok = ts.expect(Token.Type.NAME, "a filter name");
        String name = dotted(nameTok.text());
        List<Node> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        if (ts.skipOp("(")) callArgs(args, kwNames, kwValues);
        return new Node.Filter(operand, name, args, kwNames, kwValues, nameTok.line(), nameTok.column());
    }

    private Node test(Node operand, Token is) {
        boolean negate = ts.skipName("not");
        Token nameTok = ts.expect(Token.Type.NAME, "a test name after 'is'");
        String name = dotted(nameTok.text());
        List<Node> args = new ArrayList<>();
        Token next = ts.peek();
        if (next.isOp("(")) {
            ts.next();
            List<String> kwNames = new ArrayList<>();
            callArgs(args, kwNames, new ArrayList<>());
            if (!kwNames.isEmpty()) throw JinjaException.unsupported(next.line(), next.column(), "keyword arguments to a test");
        } else if ((next.type() == Token.Type.NAME && !next.isName("else") && !next.isName("or") && !next.isName("and")
                && !next.isName("if") && !next.isName("is") && !next.isName("in") && !next.isName("not"))
                || next.type() == Token.Type.STRING || next.type() == Token.Type.INTEGER || next.type() == Token.Type.FLOAT
                || next.isOp("[") || next.isOp("{")) {
            args.add(postfix(primary()));
        }
        return new Node.Test(operand, name, args, negate, nameTok.line(), nameTok.column());
    }

    private String dotted(String first) {
        StringBuilder sb = new StringBuilder(first);
        while (ts.peek().isOp(".") && ts.peek(1).type() == Token.Type.NAME) {
            ts.next();
            sb.append('.').append(ts.next().text());
        }
        return sb.toString();
    }

    private void enter(Token at) {
        if (++depth > MAX_DEPTH) {
            depth = 0;
            throw JinjaException.unsupported(at.line(), at.column(), "expression nested more than " + MAX_DEPTH + " levels deep");
        }
    }
}
