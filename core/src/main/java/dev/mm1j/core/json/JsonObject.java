package dev.mm1j.core.json;

import java.util.List;
import java.util.Map;

/**
 * Typed, path-aware access to a parsed JSON object: {@code obj.getInt("hidden_size")} fails with
 * {@code config.json: text_config.hidden_size: expected an integer, got "abc"}.
 */
public final class JsonObject {
    private final Map<String, Object> map;
    private final String path;

    public JsonObject(Map<String, Object> map, String path) {
        this.map = map;
        this.path = path;
    }

    /** Wraps a parsed value that must be an object. */
    @SuppressWarnings("unchecked")
    public static JsonObject of(Object parsed, String path) {
        if (!(parsed instanceof Map)) throw new JsonException(path + ": expected a JSON object");
        return new JsonObject((Map<String, Object>) parsed, path);
    }

    public Map<String, Object> map() {
        return map;
    }

    public String path() {
        return path;
    }

    public boolean has(String key) {
        return map.containsKey(key) && map.get(key) != null;
    }

    public Object get(String key) {
        return map.get(key);
    }

    private String where(String key) {
        return path + "." + key;
    }

    private Object require(String key) {
        if (!has(key)) throw new JsonException(where(key) + ": missing required key");
        return map.get(key);
    }

    public JsonObject getObject(String key) {
        return of(require(key), where(key));
    }

    public JsonObject optObject(String key) {
        return has(key) ? getObject(key) : null;
    }

    public String getString(String key) {
        if (require(key) instanceof String str) return str;
        throw new JsonException(where(key) + ": expected a string, got " + Json.write(map.get(key)));
    }

    public String optString(String key, String fallback) {
        return has(key) ? getString(key) : fallback;
    }

    public long getLong(String key) {
        Object v = require(key);
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) return d.longValue();
        throw new JsonException(where(key) + ": expected an integer, got " + Json.write(v));
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new JsonException(where(key) + ": " + v + " is out of range");
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
        throw new JsonException(where(key) + ": expected a number, got " + Json.write(map.get(key)));
    }

    public double optDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    public boolean getBoolean(String key) {
        if (require(key) instanceof Boolean b) return b;
        throw new JsonException(where(key) + ": expected true or false, got " + Json.write(map.get(key)));
    }

    public boolean optBoolean(String key, boolean fallback) {
        return has(key) ? getBoolean(key) : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<Object> getList(String key) {
        if (require(key) instanceof List<?> l) return (List<Object>) l;
        throw new JsonException(where(key) + ": expected an array, got " + Json.write(map.get(key)));
    }

    public List<Object> optList(String key) {
        return has(key) ? getList(key) : null;
    }

    /** An array of numbers as doubles. */
    public double[] getDoubles(String key) {
        List<Object> l = getList(key);
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new JsonException(where(key) + "[" + i + "]: expected a number");
            out[i] = n.doubleValue();
        }
        return out;
    }

    /** An array of integers. */
    public long[] getLongs(String key) {
        List<Object> l = getList(key);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long n)) throw new JsonException(where(key) + "[" + i + "]: expected an integer");
            out[i] = n;
        }
        return out;
    }
}
