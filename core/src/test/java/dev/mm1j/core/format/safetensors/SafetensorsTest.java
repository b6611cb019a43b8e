package dev.mm1j.core.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.json.JsonException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    /** A safetensors image: header length, header, data. */
    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    static SafetensorsFile parse(byte[] bytes) {
        return SafetensorsFile.parse(MemorySegment.ofArray(bytes), "t.safetensors");
    }

    static String fails(String header, int dataBytes) {
        return assertThrows(ModelFormatException.class, () -> parse(raw(header, new byte[dataBytes])), header).getMessage();
    }

    static Map<String, Tensor> sampleTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("f32", Tensor.of(new float[] {1.5f, -2f, 3.25f, 0f, 1e-3f, 7f}, 2, 3));
        Tensor f16 = Tensor.allocateHost(DType.F16, 5);
        Tensor bf16 = Tensor.allocateHost(DType.BF16, 1, 5);
        for (int i = 0; i < 5; i++) {
            dev.mm1j.core.quant.Quant.setFloat(f16.segment(), DType.F16, i, i * 0.5f - 1);
            dev.mm1j.core.quant.Quant.setFloat(bf16.segment(), DType.BF16, i, i * 1.25f);
        }
        m.put("f16", f16);
        m.put("bf16", bf16);
        m.put("ids", Tensor.ofInts(new int[] {7, -1, 3}, 3));
        for (DType t : List.of(DType.I8, DType.U8, DType.I16, DType.I64, DType.F64, DType.BOOL)) {
            Tensor x = Tensor.allocateHost(t, 3);
            for (int i = 0; i < x.byteSize(); i++) x.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (i * 37 + t.ordinal()));
            m.put(t.name().toLowerCase(), x);
        }
        m.put("scalar", Tensor.of(new float[] {42f}));
        m.put("empty", Tensor.allocateHost(DType.F32, 0, 4));
        return m;
    }

    @Test
    void writeThenReadEveryDtype(@TempDir Path dir) throws IOException {
        Map<String, Tensor> in = sampleTensors();
        Path f = dir.resolve("all.safetensors");
        SafetensorsWriter.write(f, in, Map.of("format", "pt", "note", "é"));
        assertTrue(Files.size(f) > 8);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(in.keySet(), Set.copyOf(sf.names()));
            assertEquals(Map.of("format", "pt", "note", "é"), sf.metadata());
            for (Map.Entry<String, Tensor> e : in.entrySet()) {
                Tensor t = sf.tensor(e.getKey());
                assertEquals(e.getValue().dtype(), t.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                assertArrayEquals(e.getValue().data().toArray(ValueLayout.JAVA_BYTE), t.data().toArray(ValueLayout.JAVA_BYTE), e.getKey());
            }
            // every tensor aligned to its element size (data start is 8-aligned, widest first)
            long dataStart = Files.size(f) - sf.dataSize();
            assertEquals(0, dataStart % 8);
            for (String n : sf.names()) {
                SafetensorsFile.Entry en = sf.entry(n);
                assertEquals(0, en.begin() % (en.dtype().bits() / 8), n);
            }
        }
        assertNull(SafetensorsFile.open(f).tensor("nope"));
    }

    @Test
    void writesStridedViews(@TempDir Path dir) throws IOException {
        Tensor base = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor tr = base.transpose(0, 1); // [3, 2] strided
        Path f = dir.resolve("t.safetensors");
        SafetensorsWriter.write(f, Map.of("t", tr, "col", base.select(1, 1)));
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, sf.tensor("t").toFloatArray());
            assertArrayEquals(new float[] {1, 4}, sf.tensor("col").toFloatArray());
        }
    }

    @Test
    void writerRejectsWhatSafetensorsCannotHold(@TempDir Path dir) {
        Tensor q = Tensor.allocateHost(DType.Q8_0, 1, 32);
        assertTrue(assertThrows(Mm1jException.class, () -> SafetensorsWriter.write(dir.resolve("q.safetensors"), Map.of("q", q))).getMessage().contains("Q8_0"));
        assertThrows(Mm1jException.class, () -> SafetensorsWriter.write(dir.resolve("m.safetensors"), Map.of("__metadata__", Tensor.of(new float[] {1}))));
        assertTrue(Files.notExists(dir.resolve("q.safetensors")) && Files.notExists(dir.resolve("q.safetensors.tmp")));
    }

    @Test
    void readsWhatPythonWrites() throws IOException {
        // written by tools/formats/make_fixtures.py through tools/mm1ref/safetensors_io.py (sorted names, space padding)
        Path f = Path.of("src/test/resources/formats/python_written.safetensors");
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt", "writer", "tools/mm1ref/safetensors_io.py"), sf.metadata());
            float[] expect = new float[24];
            for (int i = 0; i < 24; i++) expect[i] = i * 0.25f - 3;
            assertArrayEquals(expect, sf.tensor("a.f32").toFloatArray());
            assertArrayEquals(new long[] {2, 3, 4}, sf.tensor("a.f32").shape());
            assertArrayEquals(expect, sf.tensor("b.bf16").toFloatArray(), "multiples of 0.25 below 8 are exact in BF16");
            assertArrayEquals(expect, sf.tensor("c.f16").toFloatArray());
            assertArrayEquals(new int[] {0, -1, 2, -3, 4, -5}, sf.tensor("d.i32").toIntArray());
            assertEquals(DType.I64, sf.tensor("e.i64").dtype());
            assertEquals(-5L, sf.tensor("e.i64").data().get(ValueLayout.JAVA_LONG_UNALIGNED, 5 * 8));
            assertEquals(DType.BOOL, sf.tensor("f.bool").dtype());
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0}, sf.tensor("f.bool").toFloatArray());
            assertArrayEquals(new float[] {0.5f, -1.5f}, sf.tensor("g.f64").toFloatArray());
        }
    }

    @Test
    void unsupportedDtypesAreListedAndNamedOnAccess() {
        SafetensorsFile sf = parse(raw("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
        assertEquals(Set.of("a", "b"), Set.copyOf(sf.names()));
        assertEquals("F8_E4M3", sf.entry("a").dtype().name());
        String msg = assertThrows(ModelFormatException.class, () -> sf.tensor("a")).getMessage();
        assertTrue(msg.contains("tensor 'a' has dtype F8_E4M3, which mm1j does not support"), msg);
        assertThrows(ModelFormatException.class, () -> sf.tensor("b"));
    }

    @Test
    void hostileHeaders() {
        String ok = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        assertEquals(Set.of("x"), parse(raw(ok, new byte[16])).names());

        assertTrue(assertThrows(ModelFormatException.class, () -> parse(new byte[5])).getMessage().contains("truncated: 5 bytes"));
        byte[] longHeader = raw(ok, new byte[16]);
        ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(longHeader)).getMessage().contains("header length 1099511627776 runs past the end"));
        ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(longHeader)).getMessage().contains("header length 18446744073709551615 runs past the end"));

        assertTrue(fails("[1, 2]", 0).contains("does not start with '{'"));
        assertTrue(fails("{\"x\": 1", 0).contains("t.safetensors header: unexpected end of input"));
        assertTrue(fails(ok.replace("F32", "F33"), 16).contains("tensor 'x': unknown dtype 'F33'"));
        assertTrue(fails(ok.replace("[2,2]", "[2,-2]"), 16).contains("not a non-negative integer"));
        assertTrue(fails(ok.replace("[2,2]", "[2,2.5]"), 16).contains("not a non-negative integer"));
        assertTrue(fails(ok.replace("[2,2]", "[4294967296,4294967296]"), 16).contains("more than 2^63 elements"));
        assertTrue(fails(ok.replace("[2,2]", "[18446744073709551616]"), 16).contains("not a non-negative integer"));
        assertTrue(fails(ok.replace("[2,2]", "[1099511627776]"), 16).contains("needs 4398046511104"), "a 2^40 shape is rejected before anything is allocated");
        assertTrue(fails(ok, 15).contains("run past the end of the data (15 bytes)"));
        assertTrue(fails(ok.replace("[0,16]", "[16,0]"), 16).contains("not an ordered pair"));
        assertTrue(fails(ok.replace("[0,16]", "[-8,8]"), 16).contains("not an ordered pair"));
        assertTrue(fails(ok.replace("[0,16]", "[0,12]"), 16).contains("hold 12 bytes but F32[2, 2] needs 16"));
        assertTrue(fails(ok.replace("[0,16]", "[0]"), 16).contains("\"data_offsets\" must be two integers"));
        assertTrue(fails(ok.replace("\"shape\":[2,2],", ""), 16).contains("missing or non-array \"shape\""));
        assertTrue(fails("{\"x\":[]}", 0).contains("expected an object"));
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(fails(two, 12).contains("tensors 'a' [0, 8) and 'b' [4, 12) overlap"));
        String dup = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertTrue(assertThrows(JsonException.class, () -> parse(raw(dup, new byte[8]))).getMessage().contains("duplicate key \"a\""));
        assertTrue(fails("{\"__metadata__\":{\"a\":1}}", 0).contains("__metadata__.a must be a string"));
        byte[] badUtf8 = raw("{\"\u00e9\":1}", new byte[0]);
        badUtf8[10] = (byte) 0xFF;
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(badUtf8)).getMessage().contains("invalid UTF-8"));
    }

    @Test
    void shardedCheckpointThroughTheIndex(@TempDir Path dir) throws IOException {
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", Tensor.of(new float[] {1, 2}), "b", Tensor.of(new float[] {3})));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("c", Tensor.of(new float[] {4, 5, 6})));
        Files.writeString(dir.resolve(SafetensorsWeights.INDEX_FILE), """
            {"metadata": {"total_size": 24}, "weight_map": {"a": "model-00001-of-00002.safetensors",
             "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}""");
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            assertEquals(Set.of("a", "b", "c"), w.names());
            assertArrayEquals(new float[] {4, 5, 6}, w.tensor("c").toFloatArray());
            assertArrayEquals(new float[] {1, 2}, w.tensor("a").toFloatArray());
            assertEquals(2, w.files().size());
        }
        // a tensor listed in the wrong shard
        Files.writeString(dir.resolve(SafetensorsWeights.INDEX_FILE), "{\"weight_map\": {\"c\": \"model-00001-of-00002.safetensors\"}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> SafetensorsWeights.open(dir)).getMessage().contains("lists tensor 'c' in model-00001-of-00002.safetensors, which does not hold it"));
        // a shard outside the folder
        Files.writeString(dir.resolve(SafetensorsWeights.INDEX_FILE), "{\"weight_map\": {\"c\": \"../model.safetensors\"}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> SafetensorsWeights.open(dir)).getMessage().contains("must be a file name in the index's folder"));
        // a missing shard
        Files.writeString(dir.resolve(SafetensorsWeights.INDEX_FILE), "{\"weight_map\": {\"c\": \"model-00003.safetensors\"}}");
        assertTrue(assertThrows(Mm1jException.class, () -> SafetensorsWeights.open(dir)).getMessage().contains("model-00003.safetensors: no such file"));
        // without an index, every .safetensors file; a name in two files is an error
        Files.delete(dir.resolve(SafetensorsWeights.INDEX_FILE));
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            assertEquals(Set.of("a", "b", "c"), w.names());
        }
        SafetensorsWriter.write(dir.resolve("extra.safetensors"), Map.of("a", Tensor.of(new float[] {9})));
        assertTrue(assertThrows(ModelFormatException.class, () -> SafetensorsWeights.open(dir)).getMessage().contains("tensor 'a' is in both"));
    }

    @Test
    void filesAndTensorsOver2GB(@TempDir Path dir) throws IOException {
        long pad = (1L << 31) + 16; // a U8 tensor of more than 2^31 bytes, then an F32 tensor behind it
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + pad + "],\"data_offsets\":[0," + pad + "]},"
            + "\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + pad + "," + (pad + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            long dataStart = 8 + h.length;
            raf.setLength(dataStart + pad + 16); // sparse: takes no disk space
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            raf.write(b.array());
            raf.write(h);
            raf.seek(dataStart + pad - 1);
            raf.write(0x7F);
            ByteBuffer x = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : new float[] {1, 2, 3, 4}) x.putFloat(v);
            raf.write(x.array());
        }
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, sf.tensor("x").toFloatArray());
            Tensor p = sf.tensor("pad");
            assertEquals(pad, p.numel());
            assertEquals(0x7F, p.data().get(ValueLayout.JAVA_BYTE, pad - 1));
        }
    }
}
