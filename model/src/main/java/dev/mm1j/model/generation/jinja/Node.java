package dev.mm1j.model.generation.jinja;

import java.util.List;

/** The syntax tree of a template. Every node keeps the line and column of its first token for error messages. */
sealed interface Node {
    int line();

    int column();

    // ---- statements ----

    /** Literal template text. */
    record Text(String text, int line, int column) implements Node {}

    /** {@code {{ expr }}}. */
    record Print(Node expr, int line, int column) implements Node {}

    /** {@code {% if %}...{% elif %}...{% else %}...{% endif %}}: tests[i] guards bodies[i]; {@code otherwise} may be empty. */
    record If(List<Node> tests, List<List<Node>> bodies, List<Node> otherwise, int line, int column) implements Node {}

    /** {@code {% for targets in iter [if cond] %}body{% else %}otherwise{% endfor %}}. */
    record For(List<String> targets, boolean unpack, Node iter, Node cond, List<Node> body, List<Node> otherwise,
               int line, int column) implements Node {}

    /** {@code {% set targets = value %}}, {@code {% set ns.attr = value %}} ({@code attrOf} is the namespace). */
    record Set(List<String> targets, boolean unpack, Node attrOf, Node value, int line, int column) implements Node {}

    /** {@code {% set name [| filters] %}body{% endset %}}: {@code filter} applies to the rendered body (may be null). */
    record SetBlock(String target, List<Node> body, Node filter, int line, int column) implements Node {}

    /** {@code {% macro name(params) %}body{% endmacro %}}; {@code defaults} holds null for a parameter without one. */
    record Macro(String name, List<String> params, List<Node> defaults, List<Node> body, int line, int column) implements Node {}

    /** {@code {% filter f | g(x) %}body{% endfilter %}}: {@code filter} is a Filter chain whose innermost operand is null. */
    record FilterBlock(Node filter, List<Node> body, int line, int column) implements Node {}

    /** {@code {% with a = 1 %}body{% endwith %}}: a new scope. */
    record With(List<String> names, List<Node> values, List<Node> body, int line, int column) implements Node {}

    /** {@code {% generation %}body{% endgeneration %}}: Hugging Face's assistant-mask marker, rendered transparently. */
    record Generation(List<Node> body, int line, int column) implements Node {}

    /** {@code {% break %}} / {@code {% continue %}}. */
    record LoopControl(boolean isBreak, int line, int column) implements Node {}

    // ---- expressions ----

    /** A literal: None, bool, int, float or string. */
    record Const(Object value, int line, int column) implements Node {}

    record Name(String name, int line, int column) implements Node {}

    /** {@code [a, b]} or, with {@code tuple}, {@code (a, b)}. */
    record ListLit(List<Node> items, boolean tuple, int line, int column) implements Node {}

    record DictLit(List<Node> keys, List<Node> values, int line, int column) implements Node {}

    /** {@code obj.name} (attribute first, then item, as Jinja's getattr). */
    record GetAttr(Node obj, String name, int line, int column) implements Node {}

    /** {@code obj[key]} (item first, then attribute, as Jinja's getitem). */
    record GetItem(Node obj, Node key, int line, int column) implements Node {}

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Node obj, Node start, Node stop, Node step, int line, int column) implements Node {}

    /** {@code callee(args, name=value)}. */
    record Call(Node callee, List<Node> args, List<String> kwNames, List<Node> kwValues, int line, int column) implements Node {}

    /** {@code operand | name(args)}; {@code operand} is null inside a {@code filter} block or {@code set} block chain. */
    record Filter(Node operand, String name, List<Node> args, List<String> kwNames, List<Node> kwValues, int line, int column)
        implements Node {}

    /** {@code operand is [not] name(args)}. */
    record Test(Node operand, String name, List<Node> args, boolean negate, int line, int column) implements Node {}

    /** Binary operators, {@code and}/{@code or} (short-circuit), comparisons, {@code in}, {@code not in}. */
    record Binary(String op, Node left, Node right, int line, int column) implements Node {}

    /** Chained comparison {@code a < b <= c}: ops[i] between operands[i] and operands[i+1]. */
    record Compare(List<Node> operands, List<String> ops, int line, int column) implements Node {}

    /** {@code not x}, {@code -x}, {@code +x}. */
    record Unary(String op, Node operand, int line, int column) implements Node {}

    /** {@code a if cond else b}; {@code otherwise} is null when there is no else (Undefined then). */
    record CondExpr(Node cond, Node then, Node otherwise, int line, int column) implements Node {}
}
