package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face defines it: Python's {@code json.dumps(value, ensure_ascii=False,
 * indent=None, separators=None, sort_keys=False)}, byte for byte. Item separator {@code ", "} (or {@code ","}
 * when indenting), key separator {@code ": "}, floats as Python's {@code repr}, non-ASCII kept unless
 * {@code ensure_ascii}.
 */
final class ToJson {
    private ToJson() {}

    /** {@code indent}: null, a count of spaces or the indent string itself. */
    static String dumps(Object value, boolean ensureAscii, Object indent, String itemSep, String keySep, boolean sortKeys) {
        String ind = switch (indent) {
            case null -> null;
            case String s -> s;
            default -> " ".repeat((int) Math.max(0, Values.toLong(indent)));
        };
        if (itemSep == null) itemSep = ind == null ? ", " : ",";
        if (keySep == null) keySep = ": ";
        StringBuilder sb = new StringBuilder();
        new Writer(sb, ensureAscii, ind, itemSep, keySep, sortKeys).write(value, 0);
        return sb.toString();
    }

    private record Writer(StringBuilder sb, boolean ascii, String indent, String itemSep, String keySep, boolean sort) {
        void write(Object v, int level) {
            if (level > 200) throw TemplateError.render("tojson: value nested over 200 levels deep");
            switch (v) {
                case null -> sb.append("null");
                case Boolean b -> sb.append(b ? "true" : "false");
                case Long l -> sb.append(l);
                case Double d -> sb.append(number(d));
                case String s -> string(s);
                case List<?> l -> {
                    if (l.isEmpty()) {
                        sb.append("[]");
                        return;
                    }
                    sb.append('[');
                    for (int i = 0; i < l.size(); i++) {
                        if (i > 0) sb.append(itemSep);
                        newline(level + 1);
                        write(l.get(i), level + 1);
                    }
                    newline(level);
                    sb.append(']');
                }
                case Map<?, ?> m -> {
                    if (m.isEmpty()) {
                        sb.append("{}");
                        return;
                    }
                    List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                    if (sort) entries.sort((a, b) -> Values.compare(a.getKey(), b.getKey(), "<"));
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : entries) {
                        if (!first) sb.append(itemSep);
                        first = false;
                        newline(level + 1);
                        string(key(e.getKey()));
                        sb.append(keySep);
                        write(e.getValue(), level + 1);
                    }
                    newline(level);
                    sb.append('}');
                }
                default -> throw TemplateError.render("Object of type " + Values.typeName(v) + " is not JSON serializable");
            }
        }

        private void newline(int level) {
            if (indent != null) sb.append('\n').append(indent.repeat(level));
        }

        private static String key(Object k) {
            return switch (k) {
                case String s -> s;
                case null -> "null";
                case Boolean b -> b ? "true" : "false";
                case Long l -> l.toString();
                case Double d -> number(d);
                default -> throw TemplateError.render("keys must be str, int, float, bool or None, not " + Values.typeName(k));
            };
        }

        private static String number(double d) {
            if (Double.isNaN(d)) return "NaN";
            if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
            return PyText.floatRepr(d);
        }

        private void string(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20 || (ascii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }
    }
}
