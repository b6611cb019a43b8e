package dev.mm1j.model.generation.jinja;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The functions every template sees: Jinja's {@code range}, {@code namespace}, {@code dict}, and Hugging Face's
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {
    /** The sandbox's limit on {@code range()} (Jinja's MAX_RANGE). */
    static final long MAX_RANGE = 100_000;

    private Globals() {}

    static void install(Scope root, Supplier<LocalDateTime> now) {
        root.set("range", (JinjaFunction) Globals::range);
        root.set("namespace", (JinjaFunction) (args, kw) -> {
            Namespace ns = new Namespace();
            if (args.size() > 1) throw TemplateError.render("namespace() takes at most 1 positional argument");
            if (!args.isEmpty()) {
                if (!(args.getFirst() instanceof Map<?, ?> m)) throw TemplateError.render("namespace() expects a dict, not '" + Values.typeName(args.getFirst()) + "'");
                for (Map.Entry<?, ?> e : m.entrySet()) ns.attributes.put(Values.str(e.getKey()), e.getValue());
            }
            ns.attributes.putAll(kw);
            return ns;
        });
        root.set("dict", (JinjaFunction) (args, kw) -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (args.size() > 1) throw TemplateError.render("dict() takes at most 1 positional argument");
            if (!args.isEmpty()) {
                if (args.getFirst() instanceof Map<?, ?> src) m.putAll(src);
                else for (Object pair : Values.iterate(args.getFirst())) {
                    List<Object> kv = Values.iterate(pair);
                    if (kv.size() != 2) throw TemplateError.render("dict(): each item must be a (key, value) pair");
                    m.put(kv.get(0), kv.get(1));
                }
            }
            m.putAll(kw);
            return m;
        });
        root.set("raise_exception", (JinjaFunction) (args, kw) -> {
            String message = args.isEmpty() ? "" : Values.str(args.getFirst());
            throw new TemplateError(JinjaException.Kind.RAISED, message);
        });
        root.set("strftime_now", (JinjaFunction) (args, kw) -> {
            Object[] p = Params.bind("strftime_now", args, kw, "format");
            return strftime(now.get(), Params.string("strftime_now", "format", p[0]));
        });
    }

    private static Object range(List<Object> args, Map<String, Object> kw) {
        if (!kw.isEmpty()) throw TemplateError.render("range() takes no keyword arguments");
        long start = 0, stop, step = 1;
        switch (args.size()) {
            case 1 -> stop = Params.integer("range", "stop", args.getFirst());
            case 2, 3 -> {
                start = Params.integer("range", "start", args.get(0));
                stop = Params.integer("range", "stop", args.get(1));
                if (args.size() == 3) step = Params.integer("range", "step", args.get(2));
            }
            default -> throw TemplateError.render("range() expected 1 to 3 arguments, got " + args.size());
        }
        if (step == 0) throw TemplateError.render("range() arg 3 must not be zero");
        long n = step > 0 ? Math.max(0, Math.ceilDiv(stop - start, step)) : Math.max(0, Math.ceilDiv(start - stop, -step));
        if (n > MAX_RANGE) throw TemplateError.render("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        List<Object> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) out.add(start + i * step);
        return out;
    }

    /** Python's {@code datetime.strftime} for the directives chat templates use (C locale names). */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case '%' -> sb.append('%');
                default -> throw TemplateError.unsupported("strftime directive '%" + d + "'");
            }
        }
        return sb.toString();
    }
}
