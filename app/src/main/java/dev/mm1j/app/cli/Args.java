package dev.mm1j.app.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: {@code --flag value}, {@code --flag=value}, boolean {@code --flag}, repeated
 * flags, short flags {@code -p 128} (a dash and letters, named {@code p}; llama.cpp's style), and positional
 * words ({@code -5} stays a word). Commands declare which flags take no value ({@link #parse}'s switches);
 * {@link #checkUnknown} turns a typo into an error instead of silently ignoring it.
 */
public final class Args {
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> consumed = new HashSet<>();

    private static final java.util.regex.Pattern SHORT = java.util.regex.Pattern.compile("-[A-Za-z][A-Za-z0-9]?(=.*)?");

    private Args() {}

    /**
     * @param switches flags (without "--") that take no value
     */
    public static Args parse(String[] argv, Set<String> switches) {
        Args a = new Args();
        boolean rest = false;
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (!rest && SHORT.matcher(s).matches()) s = "-" + s; // -p 128 reads like --p 128
            if (rest || !s.startsWith("--") || s.equals("--")) {
                if (s.equals("--") && !rest) {
                    rest = true;
                    continue;
                }
                a.positional.add(s);
                continue;
            }
            String name = s.substring(2), value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (switches.contains(name)) {
                value = "true";
            } else {
                if (i + 1 >= argv.length) throw new CliException("--" + name + " needs a value");
                value = argv[++i];
            }
            a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return a;
    }

    public List<String> positional() {
        return positional;
    }

    public boolean has(String name) {
        consumed.add(name);
        return options.containsKey(name);
    }

    public boolean flag(String name) {
        consumed.add(name);
        List<String> v = options.get(name);
        if (v == null) return false;
        String last = v.getLast();
        if (last.equals("true")) return true;
        if (last.equals("false")) return false;
        throw new CliException("--" + name + " takes no value (got '" + last + "')");
    }

    public String get(String name, String fallback) {
        consumed.add(name);
        List<String> v = options.get(name);
        return v == null ? fallback : v.getLast();
    }

    public String require(String name) {
        String v = get(name, null);
        if (v == null) throw new CliException("missing --" + name);
        return v;
    }

    public List<String> all(String name) {
        consumed.add(name);
        return options.getOrDefault(name, List.of());
    }

    public int getInt(String name, int fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public long getLong(String name, long fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public double getDouble(String name, double fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    /** Fails on any flag no getter asked about (call after reading every option). */
    public void checkUnknown() {
        for (String k : options.keySet()) {
            if (!consumed.contains(k)) throw new CliException("unknown option --" + k);
        }
    }
}
