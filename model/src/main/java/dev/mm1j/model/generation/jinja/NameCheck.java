package dev.mm1j.model.generation.jinja;

import java.util.List;
import java.util.Set;

/**
 * Refuses, at compile time, a filter or test that does not exist — unless it sits inside an {@code if} statement
 * or an inline {@code x if c else y}, where Jinja defers the error to the moment it is used (so a template whose
 * exotic branch never runs still renders, as in transformers). Loop, macro, block-set, filter, with and generation
 * bodies start afresh, as Jinja's inner frames do.
 */
final class NameCheck {
    /** Jinja built-ins mm1j does not implement, named as such in the error. */
    private static final Set<String> JINJA_ONLY = Set.of("batch", "filesizeformat", "forceescape", "format", "groupby",
        "pprint", "random", "slice", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr");

    private NameCheck() {}

    static void check(List<Node> body) {
        for (Node n : body) visit(n, false);
    }

    private static void all(List<Node> nodes, boolean soft) {
        for (Node n : nodes) visit(n, soft);
    }

    private static void visit(Node node, boolean soft) {
        if (node == null) return;
        switch (node) {
            case Node.Text t -> { }
            case Node.Print p -> visit(p.expr(), soft);
            case Node.If f -> {
                all(f.tests(), true);
                for (List<Node> b : f.bodies()) all(b, true);
                all(f.otherwise(), true);
            }
            case Node.For f -> {
                visit(f.iter(), soft);
                visit(f.cond(), soft);
                all(f.body(), false);
                all(f.otherwise(), false);
            }
            case Node.Set s -> {
                visit(s.attrOf(), soft);
                visit(s.value(), soft);
            }
            case Node.SetBlock s -> {
                visit(s.filter(), soft);
                all(s.body(), false);
            }
            case Node.Macro m -> {
                for (Node d : m.defaults()) visit(d, false);
                all(m.body(), false);
            }
            case Node.FilterBlock f -> {
                visit(f.filter(), soft);
                all(f.body(), false);
            }
            case Node.With w -> {
                all(w.values(), soft);
                all(w.body(), false);
            }
            case Node.Generation g -> all(g.body(), false);
            case Node.LoopControl c -> { }
            case Node.Const c -> { }
            case Node.Name n -> { }
            case Node.ListLit l -> all(l.items(), soft);
            case Node.DictLit d -> {
                all(d.keys(), soft);
                all(d.values(), soft);
            }
            case Node.GetAttr g -> visit(g.obj(), soft);
            case Node.GetItem g -> {
                visit(g.obj(), soft);
                visit(g.key(), soft);
            }
            case Node.Slice s -> {
                visit(s.obj(), soft);
                visit(s.start(), soft);
                visit(s.stop(), soft);
                visit(s.step(), soft);
            }
            case Node.Call c -> {
                visit(c.callee(), soft);
                all(c.args(), soft);
                all(c.kwValues(), soft);
            }
            case Node.Filter f -> {
                if (!soft && !Filters.exists(f.name())) {
                    throw JinjaException.unsupported(f.line(), f.column(), JINJA_ONLY.contains(f.name())
                        ? "filter '" + f.name() + "' (a Jinja built-in mm1j does not implement)" : "unknown filter '" + f.name() + "'");
                }
                visit(f.operand(), soft);
                all(f.args(), soft);
                all(f.kwValues(), soft);
            }
            case Node.Test t -> {
                if (!soft && !Tests.exists(t.name())) throw JinjaException.unsupported(t.line(), t.column(), "unknown test '" + t.name() + "'");
                visit(t.operand(), soft);
                all(t.args(), soft);
            }
            case Node.Binary b -> {
                visit(b.left(), soft);
                visit(b.right(), soft);
            }
            case Node.Compare c -> all(c.operands(), soft);
            case Node.Unary u -> visit(u.operand(), soft);
            case Node.CondExpr c -> {
                visit(c.cond(), true);
                visit(c.then(), true);
                visit(c.otherwise(), true);
            }
        }
    }
}
