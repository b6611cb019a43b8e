package dev.mm1j.model.generation.jinja;

import java.util.List;
import java.util.Map;

/** Something a template can call: a global ({@code range}), a bound method ({@code 'a'.upper}) or a macro. */
@FunctionalInterface
interface JinjaFunction {
    /** Calls with positional {@code args} and keyword {@code kwargs} (insertion-ordered, possibly empty). */
    Object call(List<Object> args, Map<String, Object> kwargs);
}
