package dev.mm1j.app.server;

import com.sun.net.httpserver.HttpExchange;
import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reading a request body and writing answers on an exchange, within the limits of {@link ConnectionGuard}: the
 * body is read under the request deadline, and every write to the client is timed ({@code --send-timeout}).
 * Answers are written with {@link Json#writeSafe}, which cannot fail, so an error answer always goes out.
 */
final class HttpIo {
    private HttpIo() {}

    /** The exchange's guard state, or a stand-in when the handler runs outside a {@link ConnectionGuard} (never in the server). */
    static ConnectionGuard.Exchange guard() {
        return ConnectionGuard.CURRENT.isBound() ? ConnectionGuard.CURRENT.get() : null;
    }

    /**
     * The request body, at most {@code limit} bytes: a 413 past it (from Content-Length before reading anything),
     * 400 when empty. Marks the request read for the guard.
     */
    static byte[] readBody(HttpExchange ex, long limit) throws IOException {
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            long declared;
            try {
                declared = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "invalid Content-Length '" + JsonFields.cut(cl) + "'");
            }
            if (declared > limit) throw bodyTooLarge(ex, declared + " bytes", limit);
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes((int) limit + 1);
        }
        ConnectionGuard.Exchange g = guard();
        if (g != null) g.bodyRead();
        if (bytes.length > limit) throw bodyTooLarge(ex, "more than " + limit + " bytes", limit);
        if (bytes.length == 0) throw ApiException.badRequest(null, "The request body is empty: send a JSON object");
        return bytes;
    }

    private static ApiException bodyTooLarge(HttpExchange ex, String size, long limit) {
        ex.getResponseHeaders().set("Connection", "close");
        return ApiException.tooLarge(null, "The request body is " + size + ", over this server's limit of " + limit
            + " bytes (images count with their base64 text; the limit is set with --max-body)");
    }

    /** Answers {@code body} as JSON with {@code status} (headers only for HEAD). */
    static void sendJson(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = Json.writeSafe(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ConnectionGuard.Exchange g = guard();
        if (g != null) g.beginWrite();
        try {
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        } finally {
            if (g != null) g.endWrite();
        }
    }

    /** Starts a server-sent event stream (status 200). */
    static OutputStream startEvents(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ConnectionGuard.Exchange g = guard();
        if (g != null) g.beginWrite();
        try {
            ex.sendResponseHeaders(200, 0);
        } finally {
            if (g != null) g.endWrite();
        }
        return ex.getResponseBody();
    }

    /** One event, {@code data: JSON}. */
    static void event(OutputStream os, Map<String, Object> json) throws IOException {
        write(os, ("data: " + Json.writeSafe(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Ends an event stream (its last chunk), within the send limit like every write. */
    static void finish(OutputStream os) throws IOException {
        ConnectionGuard.Exchange g = guard();
        if (g != null) g.beginWrite();
        try {
            os.close();
        } finally {
            if (g != null) g.endWrite();
        }
    }

    /** Raw event text (a keep-alive comment, {@code data: [DONE]}). */
    static void write(OutputStream os, byte[] bytes) throws IOException {
        ConnectionGuard.Exchange g = guard();
        if (g != null) g.beginWrite();
        try {
            os.write(bytes);
            os.flush();
        } finally {
            if (g != null) g.endWrite();
        }
    }
}
