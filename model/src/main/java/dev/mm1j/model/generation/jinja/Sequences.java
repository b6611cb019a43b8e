package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The filters over sequences: first, last, join, list, reverse, sort, dictsort, unique, min, max, sum, map, select... */
final class Sequences {
    private Sequences() {}

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "first", "last" -> {
                Attributes.noArgs(name, args, kw);
                if (name.equals("last") && v instanceof Generator) throw TemplateError.render("'generator' object is not reversible");
                List<Object> items = Values.iterate(v);
                if (items.isEmpty()) return new Undefined("No " + name + " item, sequence was empty.");
                return name.equals("first") ? items.getFirst() : items.getLast();
            }
            case "list" -> {
                return Values.iterate(v);
            }
            case "reverse" -> {
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                List<Object> items = Filters.reversed(Values.iterate(v));
                return v instanceof List || v instanceof Map ? new Generator(items) : items;
            }
            case "join" -> {
                Object[] p = Params.bind(name, args, kw, "d", "attribute");
                String sep = Values.str(Params.or(p[0], ""));
                StringBuilder sb = new StringBuilder();
                int i = 0;
                for (Object o : Values.iterate(v)) {
                    if (i++ > 0) sb.append(sep);
                    sb.append(Values.str(attribute(o, p[1])));
                }
                return sb.toString();
            }
            case "sort" -> {
                Object[] p = Params.bind(name, args, kw, "reverse", "case_sensitive", "attribute");
                boolean cs = Values.truthy(Params.or(p[1], false));
                List<Object> items = Values.iterate(v);
                Comparator<Object> c = Comparator.comparing(o -> attribute(o, p[2]), Filters.order(cs));
                items.sort(Values.truthy(Params.or(p[0], false)) ? c.reversed() : c);
                return items;
            }
            case "dictsort" -> {
                Object[] p = Params.bind(name, args, kw, "case_sensitive", "by", "reverse");
                if (!(v instanceof Map<?, ?> m)) throw TemplateError.render("dictsort(): expected a dict, got '" + Values.typeName(v) + "'");
                boolean cs = Values.truthy(Params.or(p[0], false));
                String by = Params.string(name, "by", Params.or(p[1], "key"));
                if (!by.equals("key") && !by.equals("value")) throw TemplateError.render("You can only sort by either 'key' or 'value'");
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) items.add(new Tuple(e.getKey(), e.getValue()));
                int at = by.equals("key") ? 0 : 1;
                Comparator<Object> c = Comparator.comparing(o -> ((Tuple) o).get(at), Filters.order(cs));
                items.sort(Values.truthy(Params.or(p[2], false)) ? c.reversed() : c);
                return items;
            }
            case "unique" -> {
                Object[] p = Params.bind(name, args, kw, "case_sensitive", "attribute");
                boolean cs = Values.truthy(Params.or(p[0], false));
                List<Object> out = new ArrayList<>(), seen = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    Object key = Filters.sortKey(attribute(o, p[1]), cs);
                    if (seen.stream().noneMatch(s -> Values.equal(s, key))) {
                        seen.add(key);
                        out.add(o);
                    }
                }
                return new Generator(out);
            }
            case "min", "max" -> {
                Object[] p = Params.bind(name, args, kw, "case_sensitive", "attribute");
                boolean cs = Values.truthy(Params.or(p[0], false));
                Object best = null;
                boolean any = false;
                for (Object o : Values.iterate(v)) {
                    if (!any) {
                        best = o;
                        any = true;
                        continue;
                    }
                    int c = Filters.order(cs).compare(attribute(o, p[1]), attribute(best, p[1]));
                    if (name.equals("min") ? c < 0 : c > 0) best = o;
                }
                return any ? best : new Undefined("No aggregated item, sequence was empty.");
            }
            case "sum" -> {
                Object[] p = Params.bind(name, args, kw, "attribute", "start");
                Object total = Params.or(p[1], 0L);
                for (Object o : Values.iterate(v)) total = Operators.binary("+", total, attribute(o, p[0]));
                return total;
            }
            case "map" -> {
                return new Generator(Values.truthy(v) ? map(v, args, kw) : new ArrayList<>());
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                if (Values.truthy(v)) {
                    for (Object o : Values.iterate(v)) {
                        if (passes(o, args, 0) == name.equals("select")) out.add(o);
                    }
                }
                return new Generator(out);
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) throw TemplateError.render(name + "() needs an attribute name");
                String attr = Params.string(name, "attribute", args.getFirst());
                List<Object> out = new ArrayList<>();
                if (Values.truthy(v)) {
                    for (Object o : Values.iterate(v)) {
                        if (passes(Attributes.path(o, attr), args, 1) == name.equals("selectattr")) out.add(o);
                    }
                }
                return new Generator(out);
            }
            default -> throw TemplateError.unsupported("unknown filter '" + name + "'");
        }
    }

    /** {@code map(attribute='x', default=d)} or {@code map('filter', args...)}. */
    private static List<Object> map(Object v, List<Object> args, Map<String, Object> kw) {
        List<Object> out = new ArrayList<>();
        if (kw.containsKey("attribute")) {
            String attr = Params.string("map", "attribute", kw.get("attribute"));
            Object fallback = kw.getOrDefault("default", Params.MISSING);
            for (Object o : Values.iterate(v)) {
                Object x = Attributes.path(o, attr);
                out.add(x instanceof Undefined && fallback != Params.MISSING ? fallback : x);
            }
            return out;
        }
        if (args.isEmpty()) throw TemplateError.render("map(): needs a filter name or attribute=");
        String filter = Params.string("map", "filter", args.getFirst());
        if (!Filters.exists(filter)) throw TemplateError.unsupported("unknown filter '" + filter + "' (in map)");
        List<Object> rest = args.subList(1, args.size());
        for (Object o : Values.iterate(v)) out.add(Filters.apply(filter, o, rest, kw));
        return out;
    }

    /** select's rule: the test named {@code args[from]} with the arguments after it, or truthiness without one. */
    private static boolean passes(Object value, List<Object> args, int from) {
        if (args.size() <= from) return Values.truthy(value);
        String test = Params.string("select", "test", args.get(from));
        return Tests.apply(test, value, args.subList(from + 1, args.size()));
    }

    private static Object attribute(Object o, Object attr) {
        if (attr == null || attr == Params.MISSING) return o;
        return attr instanceof String s ? Attributes.path(o, s) : Attributes.getitem(o, attr);
    }
}
