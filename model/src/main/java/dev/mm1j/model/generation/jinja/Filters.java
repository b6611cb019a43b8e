package dev.mm1j.model.generation.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Jinja's built-in filters as Jinja 3.1 defines them on CPython, plus Hugging Face's {@code tojson}. */
final class Filters {
    private static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "center", "count", "d", "default",
        "dictsort", "e", "escape", "first", "float", "indent", "int", "items", "join", "last", "length", "list", "lower",
        "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
        "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private Filters() {}

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "default", "d" -> {
                Object[] p = Params.bind(name, args, kw, "default_value", "boolean");
                boolean onFalse = Values.truthy(Params.or(p[1], false));
                return v instanceof Undefined || (onFalse && !Values.truthy(v)) ? Params.or(p[0], "") : v;
            }
            case "length", "count" -> {
                Attributes.noArgs(name, args, kw);
                return Values.length(v);
            }
            case "string" -> {
                return Values.str(v);
            }
            case "safe" -> {
                return v;
            }
            case "escape", "e" -> {
                return Values.str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
            }
            case "trim" -> {
                Object chars = Params.or(Params.bind(name, args, kw, "chars")[0], null);
                return PyText.strip(Values.str(v), chars == null ? null : Params.string(name, "chars", chars), true, true);
            }
            case "upper" -> {
                return PyText.upper(Values.str(v));
            }
            case "lower" -> {
                return PyText.lower(Values.str(v));
            }
            case "title" -> {
                return PyText.titleFilter(Values.str(v));
            }
            case "capitalize" -> {
                return PyText.capitalize(Values.str(v));
            }
            case "center" -> {
                long width = Params.integer(name, "width", Params.or(Params.bind(name, args, kw, "width")[0], 80L));
                return center(Values.str(v), width);
            }
            case "wordcount" -> {
                return WORD.matcher(Values.str(v)).results().count();
            }
            case "replace" -> {
                Object[] p = Params.bind(name, args, kw, "old", "new", "count");
                Object count = Params.or(p[2], null);
                return StringMethods.replace(Values.str(v), Params.string(name, "old", p[0]), Params.string(name, "new", p[1]),
                    count == null ? -1 : Params.integer(name, "count", count));
            }
            case "indent" -> {
                Object[] p = Params.bind(name, args, kw, "width", "first", "blank");
                Object w = Params.or(p[0], 4L);
                String ind = w instanceof String s ? s : " ".repeat((int) Math.max(0, Params.integer(name, "width", w)));
                return indent(Values.str(v), ind, Values.truthy(Params.or(p[1], false)), Values.truthy(Params.or(p[2], false)));
            }
            case "tojson" -> {
                Object[] p = Params.bind(name, args, kw, "ensure_ascii", "indent", "separators", "sort_keys");
                Object seps = Params.or(p[2], null);
                String itemSep = null, keySep = null;
                if (seps != null) {
                    if (!(seps instanceof List<?> l) || l.size() != 2) throw TemplateError.render("tojson(): separators must be a pair of strings");
                    itemSep = Params.string(name, "separators", l.get(0));
                    keySep = Params.string(name, "separators", l.get(1));
                }
                Object indent = Params.or(p[1], null);
                if (indent != null && !(indent instanceof String)) Params.integer(name, "indent", indent);
                return ToJson.dumps(v, Values.truthy(Params.or(p[0], false)), indent, itemSep, keySep, Values.truthy(Params.or(p[3], false)));
            }
            case "abs" -> {
                if (v instanceof Double d) return Math.abs(d);
                if (Values.isInt(v)) return Math.abs(Values.toLong(v));
                throw TemplateError.render("bad operand type for abs(): '" + Values.typeName(v) + "'");
            }
            case "int" -> {
                Object[] p = Params.bind(name, args, kw, "default", "base");
                return toInt(v, Params.or(p[0], 0L), Params.integer(name, "base", Params.or(p[1], 10L)));
            }
            case "float" -> {
                Object[] p = Params.bind(name, args, kw, "default");
                return toFloat(v, Params.or(p[0], 0.0));
            }
            case "round" -> {
                Object[] p = Params.bind(name, args, kw, "precision", "method");
                return round(v, Params.integer(name, "precision", Params.or(p[0], 0L)), Params.string(name, "method", Params.or(p[1], "common")));
            }
            case "attr" -> {
                return Attributes.attributeOnly(v, Params.string(name, "name", Params.bind(name, args, kw, "name")[0]));
            }
            case "items" -> {
                if (v instanceof Undefined) return new Generator(new ArrayList<>());
                if (!(v instanceof Map<?, ?> m)) throw TemplateError.render("Can only get item pairs from a mapping.");
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                return new Generator(out);
            }
            default -> {
                return Sequences.apply(name, v, args, kw);
            }
        }
    }

    private static String center(String s, long width) {
        int len = s.codePointCount(0, s.length());
        if (width <= len) return s;
        long pad = width - len;
        long left = pad / 2 + (pad & width & 1);
        return " ".repeat((int) left) + s + " ".repeat((int) (pad - left));
    }

    /** Jinja's indent: lines after the first get the prefix, blank lines only with {@code blank}. */
    private static String indent(String s, String ind, boolean first, boolean blank) {
        List<Object> lines = PyText.splitlines(s + "\n", false);
        StringBuilder sb = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) sb.append('\n').append(ind);
                sb.append((String) lines.get(i));
            }
        } else {
            sb.append((String) lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                sb.append('\n');
                if (!line.isEmpty()) sb.append(ind);
                sb.append(line);
            }
        }
        return first ? ind + sb : sb.toString();
    }

    private static Object toInt(Object v, Object fallback, long base) {
        if (Values.isInt(v)) return Values.toLong(v);
        if (v instanceof Double d) return Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
        if (v instanceof String s) {
            String t = PyText.strip(s, null, true, true).replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t, (int) base);
            } catch (NumberFormatException e) {
                Object f = toFloat(s, null);
                return f instanceof Double d && Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
            }
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (Values.isNumber(v)) return Values.toDouble(v);
        if (v instanceof String s) {
            String t = PyText.strip(s, null, true, true).replace("_", "").toLowerCase(java.util.Locale.ROOT);
            String u = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
            if (u.equals("inf") || u.equals("infinity") || u.equals("nan")) {
                double d = u.equals("nan") ? Double.NaN : Double.POSITIVE_INFINITY;
                return t.startsWith("-") ? -d : d;
            }
            if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) return fallback;
            return Double.parseDouble(t);
        }
        return fallback;
    }

    /** Python's {@code round(x, n)} (half to even on the exact binary value); ceil/floor as Jinja computes them. */
    private static Object round(Object v, long precision, String method) {
        if (!Values.isNumber(v)) throw TemplateError.render("round(): expected a number, got '" + Values.typeName(v) + "'");
        switch (method) {
            case "common" -> {
                if (Values.isInt(v)) return Values.toLong(v);
                double d = Values.toDouble(v);
                if (!Double.isFinite(d)) return d;
                return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            }
            case "ceil", "floor" -> {
                double scale = Math.pow(10, precision);
                double x = Values.toDouble(v) * scale;
                return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
            }
            default -> throw TemplateError.render("round(): method must be 'common', 'ceil' or 'floor'");
        }
    }

    /** Sort key of {@code v} for sort/unique/min/max: lower-cased when it is a string and case does not matter. */
    static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? PyText.lower(s) : v;
    }

    static Comparator<Object> order(boolean caseSensitive) {
        return (a, b) -> Values.compare(sortKey(a, caseSensitive), sortKey(b, caseSensitive), "<");
    }

    static List<Object> reversed(List<Object> l) {
        List<Object> out = new ArrayList<>(l);
        Collections.reverse(out);
        return out;
    }

    static Map<Object, Object> newMap() {
        return new LinkedHashMap<>();
    }
}
