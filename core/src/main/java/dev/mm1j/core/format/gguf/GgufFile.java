package dev.mm1j.core.format.gguf;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.MappedFile;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.quant.Convert;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped and validated on open.
 *
 * <pre>
 * "GGUF" | u32 version | u64 tensor_count | u64 kv_count
 * kv_count × (string key | u32 value_type | value)         string = u64 length | UTF-8 bytes
 *                                                           array  = u32 element_type | u64 count | elements
 * tensor_count × (string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset)
 * padding to general.alignment (default 32) | tensor data (offsets relative to its start, aligned)
 * </pre>
 *
 * Every declared count and size is checked against the bytes left before anything is allocated, so a
 * hostile file gets a {@link ModelFormatException} naming the key or tensor, never an OutOfMemoryError.
 * Shapes are given row-major ({@code ne} reversed): a GGUF matrix with {@code ne = [in, out]} is a tensor
 * of shape {@code [out, in]}.
 */
public final class GgufFile implements AutoCloseable {
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Most elements of a string array (vocabularies and merges are a few hundred thousand). */
    public static final long MAX_STRING_ARRAY = 1L << 24;
    /** Deepest nesting of arrays of arrays. */
    public static final int MAX_ARRAY_DEPTH = 8;
    /** Most dimensions of a tensor (ggml's GGML_MAX_DIMS). */
    public static final int MAX_DIMS = 4;

    /** One tensor: its GGUF name, type, {@code ne} (innermost first), row-major shape, offset and size in the data. */
    public record TensorInfo(String name, GgmlType type, long[] ne, long[] shape, long offset, long byteSize) {
        public long numel() {
            long n = 1;
            for (long d : ne) n *= d;
            return n;
        }
    }

    private final String name;
    private final MappedFile mapped;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final MemorySegment data;

    private GgufFile(String name, MappedFile mapped, int version, Map<String, Object> metadata, Map<String, GgufValueType> types, Map<String, TensorInfo> tensors,
        int alignment, MemorySegment data) {
        this.name = name;
        this.mapped = mapped;
        this.version = version;
        this.metadata = metadata;
        this.types = types;
        this.tensors = tensors;
        this.alignment = alignment;
        this.data = data;
    }

    /** Maps and validates {@code file}. */
    public static GgufFile open(Path file) {
        MappedFile m = MappedFile.open(file);
        try {
            return new Parser(m.segment(), m.name()).parse(m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Validates GGUF bytes owned by the caller; {@code name} is used in messages. */
    public static GgufFile parse(MemorySegment bytes, String name) {
        return new Parser(bytes, name).parse(null);
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /**
     * Every metadata value by key, in file order: integers as {@code Long} (UINT64 above 2^63 − 1 wraps
     * negative), FLOAT32 as {@code Float}, FLOAT64 as {@code Double}, BOOL as {@code Boolean}, STRING as
     * {@code String}, arrays as {@link GgufArray}.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The GGUF type of a metadata key, or null. */
    public GgufValueType type(String key) {
        return types.get(key);
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** A string value, or null when absent. */
    public String string(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof String s) return s;
        throw new ModelFormatException(name + ": metadata " + key + " should be a string, is " + types.get(key));
    }

    /** An integer value (any integer type), or {@code fallback} when absent. */
    public long integer(String key, long fallback) {
        Object v = metadata.get(key);
        if (v == null) return fallback;
        if (v instanceof Long l) {
            if (types.get(key) == GgufValueType.UINT64 && l < 0) throw new ModelFormatException(name + ": metadata " + key + " = " + Long.toUnsignedString(l) + " is too large");
            return l;
        }
        throw new ModelFormatException(name + ": metadata " + key + " should be an integer, is " + types.get(key));
    }

    /** A non-negative integer that fits an int, or {@code fallback} when absent. */
    public int count(String key, int fallback) {
        long v = integer(key, fallback);
        if (v < 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(name + ": metadata " + key + " = " + v + " is out of range");
        return (int) v;
    }

    /** A numeric value (float or integer) as a double, or {@code fallback} when absent. */
    public double number(String key, double fallback) {
        Object v = metadata.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw new ModelFormatException(name + ": metadata " + key + " should be a number, is " + types.get(key));
    }

    /** A bool value, or null when absent. */
    public Boolean bool(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof Boolean b) return b;
        throw new ModelFormatException(name + ": metadata " + key + " should be a bool, is " + types.get(key));
    }

    /** An array value, or null when absent. */
    public GgufArray array(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (v instanceof GgufArray a) return a;
        throw new ModelFormatException(name + ": metadata " + key + " should be an array, is " + types.get(key));
    }

    /** Tensor infos by GGUF name, in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo tensorInfo(String tensor) {
        return tensors.get(tensor);
    }

    /** The raw bytes of a tensor (a slice of the mapping). */
    public MemorySegment bytes(TensorInfo t) {
        return data.asSlice(t.offset(), t.byteSize());
    }

    /**
     * The tensor as stored, zero-copy, when its type is an engine dtype (F32, F16, BF16, Q8_0, Q4_0, integers).
     *
     * @throws ModelFormatException for other types (use {@link #load}) and unknown names
     */
    public Tensor tensor(String tensor) {
        TensorInfo t = require(tensor);
        if (t.type().dtype() == null) throw new ModelFormatException(name + ": tensor '" + tensor + "' has type " + t.type() + ", which needs dequantizing (GgufFile.load)");
        return Tensor.wrap(bytes(t), t.type().dtype(), t.shape());
    }

    /**
     * The tensor in {@code target} (F32, F16, BF16, Q8_0 or Q4_0): the mapped bytes when already so, else a new
     * tensor (dequantized and, for block targets, re-quantized), which the caller owns and closes.
     *
     * @throws ModelFormatException if the type is one mm1j cannot read (IQ*, Q2_K, Q3_K, ...)
     */
    public Tensor load(String tensor, DType target) {
        TensorInfo t = require(tensor);
        if (t.type().dtype() == target) return tensor(tensor);
        long cols = t.ne().length == 0 ? 1 : t.ne()[0];
        if (cols > Integer.MAX_VALUE - 8) throw new ModelFormatException(name + ": tensor '" + tensor + "' has rows of " + cols + " values, too long to convert");
        if (cols % target.blockSize() != 0) {
            throw new ModelFormatException(name + ": tensor '" + tensor + "' has rows of " + cols + " values, which do not split into " + target + " blocks of " + target.blockSize());
        }
        if (!t.type().isReadable()) {
            throw new ModelFormatException(name + ": tensor '" + tensor + "' has type " + t.type() + ", which mm1j cannot read (readable: " + GgmlType.readableNames() + ")");
        }
        if (t.type().dtype() != null) return Convert.to(tensor(tensor), target);
        GgmlType.Dequantizer dq = t.type().dequantizer();
        MemorySegment src = bytes(t);
        int n = (int) cols;
        long rowBytes = n / t.type().blockSize() * (long) t.type().blockBytes();
        return Convert.rows(t.shape(), target, (r, out) -> dq.dequantize(src, r * rowBytes, out, 0, n));
    }

    private TensorInfo require(String tensor) {
        TensorInfo t = tensors.get(tensor);
        if (t == null) throw new ModelFormatException(name + ": no tensor '" + tensor + "'");
        return t;
    }

    @Override
    public void close() {
        if (mapped != null) mapped.close();
    }

    @Override
    public String toString() {
        return name + " (GGUF v" + version + ", " + tensors.size() + " tensors)";
    }

    // ------------------------------------------------------------------ parser

    private static final class Parser {
        private final MemorySegment seg;
        private final String name;
        private final long size;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private long pos;

        Parser(MemorySegment seg, String name) {
            this.seg = seg;
            this.name = name;
            this.size = seg.byteSize();
        }

        private ModelFormatException error(String what) {
            return new ModelFormatException(name + ": " + what);
        }

        /** Checks that {@code n} more bytes exist (n may be a huge or negative u64 read from the file). */
        private void need(long n, String what) {
            if (n < 0 || n > size - pos) {
                throw error("truncated or corrupt: " + what + " needs " + Long.toUnsignedString(n) + " bytes at offset " + pos + ", but the file has " + size + " bytes");
            }
        }

        private int u8(String what) {
            need(1, what);
            return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
        }

        private int u32(String what) {
            need(4, what);
            int v = seg.get(ValueLayout.JAVA_INT_UNALIGNED, pos);
            pos += 4;
            return v;
        }

        private long u64(String what) {
            need(8, what);
            long v = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, pos);
            pos += 8;
            return v;
        }

        private String string(String what) {
            long len = u64(what + " (length)");
            need(len, what);
            if (len > Integer.MAX_VALUE - 8) throw error(what + ": a string of " + len + " bytes is too long");
            String s = decode(seg.asSlice(pos, len), what);
            pos += len;
            return s;
        }

        private String decode(MemorySegment bytes, String what) {
            try {
                return utf8.reset().decode(bytes.asByteBuffer()).toString();
            } catch (CharacterCodingException e) {
                throw error(what + ": invalid UTF-8");
            }
        }

        GgufFile parse(MappedFile mapped) {
            if (size < 4) throw error("truncated: " + size + " bytes is too short for a GGUF file");
            byte[] magic = seg.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
            String m = new String(magic, StandardCharsets.ISO_8859_1);
            if (!m.equals("GGUF")) {
                if (m.equals("lmgg") || m.equals("fmgg") || m.equals("tjgg") || m.equals("ggml") || m.equals("ggmf") || m.equals("ggjt")) {
                    throw error("this is a pre-GGUF GGML file; convert it to GGUF with llama.cpp");
                }
                throw error("not a GGUF file (magic " + printable(magic) + ", expected \"GGUF\")");
            }
            pos = 4;
            int version = u32("the version");
            if (version != 2 && version != 3) {
                if (version == 1) throw error("GGUF version 1 is not supported (versions 2 and 3 are); re-convert the model with a current llama.cpp");
                if ((version & 0xffff) == 0 && Integer.reverseBytes(version) <= 3) throw error("big-endian GGUF files are not supported");
                throw error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (versions 2 and 3 are supported)");
            }
            long nTensors = u64("the tensor count");
            long nKv = u64("the metadata count");
            // each key/value takes at least 13 bytes and each tensor info at least 24: reject impossible counts up front
            if (nKv < 0 || nKv > (size - pos) / 13) throw error("declares " + Long.toUnsignedString(nKv) + " metadata entries, more than the file can hold");
            if (nTensors < 0 || nTensors > (size - pos) / 24) throw error("declares " + Long.toUnsignedString(nTensors) + " tensors, more than the file can hold");

            Map<String, Object> metadata = new LinkedHashMap<>();
            Map<String, GgufValueType> types = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                String key = string("metadata key #" + i);
                GgufValueType type = valueType(u32("the type of metadata " + key), "metadata " + key);
                Object value = value(type, "metadata " + key, 0);
                if (metadata.putIfAbsent(key, value) != null) throw error("duplicate metadata key " + key);
                types.put(key, type);
            }

            int alignment = DEFAULT_ALIGNMENT;
            if (metadata.containsKey("general.alignment")) {
                if (types.get("general.alignment") != GgufValueType.UINT32) throw error("general.alignment must be a UINT32, is " + types.get("general.alignment"));
                long a = (Long) metadata.get("general.alignment");
                if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) throw error("general.alignment " + a + " is not a power of two");
                alignment = (int) a;
            }

            List<TensorInfo> infos = new ArrayList<>();
            Map<String, TensorInfo> byName = new LinkedHashMap<>();
            for (long i = 0; i < nTensors; i++) {
                TensorInfo t = tensorInfo(i);
                if (byName.putIfAbsent(t.name(), t) != null) throw error("duplicate tensor name '" + t.name() + "'");
                infos.add(t);
            }
            long dataStart = (pos + alignment - 1) / alignment * alignment;
            MemorySegment data;
            if (nTensors == 0) {
                data = seg.asSlice(Math.min(dataStart, size), 0);
            } else {
                if (dataStart > size) throw error("truncated: the tensor data would start at byte " + dataStart + ", past the end of the file (" + size + " bytes)");
                data = seg.asSlice(dataStart);
            }
            checkData(infos, data.byteSize(), alignment);
            return new GgufFile(name, mapped, version, Collections.unmodifiableMap(metadata), types, Collections.unmodifiableMap(byName), alignment, data);
        }

        private GgufValueType valueType(int id, String where) {
            GgufValueType t = GgufValueType.byId(id & 0xffffffffL);
            if (t == null) throw error(where + ": unknown value type " + Integer.toUnsignedString(id));
            return t;
        }

        private Object value(GgufValueType type, String where, int depth) {
            return switch (type) {
                case UINT8 -> (long) u8(where);
                case INT8 -> (long) (byte) u8(where);
                case UINT16 -> {
                    need(2, where);
                    long v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos) & 0xffffL;
                    pos += 2;
                    yield v;
                }
                case INT16 -> {
                    need(2, where);
                    long v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
                    pos += 2;
                    yield v;
                }
                case UINT32 -> u32(where) & 0xffffffffL;
                case INT32 -> (long) u32(where);
                case UINT64, INT64 -> u64(where);
                case FLOAT32 -> Float.intBitsToFloat(u32(where));
                case FLOAT64 -> Double.longBitsToDouble(u64(where));
                case BOOL -> u8(where) != 0;
                case STRING -> string(where);
                case ARRAY -> array(where, depth + 1);
            };
        }

        private GgufArray array(String where, int depth) {
            if (depth > MAX_ARRAY_DEPTH) throw error(where + ": arrays nested deeper than " + MAX_ARRAY_DEPTH);
            GgufValueType type = valueType(u32(where + " (element type)"), where);
            long count = u64(where + " (element count)");
            if (count < 0) throw error(where + ": array declares " + Long.toUnsignedString(count) + " elements");
            if (type.size() > 0) {
                if (count > (size - pos) / type.size()) throw error(where + ": array of " + count + " " + type + " elements runs past the end of the file");
                MemorySegment data = seg.asSlice(pos, count * type.size());
                pos += count * type.size();
                return new GgufArray(name + ": " + where, type, count, data, null);
            }
            long minElement = type == GgufValueType.STRING ? 8 : 12;
            if (count > (size - pos) / minElement) throw error(where + ": array of " + count + " " + type + " elements runs past the end of the file");
            if (count > MAX_STRING_ARRAY) throw error(where + ": array of " + count + " elements is over the limit of " + MAX_STRING_ARRAY);
            List<Object> elements = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                elements.add(type == GgufValueType.STRING ? string(where + "[" + i + "]") : array(where + "[" + i + "]", depth + 1));
            }
            return new GgufArray(name + ": " + where, type, count, null, elements);
        }

        private TensorInfo tensorInfo(long index) {
            String tname = string("tensor info #" + index + " (name)");
            String where = "tensor '" + tname + "'";
            int nDims = u32(where + " (dimension count)");
            if (nDims < 0 || nDims > MAX_DIMS) throw error(where + ": " + Integer.toUnsignedString(nDims) + " dimensions (at most " + MAX_DIMS + ")");
            long[] ne = new long[nDims];
            long numel = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = u64(where + " (dimension " + d + ")");
                if (ne[d] < 0) throw error(where + ": dimension " + d + " = " + Long.toUnsignedString(ne[d]) + " is too large");
                try {
                    numel = Math.multiplyExact(numel, ne[d]);
                } catch (ArithmeticException e) {
                    throw error(where + ": dimensions " + Arrays.toString(Arrays.copyOf(ne, d + 1)) + " have more than 2^63 elements");
                }
            }
            int typeId = u32(where + " (type)");
            GgmlType type = GgmlType.byId(typeId & 0xffffffffL);
            if (type == null) throw error(where + ": unknown tensor type " + Integer.toUnsignedString(typeId));
            long offset = u64(where + " (offset)");
            if (type.blockSize() > 1 && (nDims == 0 || ne[0] % type.blockSize() != 0)) {
                throw error(where + ": " + type + " needs the first dimension to be a multiple of " + type.blockSize() + ", got ne=" + Arrays.toString(ne));
            }
            long byteSize;
            try {
                byteSize = Math.multiplyExact(numel / type.blockSize(), (long) type.blockBytes());
            } catch (ArithmeticException e) {
                throw error(where + ": " + type + Arrays.toString(ne) + " is too large");
            }
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) shape[d] = ne[nDims - 1 - d];
            return new TensorInfo(tname, type, ne, shape, offset, byteSize);
        }

        private void checkData(List<TensorInfo> infos, long dataSize, int alignment) {
            for (TensorInfo t : infos) {
                String where = "tensor '" + t.name() + "'";
                if (t.offset() < 0 || t.offset() % alignment != 0) throw error(where + ": data offset " + Long.toUnsignedString(t.offset()) + " is not a multiple of the alignment " + alignment);
                if (t.byteSize() > dataSize || t.offset() > dataSize - t.byteSize()) {
                    throw error(where + ": " + t.byteSize() + " bytes at data offset " + t.offset() + " run past the end of the data (" + dataSize + " bytes): truncated file?");
                }
            }
            List<TensorInfo> sorted = new ArrayList<>();
            for (TensorInfo t : infos) if (t.byteSize() > 0) sorted.add(t);
            sorted.sort(Comparator.comparingLong(TensorInfo::offset));
            for (int i = 1; i < sorted.size(); i++) {
                TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
                if (b.offset() < a.offset() + a.byteSize()) throw error("tensors '" + a.name() + "' and '" + b.name() + "' overlap in the data");
            }
        }

        private static String printable(byte[] b) {
            StringBuilder sb = new StringBuilder("\"");
            for (byte x : b) sb.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
            return sb.append('"').toString();
        }
    }
}
