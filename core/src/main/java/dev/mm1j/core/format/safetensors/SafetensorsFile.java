package dev.mm1j.core.format.safetensors;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.MappedFile;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.json.Json;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped and validated on open; tensors are zero-copy views of the mapping.
 *
 * <pre>
 * u64 (little-endian) N | N bytes of UTF-8 JSON header | data
 * header: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * offsets count from the start of the data; end - begin = numel × element size
 * </pre>
 *
 * Everything the header declares is checked against the file before any tensor is handed out: the header
 * length against the file size, every dtype, every shape (non-negative, product below 2^63), every offset
 * pair (inside the data, matching shape × dtype), overlaps, duplicate names, the metadata's types. Any
 * violation is a {@link ModelFormatException} naming the file and the tensor.
 *
 * <p>Dtypes the engine does not compute on (F64, I64, BOOL, ...) come back as storage-only {@link DType}s;
 * those it cannot represent at all (U16/U32/U64, the F8/F6/F4 formats) are listed with their names and fail
 * only when such a tensor is asked for.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** A safetensors dtype: its name, its size in bits, and the engine's dtype (null when unsupported). */
    public record Dtype(String name, int bits, DType dtype) {}

    private static final Map<String, Dtype> DTYPES = new LinkedHashMap<>();

    static {
        for (Dtype d : List.of(new Dtype("BOOL", 8, DType.BOOL), new Dtype("U8", 8, DType.U8), new Dtype("I8", 8, DType.I8),
            new Dtype("I16", 16, DType.I16), new Dtype("U16", 16, null), new Dtype("F16", 16, DType.F16), new Dtype("BF16", 16, DType.BF16),
            new Dtype("I32", 32, DType.I32), new Dtype("U32", 32, null), new Dtype("F32", 32, DType.F32), new Dtype("F64", 64, DType.F64),
            new Dtype("I64", 64, DType.I64), new Dtype("U64", 64, null), new Dtype("C64", 64, null),
            new Dtype("F8_E5M2", 8, null), new Dtype("F8_E4M3", 8, null), new Dtype("F8_E8M0", 8, null),
            new Dtype("F6_E2M3", 6, null), new Dtype("F6_E3M2", 6, null), new Dtype("F4", 4, null))) {
            DTYPES.put(d.name(), d);
        }
    }

    /** The safetensors name of an engine dtype, or null for block-quantized types (which safetensors cannot hold). */
    public static String nameOf(DType t) {
        for (Dtype d : DTYPES.values()) if (d.dtype() == t) return d.name();
        return null;
    }

    /** One header entry: offsets are relative to the data start. */
    public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }
    }

    private final String name;
    private final MappedFile mapped; // null when parsed from a caller's segment
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(String name, MappedFile mapped, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.name = name;
        this.mapped = mapped;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps and validates {@code file}. */
    public static SafetensorsFile open(Path file) {
        MappedFile m = MappedFile.open(file);
        try {
            return parse(m.segment(), m.name(), m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Validates the safetensors bytes in {@code bytes} (owned by the caller); {@code name} is used in messages. */
    public static SafetensorsFile parse(MemorySegment bytes, String name) {
        return parse(bytes, name, null);
    }

    private static SafetensorsFile parse(MemorySegment bytes, String name, MappedFile mapped) {
        long size = bytes.byteSize();
        if (size < 8) throw new ModelFormatException(name + ": truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        long n = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > size - 8) {
            throw new ModelFormatException(name + ": header length " + Long.toUnsignedString(n) + " runs past the end of the file (" + size + " bytes): truncated or not a safetensors file");
        }
        if (n > MAX_HEADER_BYTES) throw new ModelFormatException(name + ": header length " + n + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
        if (n < 2) throw new ModelFormatException(name + ": header of " + n + " bytes cannot hold a JSON object");
        byte[] header = bytes.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String src = name + " header";
        if (header[0] != '{') throw new ModelFormatException(src + ": does not start with '{' (not a safetensors file?)");
        Object parsed = Json.parse(header, src); // a JsonException names the file, line and column
        if (!(parsed instanceof Map<?, ?> top)) throw new ModelFormatException(src + ": the header is not a JSON object");
        MemorySegment data = bytes.asSlice(8 + n);
        long dataSize = data.byteSize();
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                metadata = metadata(e.getValue(), src);
                continue;
            }
            entries.put(key, entry(key, e.getValue(), dataSize, src));
        }
        checkOverlaps(entries.values(), src);
        return new SafetensorsFile(name, mapped, data, Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> metadata(Object v, String src) {
        if (!(v instanceof Map<?, ?> m)) throw new ModelFormatException(src + ": __metadata__ must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) throw new ModelFormatException(src + ": __metadata__." + e.getKey() + " must be a string, got " + Json.write(e.getValue()));
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(String tensor, Object v, long dataSize, String src) {
        String where = src + ": tensor '" + tensor + "'";
        if (!(v instanceof Map<?, ?> info)) throw new ModelFormatException(where + ": expected an object with dtype, shape and data_offsets");
        if (!(info.get("dtype") instanceof String dtypeName)) throw new ModelFormatException(where + ": missing or non-string \"dtype\"");
        Dtype dtype = DTYPES.get(dtypeName);
        if (dtype == null) throw new ModelFormatException(where + ": unknown dtype '" + dtypeName + "' (known: " + String.join(", ", DTYPES.keySet()) + ")");
        if (!(info.get("shape") instanceof List<?> shapeList)) throw new ModelFormatException(where + ": missing or non-array \"shape\"");
        long[] shape = new long[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw new ModelFormatException(where + ": shape " + Json.write(shapeList) + " has a dimension that is not a non-negative integer");
            }
            shape[i] = d;
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException ex) {
                throw new ModelFormatException(where + ": shape " + Arrays.toString(shape) + " has more than 2^63 elements");
            }
        }
        if (!(info.get("data_offsets") instanceof List<?> off) || off.size() != 2 || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end)) {
            throw new ModelFormatException(where + ": \"data_offsets\" must be two integers [begin, end], got " + Json.write(info.get("data_offsets")));
        }
        if (begin < 0 || end < begin) throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] are not an ordered pair of offsets");
        if (end > dataSize) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] run past the end of the data (" + dataSize + " bytes): truncated file?");
        }
        long bits;
        try {
            bits = Math.multiplyExact(numel, (long) dtype.bits());
        } catch (ArithmeticException ex) {
            throw new ModelFormatException(where + ": " + dtypeName + Arrays.toString(shape) + " is too large");
        }
        if (bits % 8 != 0) throw new ModelFormatException(where + ": " + dtypeName + Arrays.toString(shape) + " does not fill whole bytes");
        if (end - begin != bits / 8) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but " + dtypeName
                + Arrays.toString(shape) + " needs " + bits / 8);
        }
        return new Entry(tensor, dtype, shape, begin, end);
    }

    private static void checkOverlaps(java.util.Collection<Entry> all, String src) {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : all) if (e.byteSize() > 0) sorted.add(e);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw new ModelFormatException(src + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '" + b.name() + "' [" + b.begin() + ", "
                    + b.end() + ") overlap");
            }
        }
    }

    /** The file name (for messages). */
    public String name() {
        return name;
    }

    /** The path when opened from a file, else null. */
    public Path path() {
        return mapped != null ? mapped.path() : null;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    public Entry entry(String tensor) {
        return entries.get(tensor);
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Bytes of tensor data (after the header). */
    public long dataSize() {
        return data.byteSize();
    }

    /**
     * The tensor {@code tensor} as a zero-copy view of the file, or null when there is none.
     *
     * @throws ModelFormatException if its dtype is one mm1j cannot represent (e.g. F8_E4M3, U32)
     */
    public Tensor tensor(String tensor) {
        Entry e = entries.get(tensor);
        if (e == null) return null;
        if (e.dtype().dtype() == null) {
            throw new ModelFormatException(name + ": tensor '" + tensor + "' has dtype " + e.dtype().name() + ", which mm1j does not support (supported: "
                + "F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");
        }
        return Tensor.wrap(data.asSlice(e.begin(), e.byteSize()), e.dtype().dtype(), e.shape());
    }

    /** Unmaps the file (when this object mapped it); tensors from it are invalid afterwards. */
    @Override
    public void close() {
        if (mapped != null) mapped.close();
    }

    @Override
    public String toString() {
        return name + " (" + entries.size() + " tensors)";
    }
}
