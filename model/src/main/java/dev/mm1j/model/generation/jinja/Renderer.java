package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a parsed template: runs the statements, evaluates the expressions with Python's semantics (see
 * {@link Values}) and guards against runaway templates (output size, step count, macro recursion). Every error
 * leaves as a {@link JinjaException} located at the innermost expression or statement that failed.
 */
final class Renderer {
    private final JinjaTemplate.Limits limits;
    private long steps;
    private int callDepth;

    Renderer(JinjaTemplate.Limits limits) {
        this.limits = limits;
    }

    private static final class Break extends RuntimeException {
        Break() {
            super(null, null, false, false);
        }
    }

    private static final class Continue extends RuntimeException {
        Continue() {
            super(null, null, false, false);
        }
    }

    private static final Break BREAK = new Break();
    private static final Continue CONTINUE = new Continue();

    void render(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            try {
                execute(n, scope, out);
            } catch (TemplateError e) {
                throw located(e, n);
            }
        }
    }

    private void execute(Node node, Scope scope, StringBuilder out) {
        step(node);
        switch (node) {
            case Node.Text t -> emit(out, t.text());
            case Node.Print p -> emit(out, Values.str(eval(p.expr(), scope)));
            case Node.If f -> {
                for (int i = 0; i < f.tests().size(); i++) {
                    if (Values.truthy(eval(f.tests().get(i), scope))) {
                        render(f.bodies().get(i), scope, out);
                        return;
                    }
                }
                render(f.otherwise(), scope, out);
            }
            case Node.For f -> forLoop(f, scope, out);
            case Node.Set s -> assign(s, eval(s.value(), scope), scope);
            case Node.SetBlock s -> {
                StringBuilder body = new StringBuilder();
                render(s.body(), scope, body);
                Object v = body.toString();
                if (s.filter() != null) v = filterChain(s.filter(), v, scope);
                scope.set(s.target(), v);
            }
            case Node.Macro m -> scope.set(m.name(), macro(m, scope));
            case Node.FilterBlock f -> {
                StringBuilder body = new StringBuilder();
                render(f.body(), scope, body);
                emit(out, Values.str(filterChain(f.filter(), body.toString(), scope)));
            }
            case Node.With w -> {
                Scope inner = new Scope(scope);
                for (int i = 0; i < w.names().size(); i++) inner.set(w.names().get(i), eval(w.values().get(i), scope));
                render(w.body(), inner, out);
            }
            case Node.Generation g -> render(g.body(), new Scope(scope), out);
            case Node.LoopControl c -> throw c.isBreak() ? BREAK : CONTINUE;
            default -> throw TemplateError.render("not a statement: " + node.getClass().getSimpleName());
        }
    }

    private void forLoop(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items = new ArrayList<>();
        for (Object item : Values.iterate(eval(f.iter(), scope))) {
            if (f.cond() != null) {
                Scope probe = new Scope(scope);
                bindTargets(f.targets(), f.unpack(), item, probe);
                if (!Values.truthy(eval(f.cond(), probe))) continue;
            }
            items.add(item);
        }
        for (int i = 0; i < items.size(); i++) {
            step(f);
            Scope iteration = new Scope(scope);
            bindTargets(f.targets(), f.unpack(), items.get(i), iteration);
            iteration.set("loop", new LoopState(i, items));
            try {
                render(f.body(), iteration, out);
            } catch (Break b) {
                break;
            } catch (Continue c) {
                // next item
            }
        }
        if (items.isEmpty()) render(f.otherwise(), new Scope(scope), out);
    }

    private static void bindTargets(List<String> targets, boolean unpack, Object value, Scope scope) {
        if (!unpack) {
            scope.set(targets.getFirst(), value);
            return;
        }
        if (value instanceof Undefined u) throw TemplateError.undefined(u);
        List<Object> parts = Values.iterate(value);
        if (parts.size() != targets.size()) {
            throw TemplateError.render(parts.size() > targets.size()
                ? "too many values to unpack (expected " + targets.size() + ")"
                : "not enough values to unpack (expected " + targets.size() + ", got " + parts.size() + ")");
        }
        for (int i = 0; i < targets.size(); i++) scope.set(targets.get(i), parts.get(i));
    }

    private void assign(Node.Set s, Object value, Scope scope) {
        if (s.attrOf() != null) {
            Object target = eval(s.attrOf(), scope);
            if (!(target instanceof Namespace ns)) throw TemplateError.render("cannot assign attribute on non-namespace object");
            ns.attributes.put(s.targets().getFirst(), value);
            return;
        }
        bindTargets(s.targets(), s.unpack(), value, scope);
    }

    private JinjaFunction macro(Node.Macro m, Scope definedIn) {
        return (args, kwargs) -> {
            if (++callDepth > limits.maxCallDepth()) {
                callDepth = 0;
                throw TemplateError.render("macro '" + m.name() + "' recursed deeper than " + limits.maxCallDepth() + " calls");
            }
            try {
                Scope scope = new Scope(definedIn);
                Map<String, Object> extraKw = new LinkedHashMap<>(kwargs);
                for (int i = 0; i < m.params().size(); i++) {
                    String p = m.params().get(i);
                    Object v;
                    if (i < args.size()) {
                        if (extraKw.containsKey(p)) throw TemplateError.render("macro '" + m.name() + "' got multiple values for argument '" + p + "'");
                        v = args.get(i);
                    } else if (extraKw.containsKey(p)) {
                        v = extraKw.remove(p);
                    } else if (m.defaults().get(i) != null) {
                        v = eval(m.defaults().get(i), scope);
                    } else {
                        v = new Undefined("parameter '" + p + "' was not provided");
                    }
                    scope.set(p, v);
                }
                List<Object> varargs = args.size() > m.params().size() ? args.subList(m.params().size(), args.size()) : List.of();
                scope.set("varargs", Tuple.of(varargs));
                scope.set("kwargs", new LinkedHashMap<Object, Object>(extraKw));
                scope.set("caller", new Undefined("'caller' is undefined (no {% call %} block)"));
                StringBuilder body = new StringBuilder();
                render(m.body(), scope, body);
                return body.toString();
            } finally {
                callDepth = Math.max(0, callDepth - 1);
            }
        };
    }

    /** Applies a filter chain (innermost operand null) to {@code value}. */
    private Object filterChain(Node chain, Object value, Scope scope) {
        Node.Filter f = (Node.Filter) chain;
        Object operand = f.operand() == null ? value : filterChain(f.operand(), value, scope);
        return applyFilter(f, operand, scope);
    }

    private Object applyFilter(Node.Filter f, Object operand, Scope scope) {
        List<Object> args = evalAll(f.args(), scope);
        Map<String, Object> kw = evalKw(f.kwNames(), f.kwValues(), scope);
        return Filters.apply(f.name(), operand, args, kw);
    }

    Object eval(Node node, Scope scope) {
        step(node);
        try {
            return evaluate(node, scope);
        } catch (TemplateError e) {
            throw located(e, node);
        }
    }

    private Object evaluate(Node node, Scope scope) {
        switch (node) {
            case Node.Const c -> {
                return c.value();
            }
            case Node.Name n -> {
                return scope.lookup(n.name());
            }
            case Node.ListLit l -> {
                List<Object> items = evalAll(l.items(), scope);
                return l.tuple() ? Tuple.of(items) : items;
            }
            case Node.DictLit d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) m.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                return m;
            }
            case Node.GetAttr g -> {
                return Attributes.getattr(eval(g.obj(), scope), g.name());
            }
            case Node.GetItem g -> {
                Object obj = eval(g.obj(), scope);
                return Attributes.getitem(obj, eval(g.key(), scope));
            }
            case Node.Slice s -> {
                Object obj = eval(s.obj(), scope);
                return Operators.slice(obj, evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
            }
            case Node.Call c -> {
                Object callee = eval(c.callee(), scope);
                List<Object> args = evalAll(c.args(), scope);
                Map<String, Object> kw = evalKw(c.kwNames(), c.kwValues(), scope);
                if (callee instanceof Undefined u) throw TemplateError.undefined(u);
                if (!(callee instanceof JinjaFunction fn)) throw TemplateError.render("'" + Values.typeName(callee) + "' object is not callable");
                return fn.call(args, kw);
            }
            case Node.Filter f -> {
                return applyFilter(f, eval(f.operand(), scope), scope);
            }
            case Node.Test t -> {
                boolean r = Tests.apply(t.name(), eval(t.operand(), scope), evalAll(t.args(), scope));
                return r != t.negate();
            }
            case Node.Binary b -> {
                Object left = eval(b.left(), scope);
                return switch (b.op()) {
                    case "and" -> Values.truthy(left) ? eval(b.right(), scope) : left;
                    case "or" -> Values.truthy(left) ? left : eval(b.right(), scope);
                    default -> Operators.binary(b.op(), left, eval(b.right(), scope));
                };
            }
            case Node.Compare c -> {
                Object left = eval(c.operands().getFirst(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.operands().get(i + 1), scope);
                    if (!compare(c.ops().get(i), left, right)) return false;
                    left = right;
                }
                return true;
            }
            case Node.Unary u -> {
                return Operators.unary(u.op(), eval(u.operand(), scope));
            }
            case Node.CondExpr c -> {
                if (Values.truthy(eval(c.cond(), scope))) return eval(c.then(), scope);
                return c.otherwise() == null ? new Undefined("the inline if was false and had no else") : eval(c.otherwise(), scope);
            }
            default -> throw TemplateError.render("not an expression: " + node.getClass().getSimpleName());
        }
    }

    private static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Values.equal(a, b);
            case "!=" -> !Values.equal(a, b);
            case "<" -> Values.compare(a, b, op) < 0;
            case "<=" -> Values.compare(a, b, op) <= 0;
            case ">" -> Values.compare(a, b, op) > 0;
            case ">=" -> Values.compare(a, b, op) >= 0;
            case "in" -> Values.contains(b, a);
            case "not in" -> !Values.contains(b, a);
            default -> throw TemplateError.render("unknown comparison " + op);
        };
    }

    private Object evalOrNull(Node n, Scope scope) {
        return n == null ? null : eval(n, scope);
    }

    private List<Object> evalAll(List<Node> nodes, Scope scope) {
        List<Object> out = new ArrayList<>(nodes.size());
        for (Node n : nodes) out.add(eval(n, scope));
        return out;
    }

    private Map<String, Object> evalKw(List<String> names, List<Node> values, Scope scope) {
        if (names.isEmpty()) return Map.of();
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (kw.put(names.get(i), eval(values.get(i), scope)) != null || kw.size() != i + 1) {
                throw TemplateError.render("keyword argument '" + names.get(i) + "' given twice");
            }
        }
        return kw;
    }

    private void emit(StringBuilder out, String s) {
        if (out.length() + s.length() > limits.maxOutputChars()) {
            throw TemplateError.render("output would exceed " + limits.maxOutputChars() + " characters (a runaway template?)");
        }
        out.append(s);
    }

    private void step(Node n) {
        if (++steps > limits.maxSteps()) {
            throw TemplateError.render("rendering took more than " + limits.maxSteps() + " steps (a runaway loop?)");
        }
    }

    private static JinjaException located(TemplateError e, Node n) {
        return new JinjaException(e.kind, n.line(), n.column(), e.getMessage());
    }
}
