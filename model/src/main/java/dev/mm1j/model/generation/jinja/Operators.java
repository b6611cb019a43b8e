package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic and slicing on template values; Undefined in arithmetic is an error, as in Jinja. */
final class Operators {
    /** Longest string or list a {@code *} repetition may build (the sandbox limit on runaway templates). */
    static final long MAX_REPEAT = 10_000_000;

    private Operators() {}

    static Object binary(String op, Object a, Object b) {
        if (op.equals("~")) return Values.str(a) + Values.str(b);
        if (a instanceof Undefined u) throw TemplateError.undefined(u);
        if (b instanceof Undefined u) throw TemplateError.undefined(u);
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) return x + y;
                if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return a instanceof Tuple ? Tuple.of(out) : out;
                }
            }
            case "*" -> {
                if (a instanceof String s && Values.isInt(b)) return repeat(s, Values.toLong(b));
                if (b instanceof String s && Values.isInt(a)) return repeat(s, Values.toLong(a));
                if (a instanceof List<?> l && Values.isInt(b)) return repeat(l, Values.toLong(b), a instanceof Tuple);
                if (b instanceof List<?> l && Values.isInt(a)) return repeat(l, Values.toLong(a), b instanceof Tuple);
            }
            case "%" -> {
                if (a instanceof String) throw TemplateError.unsupported("printf-style string formatting ('...' % value)");
            }
            default -> { }
        }
        if (!Values.isNumber(a) || !Values.isNumber(b)) {
            throw TemplateError.render("unsupported operand type(s) for " + op + ": '" + Values.typeName(a) + "' and '" + Values.typeName(b) + "'");
        }
        boolean floats = a instanceof Double || b instanceof Double;
        if (op.equals("/")) {
            double d = Values.toDouble(b);
            if (d == 0) throw TemplateError.render("division by zero");
            return Values.toDouble(a) / d;
        }
        if (floats) {
            double x = Values.toDouble(a), y = Values.toDouble(b);
            return switch (op) {
                case "+" -> x + y;
                case "-" -> x - y;
                case "*" -> x * y;
                case "//" -> {
                    if (y == 0) throw TemplateError.render("float floor division by zero");
                    yield Math.floor(x / y);
                }
                case "%" -> {
                    if (y == 0) throw TemplateError.render("float modulo");
                    double r = x % y;
                    yield r != 0 && (r < 0) != (y < 0) ? r + y : r;
                }
                case "**" -> Math.pow(x, y);
                default -> throw TemplateError.render("unknown operator " + op);
            };
        }
        long x = Values.toLong(a), y = Values.toLong(b);
        try {
            return switch (op) {
                case "+" -> Math.addExact(x, y);
                case "-" -> Math.subtractExact(x, y);
                case "*" -> Math.multiplyExact(x, y);
                case "//" -> {
                    if (y == 0) throw TemplateError.render("integer division or modulo by zero");
                    yield Math.floorDiv(x, y);
                }
                case "%" -> {
                    if (y == 0) throw TemplateError.render("integer division or modulo by zero");
                    yield Math.floorMod(x, y);
                }
                case "**" -> {
                    if (y < 0) yield (Object) Math.pow(x, y);
                    yield (Object) power(x, y);
                }
                default -> throw TemplateError.render("unknown operator " + op);
            };
        } catch (ArithmeticException e) {
            throw TemplateError.unsupported("integer arithmetic beyond 64 bits (" + x + " " + op + " " + y + ")");
        }
    }

    private static long power(long base, long exp) {
        long result = 1;
        for (long i = 0; i < exp; i++) result = Math.multiplyExact(result, base);
        return result;
    }

    private static String repeat(String s, long n) {
        if (n <= 0) return "";
        if (s.length() * n > MAX_REPEAT) throw TemplateError.render("string repetition of " + n + " would exceed " + MAX_REPEAT + " characters");
        return s.repeat((int) n);
    }

    private static Object repeat(List<?> l, long n, boolean tuple) {
        List<Object> out = new ArrayList<>();
        if (l.size() * Math.max(n, 0) > MAX_REPEAT) throw TemplateError.render("list repetition of " + n + " would exceed " + MAX_REPEAT + " items");
        for (long i = 0; i < n; i++) out.addAll(l);
        return tuple ? Tuple.of(out) : out;
    }

    static Object unary(String op, Object v) {
        if (op.equals("not")) return !Values.truthy(v);
        if (v instanceof Undefined u) throw TemplateError.undefined(u);
        if (!Values.isNumber(v)) throw TemplateError.render("bad operand type for unary " + op + ": '" + Values.typeName(v) + "'");
        if (v instanceof Double d) return op.equals("-") ? -d : d;
        long l = Values.toLong(v);
        return op.equals("-") ? Math.negateExact(l) : l;
    }

    /** {@code obj[start:stop:step]} on a string (by code point), list or tuple. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) throw TemplateError.undefined(u);
        List<?> items;
        if (obj instanceof String s) items = PyText.characters(s);
        else if (obj instanceof List<?> l) items = l;
        else return new Undefined("'" + Values.typeName(obj) + "' object is not subscriptable");
        int n = items.size();
        long st = step == null ? 1 : index(step);
        if (st == 0) throw TemplateError.render("slice step cannot be zero");
        long lo, hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(index(start), n, 0, n);
            hi = stop == null ? n : clamp(index(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(index(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(index(stop), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) out.add(items.get((int) i));
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object c : out) sb.append((String) c);
            return sb.toString();
        }
        return obj instanceof Tuple ? Tuple.of(out) : out;
    }

    private static long index(Object v) {
        if (Values.isInt(v)) return Values.toLong(v);
        throw TemplateError.render("slice indices must be integers or None, not '" + Values.typeName(v) + "'");
    }

    /** Python's slice bound: negative counts from the end, then clamped to [min, max]. */
    private static long clamp(long i, int n, long min, long max) {
        if (i < 0) i += n;
        return Math.max(min, Math.min(max, i));
    }
}
