package dev.mm1j.model.generation.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. Python Jinja scoping: the template's top level is one scope (an
 * {@code if} opens none); every iteration of a {@code for} loop, a macro call, a {@code with} block opens a child
 * whose assignments vanish when it ends (carry state out of a loop with {@code namespace()}).
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value of {@code name}, or {@link Undefined} naming it. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) return v;
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }

    private static final Object MISSING = new Object();
}
