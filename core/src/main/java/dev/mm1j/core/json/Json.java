package dev.mm1j.core.json;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small RFC 8259 JSON reader and writer. Values map to Java as: object → {@code LinkedHashMap<String,
 * Object>} (insertion order kept, duplicate keys rejected), array → {@code ArrayList<Object>}, string →
 * {@code String}, integer → {@code Long} (or {@code BigInteger} when it does not fit), other numbers →
 * {@code Double}, true/false → {@code Boolean}, null → {@code null}.
 *
 * <p>Errors are {@link JsonException}s with line and column. Nesting is limited ({@link #DEFAULT_MAX_DEPTH})
 * and so is the input size when reading files, so hostile input cannot exhaust the stack or the heap.
 */
public final class Json {
    public static final int DEFAULT_MAX_DEPTH = 512;
    public static final long DEFAULT_MAX_BYTES = 512L << 20;

    private final String s;
    private final int maxDepth;
    private final String source;
    private int pos;

    private Json(String s, int maxDepth, String source) {
        this.s = s;
        this.maxDepth = maxDepth;
        this.source = source;
    }

    /** Parses one JSON value (surrounding whitespace allowed). */
    public static Object parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH, "JSON");
    }

    /** Parses with a nesting limit; {@code source} names the input in error messages (e.g. a file name). */
    public static Object parse(String text, int maxDepth, String source) {
        Json p = new Json(text, maxDepth, source);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected text after the value");
        return v;
    }

    /** Parses UTF-8 bytes (invalid UTF-8 is an error). */
    public static Object parse(byte[] utf8, String source) {
        return parse(decodeUtf8(utf8, source), DEFAULT_MAX_DEPTH, source);
    }

    /** Reads and parses a file of at most {@code maxBytes} bytes. */
    public static Object parse(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) throw new JsonException(file + ": " + size + " bytes is over the limit of " + maxBytes + " for a JSON file");
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Reads and parses a file of at most {@link #DEFAULT_MAX_BYTES}. */
    public static Object parse(Path file) throws IOException {
        return parse(file, DEFAULT_MAX_BYTES);
    }

    /** Strict UTF-8 decoding. */
    public static String decodeUtf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException(source + ": invalid UTF-8");
        }
    }

    // ------------------------------------------------------------------ reader

    private Object value(int depth) {
        if (pos >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character " + describe(c));
            }
        };
    }

    private Map<String, Object> object(int depth) {
        if (depth > maxDepth) throw error("nesting deeper than " + maxDepth);
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') throw error("expected a string key");
            int keyPos = pos;
            String key = string();
            skipWs();
            expect(':');
            skipWs();
            Object v = value(depth);
            if (m.containsKey(key)) {
                pos = keyPos;
                throw error("duplicate key \"" + key + "\"");
            }
            m.put(key, v);
            skipWs();
            char c = next("',' or '}'");
            if (c == '}') return m;
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' but found " + describe(c));
            }
        }
    }

    private List<Object> array(int depth) {
        if (depth > maxDepth) throw error("nesting deeper than " + maxDepth);
        pos++; // [
        List<Object> a = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return a;
        }
        while (true) {
            skipWs();
            a.add(value(depth));
            skipWs();
            char c = next("',' or ']'");
            if (c == ']') return a;
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' but found " + describe(c));
            }
        }
    }

    private String string() {
        pos++; // "
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == '"') {
                String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
                pos++;
                return out;
            }
            if (c < 0x20) throw error("control character " + describe(c) + " in a string (escape it)");
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) sb = new StringBuilder();
            sb.append(s, start, pos);
            pos++;
            char e = next("an escape");
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(hex4());
                default -> {
                    pos--;
                    throw error("invalid escape \\" + e);
                }
            }
            start = pos;
        }
    }

    private char hex4() {
        if (pos + 4 > s.length()) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) throw error("invalid \\u escape");
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v; // lone surrogates are kept as they are, like most parsers
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') pos++;
        } else {
            throw error("invalid number");
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("invalid number: digits expected after '.'");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("invalid number: digits expected in the exponent");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        String t = s.substring(start, pos);
        if (integer) {
            if (t.length() <= 18) return Long.parseLong(t);
            BigInteger b = new BigInteger(t);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (t.length() > 400) return new BigDecimal(t).doubleValue(); // avoid pathological inputs
        return Double.parseDouble(t);
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("invalid literal");
        pos += word.length();
        return v;
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char next(String what) {
        if (pos >= s.length()) throw error("unexpected end of input, expected " + what);
        return s.charAt(pos++);
    }

    private void expect(char c) {
        char got = next("'" + c + "'");
        if (got != c) {
            pos--;
            throw error("expected '" + c + "' but found " + describe(got));
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private JsonException error(String why) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new JsonException(source + ": " + why + " at line " + line + ", column " + col);
    }

    // ------------------------------------------------------------------ writer

    /** Compact JSON text of a value built from maps, lists, strings, numbers, booleans and null. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, -1, 0);
        return sb.toString();
    }

    /** Indented JSON text (2 spaces). */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 2, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level) {
        switch (v) {
            case null -> sb.append("null");
            case String str -> quote(sb, str);
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f.doubleValue());
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (i++ > 0) sb.append(',');
                    newline(sb, indent, level + 1);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(indent >= 0 ? ": " : ":");
                    write(sb, e.getValue(), indent, level + 1);
                }
                if (i > 0) newline(sb, indent, level);
                sb.append('}');
            }
            case Iterable<?> it -> {
                sb.append('[');
                int i = 0;
                for (Object o : it) {
                    if (i++ > 0) sb.append(',');
                    newline(sb, indent, level + 1);
                    write(sb, o, indent, level + 1);
                }
                if (i > 0) newline(sb, indent, level);
                sb.append(']');
            }
            case int[] a -> {
                List<Object> l = new ArrayList<>();
                for (int x : a) l.add(x);
                write(sb, l, indent, level);
            }
            case long[] a -> {
                List<Object> l = new ArrayList<>();
                for (long x : a) l.add(x);
                write(sb, l, indent, level);
            }
            case float[] a -> {
                List<Object> l = new ArrayList<>();
                for (float x : a) l.add(x);
                write(sb, l, indent, level);
            }
            default -> throw new JsonException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static void number(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) throw new JsonException("JSON has no representation for " + d);
        if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
        else sb.append(d);
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent < 0) return;
        sb.append('\n');
        sb.append(" ".repeat(indent * level));
    }

    /** Appends {@code str} as a JSON string literal. */
    public static void quote(StringBuilder sb, String str) {
        sb.append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
