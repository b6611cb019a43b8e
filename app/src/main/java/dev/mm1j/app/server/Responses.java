package dev.mm1j.app.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of OpenAI's API: {@code chat.completion}, {@code chat.completion.chunk}, {@code text_completion}
 * (whole or streamed), usage, and the model list. One instance per response: it holds the id, the creation time
 * and whether the response is a chat.
 */
final class Responses {
    private final String id;
    private final long created;
    private final String model;
    private final String fingerprint;
    private final boolean chat;

    Responses(String id, long created, String model, String fingerprint, boolean chat) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.fingerprint = fingerprint;
        this.chat = chat;
    }

    /** The whole answer. */
    Map<String, Object> complete(String text, String finishReason, int promptTokens, int completionTokens) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", "assistant");
            msg.put("content", text);
            choice.put("message", msg);
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> root = head(chat ? "chat.completion" : "text_completion");
        root.put("choices", List.of(choice));
        root.put("usage", usage(promptTokens, completionTokens));
        return root;
    }

    /** A streamed piece: the first chat chunk carries the role, then text deltas, then the finish reason. */
    Map<String, Object> chunk(String role, String text, String finishReason, boolean withNullUsage) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            Map<String, Object> delta = new LinkedHashMap<>();
            if (role != null) delta.put("role", role);
            if (text != null) delta.put("content", text);
            choice.put("delta", delta);
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> root = head(chat ? "chat.completion.chunk" : "text_completion");
        root.put("choices", List.of(choice));
        if (withNullUsage) root.put("usage", null);
        return root;
    }

    /** The last chunk when {@code stream_options.include_usage} is set: no choices, the usage. */
    Map<String, Object> usageChunk(int promptTokens, int completionTokens) {
        Map<String, Object> root = head(chat ? "chat.completion.chunk" : "text_completion");
        root.put("choices", new ArrayList<>());
        root.put("usage", usage(promptTokens, completionTokens));
        return root;
    }

    private Map<String, Object> head(String object) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.put("system_fingerprint", fingerprint);
        return root;
    }

    static Map<String, Object> usage(int prompt, int completion) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    /** GET /v1/models. */
    static Map<String, Object> models(String name, long created) {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", List.of(model(name, created)));
        return list;
    }

    static Map<String, Object> model(String name, long created) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", name);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "mm1j");
        return m;
    }
}
