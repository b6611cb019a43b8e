package dev.mm1j.model.text;

import dev.mm1j.core.Tensor;

/**
 * Row views of a preallocated buffer {@code [capacity, ...]}, made once and reused: {@link #first} and
 * single rows are cached, so a decode loop that asks for the same views every step allocates nothing.
 */
final class Rows {
    private final Tensor base;
    private final Tensor[] prefix;
    private final Tensor[] single;

    Rows(Tensor base) {
        this.base = base;
        int cap = (int) base.dim(0);
        this.prefix = new Tensor[cap + 1];
        this.single = new Tensor[cap];
    }

    Tensor base() {
        return base;
    }

    int capacity() {
        return single.length;
    }

    /** Rows [0, n). */
    Tensor first(int n) {
        Tensor t = prefix[n];
        if (t == null) prefix[n] = t = base.slice(0, 0, n);
        return t;
    }

    /** Rows [start, start + n); cached when start is 0 or n is 1. */
    Tensor range(int start, int n) {
        if (start == 0) return first(n);
        if (n == 1) {
            Tensor t = single[start];
            if (t == null) single[start] = t = base.slice(0, start, start + 1);
            return t;
        }
        return base.slice(0, start, start + n);
    }
}
