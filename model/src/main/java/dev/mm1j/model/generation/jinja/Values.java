package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's meaning of template values, which is what Hugging Face renders with (Jinja2 on CPython). Values are
 * {@code null} (None), {@link Boolean}, {@link Long} (int), {@link Double} (float), {@link String}, {@link List}
 * ({@link Tuple} for tuples), {@link Map} (dict, insertion-ordered), {@link Namespace}, {@link JinjaFunction},
 * {@link LoopState} and {@link Undefined}.
 */
final class Values {
    private Values() {}

    /** Python's type name, as in error messages ({@code 'str' object ...}). */
    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case Undefined u -> "Undefined";
            case LoopState l -> "LoopContext";
            case Generator g -> "generator";
            case JinjaFunction f -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    /** Python truthiness. */
    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** {@code str(v)}: what {@code {{ v }}} prints (Undefined prints nothing). */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> s;
            case Undefined u -> "";
            case Long l -> l.toString();
            default -> repr(v);
        };
    }

    /** {@code repr(v)}: how Python shows a value inside a list or dict. */
    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (depth > 100) throw TemplateError.render("value nested over 100 levels deep");
        switch (v) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l);
            case Double d -> sb.append(PyText.floatRepr(d));
            case String s -> PyText.reprString(s, sb);
            case Tuple t -> {
                sb.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(t.get(i), sb, depth + 1);
                }
                sb.append(t.size() == 1 ? ",)" : ")");
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(l.get(i), sb, depth + 1);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            case Namespace n -> {
                sb.append("<Namespace ");
                repr(n.attributes, sb, depth + 1);
                sb.append('>');
            }
            case Undefined u -> sb.append("Undefined");
            case LoopState l -> sb.append("<LoopContext ").append(l.index0 + 1).append('/').append(l.length).append('>');
            case Generator g -> sb.append("<generator object>");
            default -> sb.append("<function>");
        }
    }

    /** Python {@code ==}: numbers across int/float/bool, lists and dicts by content, tuples never equal to lists. */
    static boolean equal(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) == toDouble(b);
            return toLong(a) == toLong(b);
        }
        if (a instanceof String s) return s.equals(b);
        if (a instanceof Undefined) return b instanceof Undefined;
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!equal(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return false;
    }

    /** Python ordering ({@code <}): numbers, strings by code point, lists/tuples element-wise; else a TypeError. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(toDouble(a), toDouble(b)) ;
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) return PyText.compareCodePoints(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) throw TemplateError.undefined(u);
        if (b instanceof Undefined u) throw TemplateError.undefined(u);
        throw TemplateError.render("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    /** An int (bool counts as 0/1, as in Python). */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case Double d -> (long) d.doubleValue();
            case null, default -> throw TemplateError.render("expected a number, got '" + typeName(v) + "'");
        };
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case Double d -> d;
            case null, default -> throw TemplateError.render("expected a number, got '" + typeName(v) + "'");
        };
    }

    /** The items a {@code for} loop or a filter walks: a list's elements, a dict's keys, a string's characters. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> PyText.characters(s);
            case Undefined u -> new ArrayList<>();
            case Generator g -> g.drain();
            case LoopState l -> throw TemplateError.unsupported("iterating over 'loop' (recursive loops) is not supported");
            case null, default -> throw TemplateError.render("'" + typeName(v) + "' object is not iterable");
        };
    }

    static boolean iterable(Object v) {
        return v instanceof List || v instanceof Map || v instanceof String || v instanceof Undefined || v instanceof Generator;
    }

    /** {@code len(v)}; a string counts code points, as Python does. */
    static long length(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw TemplateError.render("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** {@code x in container}. */
    static boolean contains(Object container, Object x) {
        switch (container) {
            case String s -> {
                if (x instanceof String t) return s.contains(t);
                throw TemplateError.render("'in <string>' requires string as left operand, not " + typeName(x));
            }
            case List<?> l -> {
                for (Object o : l) if (equal(o, x)) return true;
                return false;
            }
            case Map<?, ?> m -> {
                for (Object k : m.keySet()) if (equal(k, x)) return true;
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case Generator g -> {
                for (Object o : g.drain()) if (equal(o, x)) return true;
                return false;
            }
            case null, default -> throw TemplateError.render("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    static Iterator<Object> iterator(Object v) {
        return iterate(v).iterator();
    }
}
