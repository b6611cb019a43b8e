package dev.mm1j.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.format.ModelFormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    private static String fails(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), () -> "accepted: " + text);
        return e.getMessage();
    }

    @Test
    void writeSafeNeverThrowsAndAlwaysParses() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cut", "abc\uD83D"); // a message cut inside a surrogate pair
        m.put("lone", "\uDC00x\uD800");
        m.put("nan", Double.NaN);
        m.put("inf", Float.NEGATIVE_INFINITY);
        m.put("object", new Object() {
            @Override
            public String toString() {
                return "obj\uD800";
            }
        });
        m.put("array", new Object[] {null, 1, "x"});
        Object deep = "end";
        for (int i = 0; i < Json.DEFAULT_MAX_DEPTH + 10; i++) deep = List.of(deep);
        m.put("deep", deep);
        String text = Json.writeSafe(m);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(text, Json.DEFAULT_MAX_DEPTH + 20, "JSON");
        assertEquals("abc\uFFFD", back.get("cut"));
        assertEquals("\uFFFDx\uFFFD", back.get("lone"));
        assertNull(back.get("nan"));
        assertNull(back.get("inf"));
        assertEquals("obj\uFFFD", back.get("object"));
        assertEquals(java.util.Arrays.asList(null, 1L, "x"), back.get("array"));
        assertThrows(JsonException.class, () -> Json.write(Map.of("cut", "abc\uD83D")), "the strict writer still refuses");
        assertEquals(Json.write(Map.of("a", List.of(1, "\uD83D\uDE00"))), Json.writeSafe(Map.of("a", List.of(1, "\uD83D\uDE00"))));
    }

    @Test
    void literalsAndStructure() {
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse(" false "));
        assertNull(Json.parse("\n\tnull\r\n"));
        assertEquals(List.of(), Json.parse("[]"));
        assertEquals(Map.of(), Json.parse("{ }"));
        Object v = Json.parse("{\"a\": [1, {\"b\": null}, \"x\"], \"c\": {}}");
        assertEquals("{\"a\":[1,{\"b\":null},\"x\"],\"c\":{}}", Json.write(v));
        // object order is kept
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(((Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}")).keySet().stream().map(Object::toString).toList()));
    }

    @Test
    void integers() {
        assertEquals(0L, Json.parse("0"));
        assertEquals(0L, Json.parse("-0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(new BigInteger("9223372036854775808"), Json.parse("9223372036854775808"));
        assertEquals(new BigInteger("-9223372036854775809"), Json.parse("-9223372036854775809"));
        assertEquals(new BigInteger("123456789012345678901234567890"), Json.parse("123456789012345678901234567890"));
        assertEquals(999999999999999999L, Json.parse("999999999999999999"));
    }

    @Test
    void decimals() {
        assertEquals(1.5, Json.parse("1.5"));
        assertEquals(-0.0, (Double) Json.parse("-0.0"));
        assertTrue(1 / (Double) Json.parse("-0.0") < 0, "negative zero keeps its sign");
        assertEquals(1e-5, Json.parse("1e-5"));
        assertEquals(100.0, Json.parse("1E+2"));
        assertEquals(0.1, Json.parse("0.1"));
        assertEquals(1.7976931348623157e308, Json.parse("1.7976931348623157e308"));
        assertEquals(4.9e-324, Json.parse("4.9e-324"));
        assertEquals(0.0, Json.parse("1e-400"), "underflow rounds to zero like every parser");
        assertTrue(fails("1e400").contains("out of the range of a double"));
        assertTrue(fails("-1e309").contains("out of the range"));
        // a long mantissa still parses exactly (correctly rounded)
        assertEquals(0.1, Json.parse("0.1000000000000000000000000000000000000000000000001"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.e5", "--1", "1 2", "0.5.5", "- 1"})
    void invalidNumbers(String text) {
        fails(text);
    }

    @Test
    void numberLengthLimit() {
        String ok = "1".repeat(Json.MAX_NUMBER_CHARS);
        assertInstanceOf(BigInteger.class, Json.parse(ok));
        assertTrue(fails("1".repeat(Json.MAX_NUMBER_CHARS + 1)).contains("longer than the limit"));
        assertTrue(fails("0." + "1".repeat(5000)).contains("longer than the limit"));
    }

    @Test
    void stringEscapes() {
        assertEquals("\"\\/\b\f\n\r\t", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""));
        assertEquals("é", Json.parse("\"\\u00e9\""));
        assertEquals("é", Json.parse("\"\\u00E9\""));
        assertEquals("\u0000", Json.parse("\"\\u0000\""));
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("a😀b", Json.parse("\"a\\uD83D\\uDE00b\""));
        assertEquals("😀", Json.parse("\"😀\""), "raw supplementary characters");
        assertEquals("\u2028\u2029\u007f", Json.parse("\"\u2028\u2029\u007f\""), "these need no escape");
    }

    @Test
    void invalidStrings() {
        assertTrue(fails("\"\\ud83d\"").contains("high surrogate"));
        assertTrue(fails("\"\\ud83dx\"").contains("high surrogate"));
        assertTrue(fails("\"\\ud83d\\u0041\"").contains("not a low surrogate"));
        assertTrue(fails("\"\\ude00\"").contains("low surrogate"));
        assertTrue(fails("\"\\u00g0\"").contains("invalid hex digit"));
        assertTrue(fails("\"\\u\u0661\u0661\u0661\u0661\"").contains("invalid hex digit"), "only ASCII hex digits");
        assertTrue(fails("\"\\u12\"").contains("\\u"));
        assertTrue(fails("\"a\nb\"").contains("control character U+000A"));
        assertTrue(fails("\"\t\"").contains("control character"));
        assertTrue(fails("\"\\x41\"").contains("invalid escape \\x"));
        assertTrue(fails("\"abc").contains("unterminated string"));
        assertTrue(fails("\"\\").contains("end of input"));
        assertTrue(fails("\"\uD800\"").contains("unpaired surrogate"), "a Java string with a lone surrogate");
    }

    @Test
    void invalidStructure() {
        assertTrue(fails("").contains("unexpected end of input"));
        assertTrue(fails("[1,]").contains("unexpected character ']'"));
        assertTrue(fails("{\"a\":1,}").contains("expected a string key"));
        assertTrue(fails("{\"a\" 1}").contains("expected ':'"));
        assertTrue(fails("{a:1}").contains("expected a string key"));
        assertTrue(fails("[1 2]").contains("expected ',' or ']'"));
        assertTrue(fails("{\"a\":1 \"b\":2}").contains("expected ',' or '}'"));
        assertTrue(fails("[1] x").contains("unexpected text after the value"));
        assertTrue(fails("tru").contains("invalid literal"));
        assertTrue(fails("nul").contains("invalid literal"));
        assertTrue(fails("[").contains("end of input"));
        assertTrue(fails("{\"a\":").contains("end of input"));
        assertTrue(fails("'a'").contains("unexpected character"));
        assertTrue(fails("[1]\u0000").contains("unexpected text"));
    }

    @Test
    void duplicateKeysAreRejectedWithPosition() {
        String msg = fails("{\n  \"a\": 1,\n  \"a\": 2\n}");
        assertTrue(msg.contains("duplicate key \"a\""), msg);
        assertTrue(msg.contains("line 3, column 3"), msg);
    }

    @Test
    void errorsCarryLineAndColumn() {
        String msg = assertThrows(JsonException.class, () -> Json.parse("{\n  \"x\": [1,\n   2,, 3]}", 64, "config.json")).getMessage();
        assertEquals("config.json: unexpected character ',' at line 3, column 6", msg);
    }

    @Test
    void depthLimit() {
        String ok = "[".repeat(Json.DEFAULT_MAX_DEPTH) + "]".repeat(Json.DEFAULT_MAX_DEPTH);
        assertInstanceOf(List.class, Json.parse(ok));
        String deep = "[".repeat(Json.DEFAULT_MAX_DEPTH + 1) + "]".repeat(Json.DEFAULT_MAX_DEPTH + 1);
        assertTrue(fails(deep).contains("nesting deeper than " + Json.DEFAULT_MAX_DEPTH));
        // hostile: a million open brackets fail cleanly, no StackOverflowError
        assertTrue(fails("{\"a\":".repeat(1_000_000)).contains("nesting deeper"));
        assertThrows(JsonException.class, () -> Json.parse("[[[1]]]", 2, "x"));
    }

    @Test
    void utf8Input() {
        assertEquals("é😀", Json.parse("\"é😀\"".getBytes(StandardCharsets.UTF_8), "t"));
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '[', '1', ']'};
        assertEquals(List.of(1L), Json.parse(bom, "bom"), "a leading byte order mark is skipped");
        for (byte[] bad : List.of(new byte[] {'"', (byte) 0xC3, 0x28, '"'}, // bad continuation
            new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}, // overlong
            new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // UTF-8-encoded surrogate
            new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, // above U+10FFFF
            new byte[] {'"', (byte) 0xE2, (byte) 0x82}, // truncated sequence
            new byte[] {(byte) 0xFF})) {
            String msg = assertThrows(JsonException.class, () -> Json.parse(bad, "tok.json")).getMessage();
            assertTrue(msg.startsWith("tok.json: invalid UTF-8"), msg);
        }
    }

    @Test
    void sizeLimit(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("big.json");
        Files.writeString(f, "[" + "1,".repeat(1000) + "1]");
        assertEquals(1001, ((List<?>) Json.parse(f)).size());
        String msg = assertThrows(JsonException.class, () -> Json.parse(f, 100)).getMessage();
        assertTrue(msg.contains("over the limit of 100"), msg);
        assertInstanceOf(ModelFormatException.class, new JsonException("x"), "one exception type for every bad file");
    }

    @Test
    void writerEscapesAndNumbers() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\\t\"", Json.write("a\"b\\c\n\u0001\t"));
        assertEquals("\"é😀/\"", Json.write("é😀/"));
        assertEquals("[1.5,1.0,-0.0,1.0E-5,0.1,1.0E20]", Json.write(List.of(1.5, 1.0, -0.0, 1e-5, 0.1, 1e20)));
        assertEquals("[0.1,1.0E-7]", Json.write(new float[] {0.1f, 1e-7f}), "floats are written at float precision");
        assertEquals("[1,2]", Json.write(new int[] {1, 2}));
        assertEquals("[3,-4]", Json.write(new long[] {3, -4}));
        assertThrows(JsonException.class, () -> Json.write(Double.NaN));
        assertThrows(JsonException.class, () -> Json.write(Float.POSITIVE_INFINITY));
        assertThrows(JsonException.class, () -> Json.write("\uD800x"), "unpaired surrogates have no UTF-8 form");
        assertThrows(JsonException.class, () -> Json.write(new Object()));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(JsonException.class, () -> Json.write(cycle));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", List.of(1, 2));
        m.put("b", Map.of());
        assertEquals("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}", Json.writePretty(m));
    }

    @Test
    void randomRoundTrips() {
        Random r = new Random(42);
        for (int i = 0; i < 500; i++) {
            Object v = randomValue(r, 0);
            String text = i % 2 == 0 ? Json.write(v) : Json.writePretty(v);
            assertEquals(v, Json.parse(text), text);
            assertEquals(v, Json.parse(text.getBytes(StandardCharsets.UTF_8), "rt"));
        }
    }

    private static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 4 ? 6 : 8);
        switch (kind) {
            case 0: return null;
            case 1: return r.nextBoolean();
            case 2: return r.nextLong() >> r.nextInt(64);
            case 3: {
                double d = r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
                return d;
            }
            case 4: case 5: {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(12);
                for (int i = 0; i < n; i++) {
                    int cp = switch (r.nextInt(5)) {
                        case 0 -> r.nextInt(0x20);
                        case 1 -> 0x20 + r.nextInt(0x60);
                        case 2 -> 0xA0 + r.nextInt(0xD800 - 0xA0);
                        case 3 -> 0xE000 + r.nextInt(0x2000);
                        default -> 0x10000 + r.nextInt(0x100000);
                    };
                    sb.appendCodePoint(cp);
                }
                return sb.toString();
            }
            case 6: {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) l.add(randomValue(r, depth + 1));
                return l;
            }
            default: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = r.nextInt(5); i > 0; i--) m.put("k" + r.nextInt(1000) + (char) ('a' + i), randomValue(r, depth + 1));
                return m;
            }
        }
    }
}
