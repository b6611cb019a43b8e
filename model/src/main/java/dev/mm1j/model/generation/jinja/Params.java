package dev.mm1j.model.generation.jinja;

import java.util.List;
import java.util.Map;

/** Binds a call's positional and keyword arguments to named parameters, Python style. */
final class Params {
    /** Marks a parameter the call did not pass. */
    static final Object MISSING = new Object() {
        @Override
        public String toString() {
            return "<missing>";
        }
    };

    private Params() {}

    /**
     * The arguments for {@code names} (in order; {@link #MISSING} where not given). Too many positional arguments,
     * an unknown keyword or one given twice is an error naming {@code fn}.
     */
    static Object[] bind(String fn, List<Object> args, Map<String, Object> kwargs, String... names) {
        if (args.size() > names.length) {
            throw TemplateError.render(fn + "() takes at most " + names.length + " argument(s) (" + args.size() + " given)");
        }
        Object[] out = new Object[names.length];
        for (int i = 0; i < names.length; i++) out[i] = i < args.size() ? args.get(i) : MISSING;
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            int at = List.of(names).indexOf(e.getKey());
            if (at < 0) throw TemplateError.render(fn + "() got an unexpected keyword argument '" + e.getKey() + "'");
            if (out[at] != MISSING) throw TemplateError.render(fn + "() got multiple values for argument '" + e.getKey() + "'");
            out[at] = e.getValue();
        }
        return out;
    }

    static Object or(Object v, Object fallback) {
        return v == MISSING ? fallback : v;
    }

    static String string(String fn, String param, Object v) {
        if (v instanceof String s) return s;
        throw TemplateError.render(fn + "(): '" + param + "' must be a string, not '" + Values.typeName(v) + "'");
    }

    static long integer(String fn, String param, Object v) {
        if (Values.isInt(v)) return Values.toLong(v);
        throw TemplateError.render(fn + "(): '" + param + "' must be an integer, not '" + Values.typeName(v) + "'");
    }
}
