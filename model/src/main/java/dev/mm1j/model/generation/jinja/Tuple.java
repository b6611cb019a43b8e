package dev.mm1j.model.generation.jinja;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints with parentheses ({@code ('a', 1)}), e.g. what {@code items()} yields. */
final class Tuple extends AbstractList<Object> {
    private final Object[] items;

    Tuple(Object... items) {
        this.items = items.clone();
    }

    static Tuple of(List<?> items) {
        return new Tuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
