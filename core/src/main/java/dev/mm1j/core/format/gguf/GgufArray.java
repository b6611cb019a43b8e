package dev.mm1j.core.format.gguf;

import dev.mm1j.core.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A GGUF metadata array. Numeric and bool arrays stay in the mapped file (no copy until {@link #floats()},
 * {@link #ints()} or {@link #longs()} is called); string arrays are decoded when the file is opened; arrays
 * of arrays hold {@link GgufArray}s.
 */
public final class GgufArray {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final String where;
    private final GgufValueType type;
    private final long size;
    private final MemorySegment data; // numeric and bool arrays
    private final List<Object> elements; // strings and nested arrays

    GgufArray(String where, GgufValueType type, long size, MemorySegment data, List<Object> elements) {
        this.where = where;
        this.type = type;
        this.size = size;
        this.data = data;
        this.elements = elements;
    }

    public GgufValueType elementType() {
        return type;
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    private int javaLength() {
        if (size > Integer.MAX_VALUE - 8) throw new ModelFormatException(where + ": array of " + size + " elements is too large to load");
        return (int) size;
    }

    /** The elements of a string array. */
    @SuppressWarnings("unchecked")
    public List<String> strings() {
        if (type != GgufValueType.STRING) throw new ModelFormatException(where + ": expected an array of strings, got an array of " + type);
        return Collections.unmodifiableList((List<String>) (List<?>) elements);
    }

    /** The elements of an array of arrays. */
    public List<GgufArray> arrays() {
        if (type != GgufValueType.ARRAY) throw new ModelFormatException(where + ": expected an array of arrays, got an array of " + type);
        List<GgufArray> out = new ArrayList<>();
        for (Object o : elements) out.add((GgufArray) o);
        return out;
    }

    /** Numeric elements as floats (integers converted). */
    public float[] floats() {
        requireNumeric();
        float[] out = new float[javaLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case FLOAT32 -> data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i);
                case FLOAT64 -> (float) data.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 8L * i);
                default -> (float) integer(i);
            };
        }
        return out;
    }

    /** Integer (or bool) elements as ints; a value outside the int range is an error. */
    public int[] ints() {
        long[] l = longs();
        int[] out = new int[l.length];
        for (int i = 0; i < out.length; i++) {
            if (l[i] != (int) l[i]) throw new ModelFormatException(where + "[" + i + "]: " + l[i] + " does not fit an int");
            out[i] = (int) l[i];
        }
        return out;
    }

    /** Integer (or bool) elements as longs. */
    public long[] longs() {
        requireNumeric();
        if (type == GgufValueType.FLOAT32 || type == GgufValueType.FLOAT64) throw new ModelFormatException(where + ": expected an array of integers, got an array of " + type);
        long[] out = new long[javaLength()];
        for (int i = 0; i < out.length; i++) out[i] = integer(i);
        return out;
    }

    private long integer(int i) {
        return switch (type) {
            case UINT8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xffL;
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case UINT16 -> data.get(I16, 2L * i) & 0xffffL;
            case INT16 -> data.get(I16, 2L * i);
            case UINT32 -> data.get(I32, 4L * i) & 0xffffffffL;
            case INT32 -> data.get(I32, 4L * i);
            case UINT64, INT64 -> data.get(I64, 8L * i);
            default -> throw new IllegalStateException(type.name());
        };
    }

    private void requireNumeric() {
        if (data == null) throw new ModelFormatException(where + ": expected an array of numbers, got an array of " + type);
    }

    @Override
    public String toString() {
        return type + "[" + size + "]";
    }
}
