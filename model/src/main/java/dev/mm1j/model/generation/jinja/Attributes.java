package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja's two lookups. {@code obj.name} ({@link #getattr}) tries the attribute first, then the item, so
 * {@code d.items} is the dict method; {@code obj[key]} ({@link #getitem}) tries the item first, then, for a
 * string key, the attribute. A missing one is {@link Undefined}; looking into an Undefined is an error. Methods
 * that would modify a value ({@code list.append}, {@code dict.update}) are refused, as in Hugging Face's immutable
 * sandbox.
 */
final class Attributes {
    private static final Set<String> MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "clear", "sort",
        "reverse", "update", "setdefault", "popitem");

    private Attributes() {}

    static Object getattr(Object obj, String name) {
        switch (obj) {
            case Undefined u -> throw TemplateError.undefined(u);
            case Map<?, ?> m -> {
                JinjaFunction method = dictMethod(m, name);
                if (method != null) return method;
                if (m.containsKey(name)) return m.get(name);
            }
            case Namespace ns -> {
                if (ns.attributes.containsKey(name)) return ns.attributes.get(name);
            }
            case String s -> {
                JinjaFunction method = StringMethods.method(s, name);
                if (method != null) return method;
            }
            case List<?> l -> {
                JinjaFunction method = listMethod(l, name);
                if (method != null) return method;
            }
            case LoopState loop -> {
                Object v = loop.attribute(name);
                if (v != null) return v;
            }
            case null, default -> { }
        }
        return Undefined.attribute(obj, name);
    }

    /** Python's plain {@code getattr} (the {@code attr} filter): methods and namespace/loop attributes, never dict items. */
    static Object attributeOnly(Object obj, String name) {
        if (obj instanceof Map<?, ?> m) {
            JinjaFunction method = dictMethod(m, name);
            return method != null ? method : Undefined.attribute(obj, name);
        }
        return getattr(obj, name);
    }

    static Object getitem(Object obj, Object key) {
        switch (obj) {
            case Undefined u -> throw TemplateError.undefined(u);
            case Map<?, ?> m -> {
                Object k = mapKey(m, key);
                if (k != null) return m.get(k);
                if (key == null && m.containsKey(null)) return m.get(null);
            }
            case List<?> l when Values.isInt(key) -> {
                long i = Values.toLong(key);
                if (i < 0) i += l.size();
                return i >= 0 && i < l.size() ? l.get((int) i) : Undefined.item(obj, key);
            }
            case String s when Values.isInt(key) -> {
                List<Object> chars = PyText.characters(s);
                long i = Values.toLong(key);
                if (i < 0) i += chars.size();
                return i >= 0 && i < chars.size() ? chars.get((int) i) : Undefined.item(obj, key);
            }
            case null, default -> { }
        }
        if (key instanceof String name) {
            Object v = getattr(obj, name);
            if (!(v instanceof Undefined)) return v;
        }
        return Undefined.item(obj, key);
    }

    /** The key of {@code m} equal to {@code key} in Python's sense (1 == 1.0 == True), or null. */
    private static Object mapKey(Map<?, ?> m, Object key) {
        if (key == null) return null;
        if (m.containsKey(key)) return key;
        if (Values.isNumber(key)) {
            for (Object k : m.keySet()) if (k != null && Values.isNumber(k) && Values.equal(k, key)) return k;
        }
        return null;
    }

    /** Follows a dotted attribute path ({@code "function.name"}, integer parts index lists), as filters' {@code attribute=}. */
    static Object path(Object obj, String dotted) {
        Object v = obj;
        for (String part : dotted.split("\\.", -1)) {
            Object key = part.matches("\\d+") ? (Object) Long.parseLong(part) : part;
            if (v instanceof Undefined) return v;
            v = getitem(v, key);
        }
        return v;
    }

    private static JinjaFunction dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (args, kw) -> {
                noArgs("items", args, kw);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(e.getKey(), e.getValue()));
                return out;
            };
            case "keys" -> (args, kw) -> {
                noArgs("keys", args, kw);
                return new ArrayList<Object>(m.keySet());
            };
            case "values" -> (args, kw) -> {
                noArgs("values", args, kw);
                return new ArrayList<Object>(m.values());
            };
            case "get" -> (args, kw) -> {
                Object[] p = Params.bind("get", args, kw, "key", "default");
                if (p[0] == Params.MISSING) throw TemplateError.render("get() expected at least 1 argument, got 0");
                Object k = mapKey(m, p[0]);
                if (k != null || (p[0] == null && m.containsKey(null))) return m.get(k);
                return Params.or(p[1], null);
            };
            case "copy" -> (args, kw) -> new LinkedHashMap<Object, Object>(m);
            default -> MUTATORS.contains(name) ? refuse("dict", name) : null;
        };
    }

    private static JinjaFunction listMethod(List<?> l, String name) {
        return switch (name) {
            case "index" -> (args, kw) -> {
                Object[] p = Params.bind("index", args, kw, "value");
                for (int i = 0; i < l.size(); i++) if (Values.equal(l.get(i), p[0])) return (long) i;
                throw TemplateError.render(Values.repr(p[0]) + " is not in list");
            };
            case "count" -> (args, kw) -> {
                Object[] p = Params.bind("count", args, kw, "value");
                return l.stream().filter(x -> Values.equal(x, p[0])).count();
            };
            default -> MUTATORS.contains(name) && !(l instanceof Tuple) ? refuse("list", name) : null;
        };
    }

    private static JinjaFunction refuse(String type, String name) {
        return (args, kw) -> {
            throw TemplateError.render("access to " + type + " method '" + name + "' is unsafe (templates may not modify values)");
        };
    }

    static void noArgs(String fn, List<Object> args, Map<String, Object> kw) {
        if (!args.isEmpty() || !kw.isEmpty()) throw TemplateError.render(fn + "() takes no arguments");
    }
}
