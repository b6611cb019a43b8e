package dev.mm1j.tests.kit.cases;

/** Formatting of shapes in case names. */
final class Shapes {
    private Shapes() {}

    /** e.g. {@code [7,65]}. */
    static String s(long... dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) sb.append(i > 0 ? "," : "").append(dims[i]);
        return sb.append(']').toString();
    }
}
