package dev.mm1j.app.server;

import dev.mm1j.core.json.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Malformed and hostile requests, generated from a seed: broken JSON, odd Unicode, every field with every wrong
 * type, sizes past every limit, sampling values at and past their edges (subnormals, NaN as text, huge
 * max_tokens), wrong media types, foreign Host headers, wrong methods and paths. Valid requests among them ask for
 * one or two tokens, so the suite stays quick.
 */
final class AbuseRequests {
    /** One request: raw requests go over a socket (any Host, any Content-Type, bytes that are not UTF-8). */
    record Case(String what, String method, String path, Map<String, String> headers, byte[] body, boolean raw) {}

    private final SplittableRandom rnd;
    private final long maxBody;
    private final List<Case> out = new ArrayList<>();

    private AbuseRequests(long seed, long maxBody) {
        this.rnd = new SplittableRandom(seed);
        this.maxBody = maxBody;
    }

    /** At least {@code count} cases. */
    static List<Case> generate(long seed, int count, long maxBody) {
        AbuseRequests g = new AbuseRequests(seed, maxBody);
        g.fixed();
        while (g.out.size() < count) g.random();
        return g.out;
    }

    static final Object[] WRONG = {null, true, false, 0L, -1L, 1.5, -0.0, 4.9e-324, 1e-40, 1e308, -1e308, new BigInteger("9223372036854775808"),
        new BigInteger("-9223372036854775809"), "", "str", "NaN", "Infinity", "-0", "1e999", "\uD83D\uDE00".repeat(30), List.of(), java.util.Collections.singletonList(null),
        List.of(1, 2), Map.of(), Map.of("a", 1), "\u0000", "\uFDD0\uFDD1"};
    static final String[] FIELDS = {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
        "presence_penalty", "frequency_penalty", "seed", "stop", "stream", "stream_options", "n", "logprobs", "top_logprobs", "ignore_eos",
        "response_format", "tools", "functions", "user", "logit_bias"};
    static final String[] TEXTS = {"What colour is the star?", "", " ", "\u0000\u0001\u001f", "\u202Eevil\u202C", "e\u0301\u0301\u0301",
        "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "\uFDD0x\uFDD1", "\uFFFE\uFFFF", "\uE000\uF8FF", "</s>Question: hi\nAnswer:", "<image>",
        "<s><s><s>", "\n".repeat(500), "\uD800\uDC00\uDBFF\uDFFF", "Ω≈ç√∫", "\u4e2d\u6587".repeat(200)};

    private static Map<String, Object> base(boolean chat) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (chat) m.put("messages", List.of(Map.of("role", "user", "content", "What colour is the star?")));
        else m.put("prompt", "Question: What colour is the star?\nAnswer:");
        m.put("max_tokens", 2);
        m.put("temperature", 0);
        return m;
    }

    private void json(String what, boolean chat, Object body) {
        add(what, "POST", chat ? "/v1/chat/completions" : "/v1/completions", Json.writeSafe(body));
    }

    private void add(String what, String method, String path, String body) {
        out.add(new Case(what, method, path, Map.of("Content-Type", "application/json"), body == null ? null : body.getBytes(StandardCharsets.UTF_8), false));
    }

    private void raw(String what, String method, String path, Map<String, String> headers, byte[] body) {
        out.add(new Case(what, method, path, headers, body, true));
    }

    /** The systematic part: every field × every wrong value, every sampling edge, every header and route case. */
    private void fixed() {
        for (boolean chat : new boolean[] {true, false}) {
            for (String f : FIELDS) {
                for (Object v : WRONG) {
                    Map<String, Object> b = base(chat);
                    b.put(f, v);
                    json("type " + f + "=" + Json.writeSafe(v), chat, b);
                }
            }
        }
        // message structure
        for (Object v : WRONG) {
            json("messages[0]=" + Json.writeSafe(v), true, Map.of("messages", java.util.Arrays.asList(v), "max_tokens", 1));
            json("role=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", v, "content", "x")), "max_tokens", 1));
            json("content=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content", v)), "max_tokens", 1));
            json("part=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content", java.util.Arrays.asList(v))), "max_tokens", 1));
            json("part type=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content", List.of(mapOf("type", v, "text", "x")))), "max_tokens", 1));
            json("text=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content", List.of(mapOf("type", "text", "text", v)))), "max_tokens", 1));
            json("image_url=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content", List.of(mapOf("type", "image_url", "image_url", v)))), "max_tokens", 1));
            json("url=" + Json.writeSafe(v), true, Map.of("messages", List.of(mapOf("role", "user", "content",
                List.of(mapOf("type", "image_url", "image_url", mapOf("url", v))))), "max_tokens", 1));
            json("prompt=" + Json.writeSafe(v), false, mapOf("prompt", v, "max_tokens", 1));
        }
        for (String role : new String[] {"system", "developer", "assistant", "tool", "function", "robot", "USER", ""}) {
            json("role " + role, true, Map.of("messages", List.of(Map.of("role", role, "content", "hi")), "max_tokens", 1));
        }
        // texts
        for (String t : TEXTS) {
            json("text " + t.length(), true, Map.of("messages", List.of(Map.of("role", "user", "content", t)), "max_tokens", 1));
            json("prompt text " + t.length(), false, Map.of("prompt", t, "max_tokens", 1, "stop", List.of(t.isEmpty() ? "x" : t)));
        }
        // sampling edges
        double[] edges = {0, -0.0, 4.9e-324, 1e-45, 1e-40, 1e-6, 1e-5, 0.5, 1, 1.0000001, 2, 2.0000001, -2, -2.0000001, 100, -1e-300, 1.7976931348623157e308};
        for (String f : new String[] {"temperature", "top_p", "min_p", "presence_penalty", "frequency_penalty"}) {
            for (double d : edges) {
                Map<String, Object> b = base(true);
                b.put(f, d);
                json("sampling " + f + "=" + d, true, b);
            }
        }
        for (long k : new long[] {-2, -1, 0, 1, 2, 427, 428, 429, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Long.MAX_VALUE}) {
            Map<String, Object> b = base(true);
            b.put("top_k", k);
            json("top_k " + k, true, b);
            Map<String, Object> m = base(false);
            m.put("max_tokens", k);
            json("max_tokens " + k, false, m);
            Map<String, Object> s = base(true);
            s.put("seed", k);
            json("seed " + k, true, s);
        }
        for (String raw : new String[] {"1e999", "-1e999", "NaN", "Infinity", "-Infinity", "0x10", "01", "1.", ".5", "+1", "1e-99999", "1E400",
            "123456789012345678901234567890", "-0", "1e-324", "2.4703282292062327e-324"}) {
            add("number " + raw, "POST", "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1,\"temperature\":" + raw + "}");
            add("max_tokens " + raw, "POST", "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":" + raw + "}");
        }
        // sizes
        json("huge content", true, Map.of("messages", List.of(Map.of("role", "user", "content", "x".repeat(200_000))), "max_tokens", 1));
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 3000; i++) many.add(Map.of("role", i % 2 == 0 ? "user" : "assistant", "content", "hi"));
        json("3000 messages", true, Map.of("messages", many, "max_tokens", 1));
        List<Object> stops = new ArrayList<>();
        for (int i = 0; i < 17; i++) stops.add("s" + i);
        json("17 stops", true, mapOf("messages", List.of(Map.of("role", "user", "content", "x")), "stop", stops));
        json("long stop", true, mapOf("messages", List.of(Map.of("role", "user", "content", "x")), "stop", List.of("y".repeat(1001))));
        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < 5000; i++) ids.add(i % 400);
        json("5000 prompt ids", false, Map.of("prompt", ids, "max_tokens", 1));
        json("bad prompt ids", false, Map.of("prompt", List.of(1, 2, 428), "max_tokens", 1));
        json("negative prompt id", false, Map.of("prompt", List.of(1, -1), "max_tokens", 1));
        json("image id in prompt", false, Map.of("prompt", List.of(1, 427, 5), "max_tokens", 1));
        json("batched prompts", false, Map.of("prompt", List.of("a", "b"), "max_tokens", 1));
        json("9 images", true, Map.of("messages", List.of(Map.of("role", "user", "content", java.util.Collections.nCopies(9,
            Map.of("type", "image_url", "image_url", Map.of("url", "data:image/png;base64,iVBORw0KGgo="))))), "max_tokens", 1));
        for (String url : new String[] {"data:image/png;base64,", "data:image/png;base64,!!!!", "data:text/plain;base64,aGk=", "data:image/png,rawbytes",
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB", "data:", "data:image/png;base64," + "A".repeat(100_000), "javascript:alert(1)",
            "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "//evil/x.png", "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="}) {
            json("url " + url.substring(0, Math.min(30, url.length())), true, Map.of("messages", List.of(Map.of("role", "user", "content",
                List.of(Map.of("type", "image_url", "image_url", Map.of("url", url)), Map.of("type", "text", "text", "what?")))), "max_tokens", 1));
        }
        add("over the body limit", "POST", "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat((int) maxBody) + "\"}]}");
        // broken JSON
        String valid = Json.write(base(true));
        for (int cut = 0; cut < valid.length(); cut += 3) add("truncated at " + cut, "POST", "/v1/chat/completions", valid.substring(0, cut));
        for (String bad : new String[] {"{", "}", "[]", "null", "true", "1", "\"x\"", "{\"messages\":}", "{'messages':[]}", "{\"a\":1,}", "{\"a\" 1}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}", "{\"messages\":[{\"role\":\"user\",\"content\":\"\\udc00x\"}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"\\u12\"}]}", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\tb\"}]}",
            "{\"max_tokens\":1,\"max_tokens\":2,\"messages\":[]}", "{\"messages\":[]}garbage", "\uFEFF{\"messages\":[]}", "{\"messages\":[" + "[".repeat(600)}) {
            add("json " + bad.substring(0, Math.min(20, bad.length())), "POST", "/v1/chat/completions", bad);
        }
        add("deep nesting", "POST", "/v1/chat/completions", "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        for (byte[] bytes : new byte[][] {{(byte) 0xff, (byte) 0xfe}, {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, '"', '}'}, {'{', 0, '}'},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {'{', '"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', ':', '1', '}'}}) {
            raw("invalid UTF-8", "POST", "/v1/chat/completions", Map.of("Content-Type", "application/json"), bytes);
        }
        // media types and hosts (over a socket: java.net.http sets neither freely)
        String ok = Json.write(base(true));
        for (String type : new String[] {null, "text/plain", "text/plain;charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/json-patch+json", "application/jsonp", "", "*/*", "application/json; charset=latin1"}) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", type);
            raw("content-type " + type, "POST", "/v1/chat/completions", h, ok.getBytes(StandardCharsets.UTF_8));
        }
        for (String host : new String[] {"evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.nip.io", "[::2]", "0.0.0.0",
            "192.168.1.1", "localhost:99999", "localhost:", "[::1", "localhost", "127.0.0.1", "127.1.2.3:80", "[::1]:1"}) {
            raw("host " + host, "POST", "/v1/chat/completions", Map.of("Content-Type", "application/json", "Host", host), ok.getBytes(StandardCharsets.UTF_8));
        }
        // routes and methods
        for (String[] r : new String[][] {{"GET", "/v1/chat/completions"}, {"PUT", "/v1/completions"}, {"DELETE", "/v1/models"}, {"OPTIONS", "/v1/chat/completions"},
            {"GET", "/v1/embeddings"}, {"GET", "/"}, {"GET", "/v1/models/%00"}, {"GET", "/v1/models/" + "x".repeat(2000)}, {"GET", "/health?x=1"},
            {"POST", "/health"}, {"GET", "/v1/../health"}, {"GET", "/v1/models/mm1-demo"}, {"GET", "/v1/models"}, {"HEAD", "/health"}, {"HEAD", "/v1/models"},
            {"PATCH", "/v1/chat/completions"}, {"GET", "/%2e%2e/%2e%2e/etc/passwd"}}) {
            add(r[0] + " " + r[1], r[0], r[1], r[0].equals("GET") || r[0].equals("HEAD") || r[0].equals("DELETE") ? null : ok);
        }
    }

    /** A random request: a valid base with one to three mutations. */
    private void random() {
        boolean chat = rnd.nextInt(3) > 0;
        Map<String, Object> b = base(chat);
        if (rnd.nextInt(4) == 0) b.put("stream", true);
        for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
            switch (rnd.nextInt(5)) {
                case 0 -> b.put(FIELDS[rnd.nextInt(FIELDS.length)], WRONG[rnd.nextInt(WRONG.length)]);
                case 1 -> b.put(new String[] {"temperature", "top_p", "min_p", "presence_penalty", "frequency_penalty"}[rnd.nextInt(5)],
                    switch (rnd.nextInt(4)) {
                        case 0 -> Double.longBitsToDouble(rnd.nextLong(1, 1L << 52)); // a subnormal
                        case 1 -> rnd.nextDouble(-3, 3);
                        case 2 -> Math.scalb(1.0, rnd.nextInt(-1100, 1100));
                        default -> rnd.nextInt(2) == 0 ? "NaN" : -0.0;
                    });
                case 2 -> b.put("max_tokens", switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> (long) rnd.nextInt(1, 3);
                    case 2 -> Math.scalb(1.0, rnd.nextInt(0, 80));
                    default -> (long) rnd.nextInt(-5, 5000);
                });
                case 3 -> {
                    String t = TEXTS[rnd.nextInt(TEXTS.length)];
                    if (chat) b.put("messages", List.of(Map.of("role", "user", "content", t)));
                    else b.put("prompt", t);
                }
                default -> b.put("stop", rnd.nextInt(2) == 0 ? TEXTS[rnd.nextInt(TEXTS.length)] : List.of("\n", "x"));
            }
        }
        if (b.get("max_tokens") instanceof Number n && n.doubleValue() > 2 && n.doubleValue() < 5000) b.put("max_tokens", 2); // keep generation short
        json("random", chat, b);
    }

    private static Map<String, Object> mapOf(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
