package dev.mm1j.app.server;

import java.util.List;
import java.util.Map;

/**
 * Typed reads of one JSON object of a request, named the way OpenAI's errors name them ({@code messages[0].content}).
 * A key set to {@code null} counts as absent (clients send {@code "stop": null}); a value of the wrong type is a
 * 400 that names the field, what was expected and what came.
 */
final class JsonFields {
    private final Map<String, Object> map;
    private final String path; // "" at the top level

    JsonFields(Map<String, Object> map, String path) {
        this.map = map;
        this.path = path;
    }

    /** The request body's top level; anything but an object is a 400. */
    @SuppressWarnings("unchecked")
    static JsonFields root(Object parsed) {
        if (!(parsed instanceof Map<?, ?> m)) throw ApiException.badRequest(null, "The request body must be a JSON object, got " + kind(parsed));
        return new JsonFields((Map<String, Object>) m, "");
    }

    String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    Object raw(String key) {
        return map.get(key);
    }

    String string(String key, String fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw wrongType(key, "a string", v);
    }

    String requireString(String key) {
        String s = string(key, null);
        if (s == null) throw missing(key);
        return s;
    }

    boolean bool(String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw wrongType(key, "true or false", v);
    }

    /** An integer (a number with a fraction is an error; 1.0 passes). */
    long integer(String key, long fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) return d.longValue();
        if (v instanceof Number) throw ApiException.badRequest(name(key), "'" + name(key) + "' must be an integer within range, got " + brief(v));
        throw wrongType(key, "an integer", v);
    }

    /** An integer within [min, max]. */
    int integer(String key, int fallback, long min, long max) {
        long v = integer(key, fallback);
        if (v < min || v > max) throw ApiException.badRequest(name(key), "'" + name(key) + "' must be in [" + min + ", " + max + "], got " + v);
        return (int) v;
    }

    double number(String key, double fallback, double min, double max) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw wrongType(key, "a number", v);
        double d = n.doubleValue();
        if (!(d >= min && d <= max)) throw ApiException.badRequest(name(key), "'" + name(key) + "' must be in [" + min + ", " + max + "], got " + brief(v));
        return d;
    }

    @SuppressWarnings("unchecked")
    List<Object> list(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof List<?> l) return (List<Object>) l;
        throw wrongType(key, "an array", v);
    }

    JsonFields object(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        return of(v, name(key));
    }

    /** {@code v} (an element of a list, named {@code name}) as an object. */
    @SuppressWarnings("unchecked")
    static JsonFields of(Object v, String name) {
        if (v instanceof Map<?, ?> m) return new JsonFields((Map<String, Object>) m, name);
        throw ApiException.badRequest(name, "'" + name + "' must be an object, got " + kind(v));
    }

    ApiException missing(String key) {
        return ApiException.badRequest(name(key), "'" + name(key) + "' is required");
    }

    ApiException wrongType(String key, String expected, Object got) {
        return ApiException.badRequest(name(key), "'" + name(key) + "' must be " + expected + ", got " + kind(got) + " " + brief(got));
    }

    static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "a string";
            case Boolean b -> "a boolean";
            case Number n -> "a number";
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }

    /** A value as short JSON for an error message ({@link #cut} to 40 chars). */
    static String brief(Object v) {
        if (v instanceof String s && s.length() > 40) v = s.substring(0, Character.isHighSurrogate(s.charAt(39)) ? 39 : 40) + "..."; // not megabytes of JSON for 40 chars
        return cut(dev.mm1j.core.json.Json.writeSafe(v));
    }

    /** A string cut to at most 40 chars for an error message, never inside a surrogate pair. */
    static String cut(String s) {
        if (s.length() <= 40) return s;
        int at = 37;
        if (Character.isLowSurrogate(s.charAt(at)) && Character.isHighSurrogate(s.charAt(at - 1))) at--;
        return s.substring(0, at) + "...";
    }
}
