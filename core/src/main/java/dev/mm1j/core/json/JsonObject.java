package dev.mm1j.core.json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed, path-aware access to a parsed JSON object: {@code obj.getInt("hidden_size")} fails with
 * {@code config.json: text_config.hidden_size: expected an integer, got "abc"}. A key holding JSON
 * {@code null} counts as absent (Hugging Face configs write {@code "rope_scaling": null}).
 */
public final class JsonObject {
    private final Map<String, Object> map;
    private final String source;
    private final String keyPath; // "" at the root

    private JsonObject(Map<String, Object> map, String source, String keyPath) {
        this.map = map;
        this.source = source;
        this.keyPath = keyPath;
    }

    /** Wraps a map as the root object of {@code source} (a file name, for messages). */
    public JsonObject(Map<String, Object> map, String source) {
        this(map, source, "");
    }

    /** Wraps a parsed value that must be an object; {@code source} names it in messages. */
    public static JsonObject of(Object parsed, String source) {
        return of(parsed, source, "");
    }

    @SuppressWarnings("unchecked")
    private static JsonObject of(Object parsed, String source, String keyPath) {
        if (!(parsed instanceof Map)) throw new JsonException(prefix(source, keyPath) + "expected a JSON object, got " + brief(parsed));
        return new JsonObject((Map<String, Object>) parsed, source, keyPath);
    }

    /** Reads a JSON file whose top level is an object (at most {@link Json#DEFAULT_MAX_BYTES}). */
    public static JsonObject read(Path file) throws IOException {
        return of(Json.parse(file), file.getFileName() != null ? file.getFileName().toString() : file.toString());
    }

    public Map<String, Object> map() {
        return map;
    }

    /** Where this object is, e.g. {@code config.json: text_config}. */
    public String path() {
        return keyPath.isEmpty() ? source : source + ": " + keyPath;
    }

    public boolean has(String key) {
        return map.get(key) != null;
    }

    public Object get(String key) {
        return map.get(key);
    }

    /** The keys, in file order. */
    public java.util.Set<String> keys() {
        return map.keySet();
    }

    private String childPath(String key) {
        return keyPath.isEmpty() ? key : keyPath + "." + key;
    }

    /** {@code source: a.b.key: } — the prefix of every message about {@code key}. */
    private String where(String key) {
        return prefix(source, childPath(key));
    }

    private static String prefix(String source, String keyPath) {
        return keyPath.isEmpty() ? source + ": " : source + ": " + keyPath + ": ";
    }

    private Object require(String key) {
        if (!has(key)) throw new JsonException(where(key) + "missing required key");
        return map.get(key);
    }

    /** A short rendering of a value for messages (long values are cut). */
    private static String brief(Object v) {
        String s;
        try {
            s = Json.write(v);
        } catch (JsonException e) {
            s = String.valueOf(v);
        }
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    public JsonObject getObject(String key) {
        return of(require(key), source, childPath(key));
    }

    public JsonObject optObject(String key) {
        return has(key) ? getObject(key) : null;
    }

    public String getString(String key) {
        if (require(key) instanceof String str) return str;
        throw new JsonException(where(key) + "expected a string, got " + brief(map.get(key)));
    }

    public String optString(String key, String fallback) {
        return has(key) ? getString(key) : fallback;
    }

    public long getLong(String key) {
        Object v = require(key);
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) return d.longValue();
        throw new JsonException(where(key) + "expected an integer, got " + brief(v));
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new JsonException(where(key) + v + " is out of range");
        return (int) v;
    }

    public int optInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    public long optLong(String key, long fallback) {
        return has(key) ? getLong(key) : fallback;
    }

    public double getDouble(String key) {
        if (require(key) instanceof Number n) return n.doubleValue();
        throw new JsonException(where(key) + "expected a number, got " + brief(map.get(key)));
    }

    public double optDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    public boolean getBoolean(String key) {
        if (require(key) instanceof Boolean b) return b;
        throw new JsonException(where(key) + "expected true or false, got " + brief(map.get(key)));
    }

    public boolean optBoolean(String key, boolean fallback) {
        return has(key) ? getBoolean(key) : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<Object> getList(String key) {
        if (require(key) instanceof List<?> l) return (List<Object>) l;
        throw new JsonException(where(key) + "expected an array, got " + brief(map.get(key)));
    }

    public List<Object> optList(String key) {
        return has(key) ? getList(key) : null;
    }

    /** An array of numbers as doubles. */
    public double[] getDoubles(String key) {
        List<Object> l = getList(key);
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new JsonException(where(key + "[" + i + "]") + "expected a number, got " + brief(l.get(i)));
            out[i] = n.doubleValue();
        }
        return out;
    }

    /** An array of integers. */
    public long[] getLongs(String key) {
        List<Object> l = getList(key);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long n)) throw new JsonException(where(key + "[" + i + "]") + "expected an integer, got " + brief(l.get(i)));
            out[i] = n;
        }
        return out;
    }

    /** An array of strings. */
    public List<String> getStrings(String key) {
        List<Object> l = getList(key);
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) throw new JsonException(where(key + "[" + i + "]") + "expected a string, got " + brief(l.get(i)));
            out.add(s);
        }
        return out;
    }

    /** The elements of an array of objects, each with its path ({@code added_tokens[3]}). */
    public List<JsonObject> getObjects(String key) {
        List<Object> l = getList(key);
        List<JsonObject> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) out.add(of(l.get(i), source, childPath(key) + "[" + i + "]"));
        return out;
    }

    @Override
    public String toString() {
        return path();
    }
}
