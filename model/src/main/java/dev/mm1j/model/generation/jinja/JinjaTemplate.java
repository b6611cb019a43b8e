package dev.mm1j.model.generation.jinja;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A compiled Jinja template, rendered as Hugging Face's {@code apply_chat_template} renders chat templates: Jinja2
 * semantics on Python values, {@code trim_blocks} and {@code lstrip_blocks} on, the {@code loopcontrols} extension
 * and the {@code {% generation %}} tag, {@code tojson} as {@code json.dumps(ensure_ascii=False)}, globals
 * {@code raise_exception} and {@code strftime_now}. It is a subset: what chat templates use (see the package
 * README for the list); anything else is refused with a {@link JinjaException} that names the construct and where
 * it is.
 *
 * <pre>{@code
 * JinjaTemplate t = JinjaTemplate.compile("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
 * String s = t.render(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi"))));
 * }</pre>
 *
 * Context values may be {@code null}, {@link Boolean}, any {@link Number} (integral types become Python ints, others
 * floats), {@link CharSequence}, {@link Map} (keys as given, insertion order kept) and {@link Iterable} or arrays;
 * they are copied, never modified. Thread-safe: a compiled template can be rendered concurrently.
 */
public final class JinjaTemplate {
    /**
     * Bounds on one render: characters of output, evaluation steps (every node visited counts one) and nested
     * macro calls. A template that passes one fails with a {@link JinjaException} instead of exhausting memory,
     * time or the stack.
     */
    public record Limits(int maxOutputChars, long maxSteps, int maxCallDepth) {
        public static final Limits DEFAULT = new Limits(16 << 20, 50_000_000L, 200);
    }

    private final List<Node> body;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
    }

    /** Parses {@code source}; a syntax error or a construct this interpreter lacks is a {@link JinjaException}. */
    public static JinjaTemplate compile(String source) {
        Objects.requireNonNull(source, "template source");
        return new JinjaTemplate(Parser.parse(source));
    }

    /** Renders with the default limits; {@code strftime_now} reads the system clock. */
    public String render(Map<String, ?> context) {
        return render(context, LocalDateTime::now, Limits.DEFAULT);
    }

    /** Renders with {@code now} as {@code strftime_now}'s clock and the given limits. */
    public String render(Map<String, ?> context, Supplier<LocalDateTime> now, Limits limits) {
        Scope root = new Scope(null);
        Globals.install(root, now);
        for (Map.Entry<String, ?> e : context.entrySet()) root.set(e.getKey(), convert(e.getValue(), 0));
        StringBuilder out = new StringBuilder();
        new Renderer(limits).render(body, new Scope(root), out);
        return out.toString();
    }

    /** A context value as a template value (see the class comment). */
    private static Object convert(Object v, int depth) {
        if (depth > 500) throw new JinjaException(JinjaException.Kind.RENDER, 0, 0, "context value nested over 500 levels deep");
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Double d -> d;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case java.math.BigInteger b -> b.longValueExact();
            case Number n -> n.doubleValue();
            case CharSequence cs -> cs.toString();
            case Character c -> c.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(convert(e.getKey(), depth + 1), convert(e.getValue(), depth + 1));
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                for (Object o : it) out.add(convert(o, depth + 1));
                yield out;
            }
            case Object[] arr -> {
                List<Object> out = new ArrayList<>(arr.length);
                for (Object o : arr) out.add(convert(o, depth + 1));
                yield out;
            }
            default -> throw new JinjaException(JinjaException.Kind.RENDER, 0, 0,
                "context value of type " + v.getClass().getName() + " has no template equivalent");
        };
    }
}
