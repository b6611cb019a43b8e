package dev.mm1j.model.generation.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja's tests ({@code x is defined}, {@code x is equalto y}, ...), with Python's meaning of each type. */
final class Tests {
    private static final Set<String> NAMES = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto",
        "==", "escaped", "even", "false", "filter", "float", "ge", ">=", "gt", "greaterthan", ">", "in", "integer",
        "iterable", "le", "<=", "lower", "lt", "lessthan", "<", "mapping", "ne", "!=", "none", "number", "odd", "sameas",
        "sequence", "string", "test", "true", "undefined", "upper");

    private Tests() {}

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static boolean apply(String name, Object v, List<Object> args) {
        if (!exists(name)) throw TemplateError.unsupported("unknown test '" + name + "'");
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "string" -> v instanceof String;
            case "number" -> Values.isNumber(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "mapping" -> v instanceof Map;
            case "iterable" -> Values.iterable(v) || v instanceof LoopState;
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof JinjaFunction;
            case "escaped" -> false;
            case "odd", "even" -> {
                if (v instanceof Undefined u) throw TemplateError.undefined(u);
                Object r = Operators.binary("%", v, 2L);
                yield Values.equal(r, 1L) == name.equals("odd");
            }
            case "divisibleby" -> Values.equal(Operators.binary("%", v, arg(name, args)), 0L);
            case "eq", "equalto", "==" -> Values.equal(v, arg(name, args));
            case "ne", "!=" -> !Values.equal(v, arg(name, args));
            case "lt", "lessthan", "<" -> Values.compare(v, arg(name, args), "<") < 0;
            case "le", "<=" -> Values.compare(v, arg(name, args), "<=") <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(v, arg(name, args), ">") > 0;
            case "ge", ">=" -> Values.compare(v, arg(name, args), ">=") >= 0;
            case "in" -> Values.contains(arg(name, args), v);
            case "sameas" -> {
                Object o = arg(name, args);
                yield v == o || (v instanceof Boolean && v.equals(o)) || (v == null && o == null);
            }
            case "lower" -> {
                String s = Values.str(v);
                yield s.codePoints().anyMatch(c -> Character.isLowerCase(c) || Character.isUpperCase(c)) && s.equals(PyText.lower(s));
            }
            case "upper" -> {
                String s = Values.str(v);
                yield s.codePoints().anyMatch(c -> Character.isLowerCase(c) || Character.isUpperCase(c)) && s.equals(PyText.upper(s));
            }
            case "filter" -> v instanceof String s && Filters.exists(s);
            case "test" -> v instanceof String s && exists(s);
            default -> throw TemplateError.unsupported("unknown test '" + name + "'");
        };
    }

    private static Object arg(String test, List<Object> args) {
        if (args.size() != 1) throw TemplateError.render("test '" + test + "' takes 1 argument, got " + args.size());
        return args.getFirst();
    }
}
