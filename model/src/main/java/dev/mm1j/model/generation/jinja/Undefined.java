package dev.mm1j.model.generation.jinja;

/**
 * Jinja's default {@code Undefined}: what a missing variable, key, attribute or index evaluates to. It prints as the
 * empty string, is false, iterates as empty and has length 0; using it any other way (attribute or item access, a
 * call, arithmetic) is an error that carries {@link #hint}, as in Jinja ({@code 'x' is undefined}).
 */
final class Undefined {
    /** Why this value is undefined, in Jinja's words ({@code 'foo' is undefined}, {@code 'dict object' has no attribute 'x'}). */
    final String hint;

    Undefined(String hint) {
        this.hint = hint;
    }

    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        String what = owner == null ? "'None'" : "'" + Values.typeName(owner) + " object'";
        return new Undefined(what + " has no attribute " + Values.repr(name));
    }

    static Undefined item(Object owner, Object key) {
        String what = owner == null ? "'None'" : "'" + Values.typeName(owner) + " object'";
        return new Undefined(what + " has no element " + Values.repr(key));
    }

    @Override
    public String toString() {
        return "";
    }
}
