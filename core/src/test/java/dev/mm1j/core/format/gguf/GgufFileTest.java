package dev.mm1j.core.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.format.safetensors.SafetensorsFile;
import dev.mm1j.core.quant.ErrorBudget;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GGUF parsing and dequantization against files and values from tools/formats (numpy reference). */
class GgufFileTest {
    static final Path DIR = Path.of("src/test/resources/formats/gguf");
    static final Set<String> UNREADABLE = Set.of("t.q2_k", "t.iq2_xxs");

    @ParameterizedTest
    @ValueSource(strings = {"types_v3.gguf", "types_v2.gguf"})
    void everyTensorTypeMatchesTheNumpyReferenceBitForBit(String file) {
        try (GgufFile f = GgufFile.open(DIR.resolve(file)); SafetensorsFile expected = SafetensorsFile.open(DIR.resolve("types.expected.safetensors"))) {
            assertEquals(file.contains("v3") ? 3 : 2, f.version());
            assertEquals(file.contains("v3") ? 64 : 32, f.alignment());
            assertEquals(19, f.tensors().size());
            for (String name : expected.names()) {
                GgufFile.TensorInfo info = f.tensorInfo(name);
                try (Tensor t = f.load(name, DType.F32)) {
                    assertArrayEquals(expected.tensor(name).shape(), t.shape(), name);
                    assertArrayEquals(expected.tensor(name).toFloatArray(), t.toFloatArray(), name + " (" + info.type() + ")");
                }
                if (info.type().dtype() != null) {
                    Tensor view = f.tensor(name);
                    assertEquals(info.type().dtype(), view.dtype());
                    assertArrayEquals(expected.tensor(name).toFloatArray(), view.toFloatArray(), name);
                } else {
                    assertTrue(assertThrows(ModelFormatException.class, () -> f.tensor(name)).getMessage().contains("needs dequantizing"));
                }
            }
            for (String name : UNREADABLE) {
                String msg = assertThrows(ModelFormatException.class, () -> f.load(name, DType.F32)).getMessage();
                assertTrue(msg.contains("has type " + f.tensorInfo(name).type() + ", which mm1j cannot read"), msg);
            }
        }
    }

    @Test
    void kQuantsRequantizeToQ8_0WithinItsBudget() {
        try (GgufFile f = GgufFile.open(DIR.resolve("types_v3.gguf")); SafetensorsFile expected = SafetensorsFile.open(DIR.resolve("types.expected.safetensors"))) {
            for (String name : List.of("t.q4_k", "t.q5_k", "t.q6_k", "t.q8_k", "t.q4_1", "t.q5_0", "t.q5_1", "t.f16", "t.bf16")) {
                if (f.tensorInfo(name).ne()[0] % 32 != 0) continue;
                try (Tensor q = f.load(name, DType.Q8_0)) {
                    assertEquals(DType.Q8_0, q.dtype());
                    double e = ErrorBudget.nmse(q.toFloatArray(), expected.tensor(name).toFloatArray());
                    assertTrue(e < ErrorBudget.Q8_0_ROUNDTRIP_NMSE, name + ": nmse " + e);
                }
            }
        }
    }

    @Test
    void metadataOfEveryValueType() {
        try (GgufFile f = GgufFile.open(DIR.resolve("types_v3.gguf"))) {
            assertEquals(200L, f.metadata().get("test.u8"));
            assertEquals(-100L, f.metadata().get("test.i8"));
            assertEquals(60000L, f.metadata().get("test.u16"));
            assertEquals(-30000L, f.metadata().get("test.i16"));
            assertEquals(4000000000L, f.metadata().get("test.u32"));
            assertEquals(-2000000000L, f.metadata().get("test.i32"));
            assertEquals(0.5f, f.metadata().get("test.f32"));
            assertEquals(Boolean.TRUE, f.bool("test.bool"));
            assertEquals("héllo ✓", f.string("test.string"));
            assertEquals(1L << 40, f.integer("test.u64", 0));
            assertEquals(-(1L << 40), f.integer("test.i64", 0));
            assertEquals(-2.25, f.number("test.f64", 0));
            assertEquals(GgufValueType.UINT32, f.type("test.u32"));
            assertArrayEquals(new int[] {1, 2, 255}, f.array("test.arr.u8").ints());
            assertArrayEquals(new int[] {-1, 2}, f.array("test.arr.i16").ints());
            assertArrayEquals(new long[] {7, 4000000000L}, f.array("test.arr.u32").longs());
            assertArrayEquals(new float[] {0.25f, -1.5f}, f.array("test.arr.f32").floats());
            assertArrayEquals(new long[] {1, 0}, f.array("test.arr.bool").longs());
            assertArrayEquals(new long[] {-5, 1L << 50}, f.array("test.arr.i64").longs());
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY}, f.array("test.arr.f64").floats(), "1e100 does not fit a float");
            assertEquals(List.of("a", "", "ü"), f.array("test.arr.string").strings());
            List<GgufArray> nested = f.array("test.arr.nested").arrays();
            assertArrayEquals(new int[] {1, 2}, nested.get(0).ints());
            assertEquals(0, nested.get(1).size());
            assertEquals(List.of("x"), nested.get(2).strings());
            assertEquals(0, f.array("test.arr.empty").floats().length);
            assertThrows(ModelFormatException.class, () -> f.array("test.arr.string").floats());
            assertThrows(ModelFormatException.class, () -> f.array("test.arr.u32").ints(), "4e9 does not fit an int");
            assertThrows(ModelFormatException.class, () -> f.string("test.u8"));
            assertNull(f.string("missing"));
            assertArrayEquals(new long[] {4, 3, 2}, f.tensorInfo("t.f32").ne());
            assertArrayEquals(new long[] {2, 3, 4}, f.tensorInfo("t.f32").shape());
        }
    }

    // ------------------------------------------------------------------ hostile files

    static GgufFile parse(byte[] b) {
        return GgufFile.parse(MemorySegment.ofArray(b), "bad.gguf");
    }

    static void fails(byte[] b, String expect) {
        String msg = assertThrows(ModelFormatException.class, () -> parse(b)).getMessage();
        assertTrue(msg.startsWith("bad.gguf: ") && msg.contains(expect), msg);
    }

    /** A valid file with one F32 [2, 3] tensor; {@code ne}, {@code type} and {@code offset} can be varied. */
    static byte[] oneTensor(long[] ne, int type, long offset, int dataBytes) {
        GgufBytes b = new GgufBytes().header(3, 1, 1).kvString("general.architecture", "test").tensor("w", ne, type, offset).align(32);
        return b.raw(new byte[dataBytes]).bytes();
    }

    @Test
    void wellFormedHandWrittenFile() {
        GgufFile f = parse(oneTensor(new long[] {3, 2}, 0, 0, 24));
        assertArrayEquals(new long[] {2, 3}, f.tensor("w").shape());
    }

    @Test
    void rejectsBadHeaders() {
        fails(new byte[] {'G', 'G'}, "truncated");
        fails("GGML0000000000000000000000".getBytes(), "not a GGUF file (magic \"GGML\"");
        fails("lmgg00000000000000000000".getBytes(), "pre-GGUF GGML file");
        fails(new GgufBytes().header(1, 0, 0).bytes(), "GGUF version 1 is not supported");
        fails(new GgufBytes().header(0x03000000, 0, 0).bytes(), "big-endian GGUF files are not supported");
        fails(new GgufBytes().header(7, 0, 0).bytes(), "unsupported GGUF version 7");
        fails(new GgufBytes().raw("GGUF".getBytes()).u32(3).u64(0).bytes(), "truncated or corrupt: the metadata count");
        fails(new GgufBytes().header(3, 0, 1L << 40).bytes(), "declares 1099511627776 metadata entries, more than the file can hold");
        fails(new GgufBytes().header(3, -1, 0).bytes(), "declares 18446744073709551615 tensors");
    }

    @Test
    void rejectsBadMetadata() {
        fails(new GgufBytes().header(3, 0, 1).u64(1L << 40).raw(new byte[20]).bytes(), "metadata key #0 needs 1099511627776 bytes");
        fails(new GgufBytes().header(3, 0, 1).u64(-1).raw(new byte[20]).bytes(), "needs 18446744073709551615 bytes");
        fails(new GgufBytes().header(3, 0, 1).str("k").u32(13).raw(new byte[8]).bytes(), "metadata k: unknown value type 13");
        fails(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(4).u64(3_000_000_000L).raw(new byte[16]).bytes(),
            "metadata k: array of 3000000000 UINT32 elements runs past the end of the file");
        fails(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(8).u64(1L << 33).raw(new byte[16]).bytes(), "array of 8589934592 STRING elements runs past the end");
        fails(new GgufBytes().header(3, 0, 2).kvU32("a", 1).kvU32("a", 2).bytes(), "duplicate metadata key a");
        fails(new GgufBytes().header(3, 0, 1).u64(2).raw(new byte[] {(byte) 0xC3, 0x28}).u32(4).u32(1).bytes(), "invalid UTF-8");
        fails(new GgufBytes().header(3, 0, 1).kvString("general.alignment", "x").bytes(), "general.alignment must be a UINT32");
        fails(new GgufBytes().header(3, 0, 1).kvU32("general.alignment", 24).bytes(), "general.alignment 24 is not a power of two");
        fails(new GgufBytes().header(3, 0, 1).kvU32("general.alignment", 0).bytes(), "is not a power of two");
        GgufBytes deep = new GgufBytes().header(3, 0, 1).str("k").u32(9);
        for (int i = 0; i < 20; i++) deep.u32(9).u64(1);
        fails(deep.u32(4).u64(0).raw(new byte[64]).bytes(), "nested deeper than");
        fails(new GgufBytes().header(3, 0, 1).str("k").u32(4).u8(1).bytes(), "truncated or corrupt");
    }

    @Test
    void rejectsBadTensorInfos() {
        fails(oneTensor(new long[] {3, 2}, 0, 0, 20), "tensor 'w': 24 bytes at data offset 0 run past the end of the data (20 bytes)");
        fails(oneTensor(new long[] {3, 2}, 0, 8, 64), "data offset 8 is not a multiple of the alignment 32");
        fails(oneTensor(new long[] {3, 2}, 0, 1L << 62, 64), "run past the end of the data");
        fails(oneTensor(new long[] {3, 2}, 0, -32, 64), "data offset 18446744073709551584 is not a multiple");
        fails(oneTensor(new long[] {3, 2}, 77, 0, 24), "tensor 'w': unknown tensor type 77");
        fails(oneTensor(new long[] {3, 2, 1, 1, 1}, 0, 0, 24), "tensor 'w': 5 dimensions (at most 4)");
        fails(oneTensor(new long[] {-1, 2}, 0, 0, 24), "dimension 0 = 18446744073709551615 is too large");
        fails(oneTensor(new long[] {1L << 32, 1L << 32}, 0, 0, 24), "more than 2^63 elements");
        fails(oneTensor(new long[] {1L << 40}, 0, 0, 24), "4398046511104 bytes at data offset 0 run past the end");
        fails(oneTensor(new long[] {48, 2}, 8, 0, 200), "Q8_0 needs the first dimension to be a multiple of 32");
        fails(oneTensor(new long[] {1L << 61, 4}, 8, 0, 24), "more than 2^63 elements");
        fails(oneTensor(new long[] {9_000_000_000_000_000_000L}, 8, 0, 24), "Q8_0[9000000000000000000] is too large");
        GgufBytes two = new GgufBytes().header(3, 2, 0).tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {16}, 0, 32).align(32).raw(new byte[96]);
        fails(two.bytes(), "tensors 'a' and 'b' overlap in the data");
        GgufBytes dup = new GgufBytes().header(3, 2, 0).tensor("a", new long[] {8}, 0, 0).tensor("a", new long[] {8}, 0, 32).align(32).raw(new byte[64]);
        fails(dup.bytes(), "duplicate tensor name 'a'");
        byte[] truncated = new GgufBytes().header(3, 1, 0).tensor("a", new long[] {8}, 0, 0).bytes();
        byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
        fails(cut, "truncated or corrupt: tensor 'a' (offset)");
    }

    @Test
    void shapesThatCannotBeConvertedAreNamed() {
        GgufFile huge = parse(oneTensor(new long[] {1L << 31, 0}, 1, 0, 0)); // an empty F16 tensor with very long rows
        assertTrue(assertThrows(ModelFormatException.class, () -> huge.load("w", DType.F32)).getMessage().contains("too long to convert"));
        GgufFile odd = parse(oneTensor(new long[] {48, 1}, 0, 0, 192));
        assertTrue(assertThrows(ModelFormatException.class, () -> odd.load("w", DType.Q8_0)).getMessage().contains("do not split into Q8_0 blocks of 32"));
        byte[] scalarQ = new GgufBytes().header(3, 1, 3).kvString("general.architecture", "llama").kvU32("llama.attention.head_count", 2)
            .kvU32("llama.attention.head_count_kv", 2).tensor("blk.0.attn_q.weight", new long[0], 0, 0).align(32).raw(new byte[4]).bytes();
        try (GgufWeights w = new GgufWeights(parse(scalarQ), null, false)) {
            assertTrue(assertThrows(ModelFormatException.class, () -> w.tensor("model.layers.0.self_attn.q_proj.weight")).getMessage().contains("is a scalar"));
        }
    }
}
