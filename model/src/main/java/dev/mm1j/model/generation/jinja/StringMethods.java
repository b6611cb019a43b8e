package dev.mm1j.model.generation.jinja;

import java.util.List;
import java.util.Map;

/** Python's {@code str} methods that chat templates call ({@code strip}, {@code split}, {@code startswith}, ...). */
final class StringMethods {
    private StringMethods() {}

    /** The bound method {@code s.name}, or null when str has no such method here. */
    static JinjaFunction method(String s, String name) {
        return switch (name) {
            case "strip", "lstrip", "rstrip" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "chars");
                Object chars = Params.or(p[0], null);
                String c = chars == null ? null : Params.string(name, "chars", chars);
                return PyText.strip(s, c, !name.equals("rstrip"), !name.equals("lstrip"));
            };
            case "split", "rsplit" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "sep", "maxsplit");
                Object sep = Params.or(p[0], null);
                long max = Params.integer(name, "maxsplit", Params.or(p[1], -1L));
                String sp = sep == null ? null : Params.string(name, "sep", sep);
                return name.equals("split") ? PyText.split(s, sp, max) : PyText.rsplit(s, sp, max);
            };
            case "splitlines" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "keepends");
                return PyText.splitlines(s, Values.truthy(Params.or(p[0], false)));
            };
            case "upper" -> noArgs(name, () -> PyText.upper(s));
            case "lower", "casefold" -> noArgs(name, () -> PyText.lower(s));
            case "title" -> noArgs(name, () -> PyText.titleMethod(s));
            case "capitalize" -> noArgs(name, () -> PyText.capitalize(s));
            case "isdigit", "isdecimal", "isnumeric" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit));
            case "isalpha" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter));
            case "isalnum" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit));
            case "isspace" -> noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(PyText::isSpace));
            case "islower" -> noArgs(name, () -> cased(s) && s.equals(PyText.lower(s)));
            case "isupper" -> noArgs(name, () -> cased(s) && s.equals(PyText.upper(s)));
            case "replace" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "old", "new", "count");
                return replace(s, Params.string(name, "old", p[0]), Params.string(name, "new", p[1]), Params.integer(name, "count", Params.or(p[2], -1L)));
            };
            case "startswith", "endswith" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "prefix", "start", "end");
                String sub = s.substring(offset(s, Params.or(p[1], null), 0), offset(s, Params.or(p[2], null), s.length()));
                List<?> options = p[0] instanceof List<?> l ? l : List.of(p[0]);
                for (Object o : options) {
                    String x = Params.string(name, "prefix", o);
                    if (name.equals("startswith") ? sub.startsWith(x) : sub.endsWith(x)) return true;
                }
                return false;
            };
            case "find", "rfind", "index", "rindex", "count" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "sub");
                String sub = Params.string(name, "sub", p[0]);
                if (name.equals("count")) return count(s, sub);
                int at = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (at < 0 && name.endsWith("index")) throw TemplateError.render("substring not found");
                return at < 0 ? -1L : (long) s.codePointCount(0, at);
            };
            case "join" -> (args, kw) -> {
                Object[] p = Params.bind(name, args, kw, "iterable");
                StringBuilder sb = new StringBuilder();
                int i = 0;
                for (Object o : Values.iterate(p[0])) {
                    if (!(o instanceof String x)) {
                        throw TemplateError.render("sequence item " + i + ": expected str instance, " + Values.typeName(o) + " found");
                    }
                    if (i++ > 0) sb.append(s);
                    sb.append(x);
                }
                return sb.toString();
            };
            case "removeprefix" -> (args, kw) -> {
                String x = Params.string(name, "prefix", Params.bind(name, args, kw, "prefix")[0]);
                return s.startsWith(x) ? s.substring(x.length()) : s;
            };
            case "removesuffix" -> (args, kw) -> {
                String x = Params.string(name, "suffix", Params.bind(name, args, kw, "suffix")[0]);
                return s.endsWith(x) && !x.isEmpty() ? s.substring(0, s.length() - x.length()) : s;
            };
            case "format" -> (args, kw) -> format(s, args, kw);
            default -> null;
        };
    }

    private interface Nullary {
        Object get();
    }

    private static JinjaFunction noArgs(String name, Nullary body) {
        return (args, kw) -> {
            Attributes.noArgs(name, args, kw);
            return body.get();
        };
    }

    private static boolean cased(String s) {
        return s.codePoints().anyMatch(c -> Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c));
    }

    static String replace(String s, String old, String neu, long count) {
        if (count < 0) {
            if (!old.isEmpty()) return s.replace(old, neu);
            count = Long.MAX_VALUE;
        }
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            // Python inserts the replacement before every character and at the end, up to count times.
            List<Object> chars = PyText.characters(s);
            long done = 0;
            for (Object c : chars) {
                if (done++ < count) sb.append(neu);
                sb.append((String) c);
            }
            if (done < count) sb.append(neu);
            return sb.toString();
        }
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            sb.append(s, from, at).append(neu);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1L;
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    /** A code-point index (Python, negatives from the end) as a UTF-16 offset. */
    private static int offset(String s, Object index, int fallback) {
        if (index == null) return fallback;
        long cps = s.codePointCount(0, s.length());
        long i = Params.integer("startswith", "start", index);
        if (i < 0) i = Math.max(0, i + cps);
        i = Math.min(i, cps);
        return s.offsetByCodePoints(0, (int) i);
    }

    /** {@code str.format} with {@code {}}, {@code {0}} and {@code {name}} fields (no format specs or conversions). */
    private static String format(String s, List<Object> args, Map<String, Object> kw) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) throw TemplateError.render("Single '{' encountered in format string");
                String field = s.substring(i + 1, end);
                if (field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[")) {
                    throw TemplateError.unsupported("str.format field '{" + field + "}' (only {}, {0} and {name} are supported)");
                }
                Object v;
                if (field.isEmpty()) v = arg(args, auto++);
                else if (field.chars().allMatch(Character::isDigit)) v = arg(args, Integer.parseInt(field));
                else if (kw.containsKey(field)) v = kw.get(field);
                else throw TemplateError.render("KeyError: " + Values.repr(field));
                sb.append(Values.str(v));
                i = end;
            } else if (c == '}') {
                throw TemplateError.render("Single '}' encountered in format string");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Object arg(List<Object> args, int i) {
        if (i >= args.size()) throw TemplateError.render("Replacement index " + i + " out of range for positional args tuple");
        return args.get(i);
    }
}
