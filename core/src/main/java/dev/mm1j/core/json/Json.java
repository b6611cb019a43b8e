package dev.mm1j.core.json;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
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
 * <p>Strict where RFC 8259 leaves room (§8.2, §9): {@code \}u escapes must form valid UTF-16 (a high
 * surrogate followed by a low one), numbers longer than {@link #MAX_NUMBER_CHARS} characters or beyond the
 * double range are rejected, input bytes must be valid UTF-8 (a leading byte order mark is skipped).
 *
 * <p>Errors are {@link JsonException}s naming the source with line and column. Nesting is limited
 * ({@link #DEFAULT_MAX_DEPTH}) and so is the input size ({@link #DEFAULT_MAX_BYTES}), so hostile input can
 * exhaust neither the stack nor the heap.
 */
public final class Json {
    public static final int DEFAULT_MAX_DEPTH = 512;
    /** The largest JSON input read by default: 256 MiB (tokenizer.json files run to tens of MiB). */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    /** The longest number literal accepted. */
    public static final int MAX_NUMBER_CHARS = 1000;

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
        if (text.length() > DEFAULT_MAX_BYTES) throw new JsonException(source + ": " + text.length() + " characters is over the limit of " + DEFAULT_MAX_BYTES);
        Json p = new Json(text, maxDepth, source);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected text after the value");
        return v;
    }

    /** Parses UTF-8 bytes (invalid UTF-8 is an error; a leading byte order mark is skipped). */
    public static Object parse(byte[] utf8, String source) {
        if (utf8.length > DEFAULT_MAX_BYTES) throw new JsonException(source + ": " + utf8.length + " bytes is over the limit of " + DEFAULT_MAX_BYTES + " for JSON");
        String text = decodeUtf8(utf8, source);
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
        return parse(text, DEFAULT_MAX_DEPTH, source);
    }

    /** Reads and parses a file of at most {@code maxBytes} bytes; the file name is the source in messages. */
    public static Object parse(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) throw new JsonException(file + ": " + size + " bytes is over the limit of " + maxBytes + " for a JSON file");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
        }
        if (bytes.length > maxBytes) throw new JsonException(file + ": over the limit of " + maxBytes + " bytes for a JSON file");
        return parse(bytes, file.toString());
    }

    /** Reads and parses a file of at most {@link #DEFAULT_MAX_BYTES}. */
    public static Object parse(Path file) throws IOException {
        return parse(file, DEFAULT_MAX_BYTES);
    }

    /** Strict UTF-8 decoding; malformed input is a {@link JsonException} naming the byte offset. */
    public static String decodeUtf8(byte[] bytes, String source) {
        return decodeUtf8(ByteBuffer.wrap(bytes), source);
    }

    /** Strict UTF-8 decoding of a buffer's remaining bytes. */
    public static String decodeUtf8(ByteBuffer bytes, String source) {
        int start = bytes.position();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException(source + ": invalid UTF-8 near byte " + (bytes.position() - start));
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
            if (peek() != '"') throw error(pos >= s.length() ? "unexpected end of input, expected a string key" : "expected a string key but found " + describe(peek()));
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
            if (Character.isSurrogate(c)) {
                // only reachable from Java strings: decoded UTF-8 always pairs surrogates
                if (Character.isHighSurrogate(c) && pos + 1 < s.length() && Character.isLowSurrogate(s.charAt(pos + 1))) pos += 2;
                else throw error("unpaired surrogate " + describe(c) + " in a string");
                continue;
            }
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
                case 'u' -> unicodeEscape(sb);
                default -> {
                    pos--;
                    throw error("invalid escape \\" + (e < 0x20 || e > 0x7e ? describe(e) : String.valueOf(e)));
                }
            }
            start = pos;
        }
    }

    /** After {@code \}u: four hex digits, and for a high surrogate the {@code \}uDC00–DFFF that must follow. */
    private void unicodeEscape(StringBuilder sb) {
        int escPos = pos - 2;
        char c = hex4();
        if (Character.isLowSurrogate(c)) {
            pos = escPos;
            throw error(String.format("\\u%04X is a low surrogate without a high surrogate before it", (int) c));
        }
        if (Character.isHighSurrogate(c)) {
            if (!s.startsWith("\\u", pos)) {
                pos = escPos;
                throw error(String.format("\\u%04X is a high surrogate not followed by a \\u low surrogate", (int) c));
            }
            pos += 2;
            char low = hex4();
            if (!Character.isLowSurrogate(low)) {
                pos = escPos;
                throw error(String.format("\\u%04X is a high surrogate followed by \\u%04X, not a low surrogate", (int) c, (int) low));
            }
            sb.append(c).append(low);
            return;
        }
        sb.append(c);
    }

    private char hex4() {
        if (pos + 4 > s.length()) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            char h = s.charAt(pos + i);
            int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0) {
                pos += i;
                throw error("invalid hex digit " + describe(h) + " in a \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') pos++;
        } else {
            throw error("invalid number: a digit must follow '-'");
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
        if (pos - start > MAX_NUMBER_CHARS) {
            int end = pos;
            pos = start;
            throw error("number of " + (end - start) + " characters is longer than the limit of " + MAX_NUMBER_CHARS);
        }
        String t = s.substring(start, pos);
        if (integer) {
            if (t.length() <= 18) return Long.parseLong(t);
            BigInteger b = new BigInteger(t);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        double d = Double.parseDouble(t);
        if (Double.isInfinite(d)) {
            pos = start;
            throw error("number " + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + " is out of the range of a double");
        }
        return d;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("invalid literal (expected " + word + ")");
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
        write(sb, value, -1, 0, false);
        return sb.toString();
    }

    /**
     * Compact JSON text of any value, never an exception: what {@link #write} refuses is replaced (an unpaired
     * surrogate by U+FFFD, a non-finite number by null, another object by its {@code toString()} as a string,
     * nesting past {@link #DEFAULT_MAX_DEPTH} by null). For answers that must go out whatever they hold, such as
     * an error message that quotes part of a request.
     */
    public static String writeSafe(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, -1, 0, true);
        return sb.toString();
    }

    /** Indented JSON text (2 spaces). */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 2, 0, false);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level, boolean safe) {
        if (level > DEFAULT_MAX_DEPTH) {
            if (safe) {
                sb.append("null");
                return;
            }
            throw new JsonException("cannot write JSON nested deeper than " + DEFAULT_MAX_DEPTH + " (a cycle?)");
        }
        switch (v) {
            case null -> sb.append("null");
            case String str -> quote(sb, str, safe);
            case Boolean b -> sb.append(b);
            case Double d -> {
                if (safe && !Double.isFinite(d)) sb.append("null");
                else number(sb, d);
            }
            case Float f -> {
                if (!Float.isFinite(f)) {
                    if (!safe) throw new JsonException("JSON has no representation for " + f);
                    sb.append("null");
                } else {
                    sb.append(f); // Float.toString is the shortest text that reads back as the same float
                }
            }
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (i++ > 0) sb.append(',');
                    newline(sb, indent, level + 1);
                    quote(sb, String.valueOf(e.getKey()), safe);
                    sb.append(indent >= 0 ? ": " : ":");
                    write(sb, e.getValue(), indent, level + 1, safe);
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
                    write(sb, o, indent, level + 1, safe);
                }
                if (i > 0) newline(sb, indent, level);
                sb.append(']');
            }
            case int[] a -> {
                List<Object> l = new ArrayList<>();
                for (int x : a) l.add(x);
                write(sb, l, indent, level, safe);
            }
            case long[] a -> {
                List<Object> l = new ArrayList<>();
                for (long x : a) l.add(x);
                write(sb, l, indent, level, safe);
            }
            case float[] a -> {
                List<Object> l = new ArrayList<>();
                for (float x : a) l.add(x);
                write(sb, l, indent, level, safe);
            }
            case double[] a -> {
                List<Object> l = new ArrayList<>();
                for (double x : a) l.add(x);
                write(sb, l, indent, level, safe);
            }
            case Object[] a -> write(sb, java.util.Arrays.asList(a), indent, level, safe);
            default -> {
                if (!safe) throw new JsonException("cannot write a " + v.getClass().getName() + " as JSON");
                String text;
                try {
                    text = String.valueOf(v);
                } catch (RuntimeException e) {
                    text = v.getClass().getName();
                }
                quote(sb, text, true);
            }
        }
    }

    private static void number(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) throw new JsonException("JSON has no representation for " + d);
        if (d == 0 && Double.doubleToRawLongBits(d) != 0) sb.append("-0.0");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
        else sb.append(d); // Double.toString: shortest round-trip text, e.g. 1.0E-5 (valid JSON)
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent < 0) return;
        sb.append('\n');
        sb.append(" ".repeat(indent * level));
    }

    /** Appends {@code str} as a JSON string literal; an unpaired surrogate (not valid Unicode) is an error. */
    public static void quote(StringBuilder sb, String str) {
        quote(sb, str, false);
    }

    /** As {@link #quote(StringBuilder, String)}; with {@code safe} an unpaired surrogate is written as U+FFFD. */
    private static void quote(StringBuilder sb, String str, boolean safe) {
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
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < str.length() && Character.isLowSurrogate(str.charAt(i + 1))) {
                        sb.append(c).append(str.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        if (!safe) throw new JsonException(String.format("cannot write an unpaired surrogate U+%04X as JSON", (int) c));
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
