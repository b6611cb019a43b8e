package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * What Jinja's {@code map}, {@code select}, {@code reject}, {@code selectattr}, {@code rejectattr}, {@code unique},
 * {@code items} and {@code reverse} return on CPython: a one-shot iterator, not a list. It is always true, has no
 * length, cannot be indexed or serialised to JSON, and is empty once iterated — templates that need a list write
 * {@code | list}, and mm1j keeps these quirks so that it renders what transformers renders.
 */
final class Generator {
    private List<Object> items;

    Generator(List<Object> items) {
        this.items = items;
    }

    /** The remaining items; the generator is exhausted afterwards. */
    List<Object> drain() {
        List<Object> out = items;
        items = new ArrayList<>();
        return out;
    }
}
