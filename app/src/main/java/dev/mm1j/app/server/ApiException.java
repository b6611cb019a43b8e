package dev.mm1j.app.server;

import dev.mm1j.model.serving.EngineException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answered in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}, with its HTTP
 * status. Bad input is always a 4xx with a message that names the field; 5xx is reserved for the server's own
 * state (overloaded, shutting down) and for bugs.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String code, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is malformed; {@code param} (nullable) names the field. */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", null, param, message);
    }

    static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null,
            "Incorrect or missing API key: send it as 'Authorization: Bearer KEY'");
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "not_found", null, message);
    }

    static ApiException modelNotFound(String model, String served) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
            "The model '" + model + "' does not exist; this server serves '" + served + "'");
    }

    static ApiException methodNotAllowed(String method, String path, String allowed) {
        return new ApiException(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed on " + path + " (use " + allowed + ")");
    }

    static ApiException tooLarge(String param, String message) {
        return new ApiException(413, "invalid_request_error", "request_too_large", param, message);
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, "server_error", "unavailable", null, message);
    }

    static ApiException timeout(String message) {
        return new ApiException(504, "timeout_error", "timeout", null, message);
    }

    static ApiException internal(String message) {
        return new ApiException(500, "server_error", "internal_error", null, message);
    }

    /** The HTTP answer to an engine's refusal or failure. */
    static ApiException from(EngineException e) {
        return switch (e.kind()) {
            case BAD_INPUT -> badRequest(null, e.getMessage());
            case QUEUE_FULL -> new ApiException(429, "rate_limit_error", "queue_full", null, e.getMessage());
            case UNAVAILABLE -> unavailable(e.getMessage());
            case TIMEOUT -> timeout(e.getMessage());
            case INTERNAL -> internal("Internal server error; the details are in the server's log"); // the server logs e with a request id
        };
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** The response body. */
    public Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("error", e);
        return root;
    }
}
