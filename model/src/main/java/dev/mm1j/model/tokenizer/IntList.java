package dev.mm1j.model.tokenizer;

import java.util.Arrays;

/** A growable list of ints (token ids, offsets) without boxing. */
final class IntList {
    private int[] a;
    private int size;

    IntList() {
        this(16);
    }

    IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[size++] = v;
    }

    void addAll(int[] v) {
        if (size + v.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, size + v.length));
        System.arraycopy(v, 0, a, size, v.length);
        size += v.length;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(a, size);
    }
}
