package dev.mm1j.model.generation;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a Hugging Face folder keeps its chat template and special tokens. The template is read, in this order,
 * from {@code chat_template.jinja}, {@code chat_template.json} (a processor's, {@code {"chat_template": ...}}) and
 * {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of named templates of which
 * {@code "default"} is taken) — the processor's template first, as a processor's {@code apply_chat_template}
 * uses it.
 */
public final class ChatTemplateFiles {
    /** The special-token entries of tokenizer_config.json that transformers passes to the template. */
    private static final List<String> TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
        "cls_token", "mask_token");
    private static final long MAX_FILE_BYTES = 64L << 20;

    private ChatTemplateFiles() {}

    /** A template's source and the file it came from (for messages). */
    public record Found(String source, Path file) {}

    /** The folder's chat template, or empty when it has none. */
    public static Optional<Found> find(Path folder) {
        try {
            Path jinja = folder.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) return Optional.of(new Found(read(jinja), jinja));
            Path json = folder.resolve("chat_template.json");
            if (Files.isRegularFile(json)) {
                Object t = object(json).get("chat_template");
                if (t != null) return Optional.of(new Found(template(t, json), json));
            }
            Path config = folder.resolve("tokenizer_config.json");
            if (Files.isRegularFile(config)) {
                Object t = object(config).get("chat_template");
                if (t != null) return Optional.of(new Found(template(t, config), config));
            }
            return Optional.empty();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new Mm1jException(folder + ": a chat template file is not valid UTF-8");
        } catch (IOException e) {
            throw new Mm1jException(folder + ": cannot read the chat template: " + e, e);
        }
    }

    /**
     * The special tokens of a parsed tokenizer_config.json as the template sees them: {@code bos_token},
     * {@code eos_token}, ... (strings, or AddedToken objects whose {@code content} is taken) and
     * {@code additional_special_tokens} (a list).
     */
    public static Map<String, Object> specialTokens(Map<String, ?> tokenizerConfig) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : TOKEN_KEYS) {
            String s = tokenText(tokenizerConfig.get(key));
            if (s != null) out.put(key, s);
        }
        if (tokenizerConfig.get("additional_special_tokens") instanceof List<?> l) {
            List<Object> extra = new ArrayList<>();
            for (Object o : l) {
                String s = tokenText(o);
                if (s != null) extra.add(s);
            }
            out.put("additional_special_tokens", extra);
        }
        return out;
    }

    private static String tokenText(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return null;
    }

    private static String template(Object v, Path file) {
        if (v instanceof String s) return s;
        if (v instanceof List<?> named) {
            String first = null;
            for (Object o : named) {
                if (o instanceof Map<?, ?> m && m.get("template") instanceof String t) {
                    if ("default".equals(m.get("name"))) return t;
                    if (first == null) first = t;
                }
            }
            if (first != null) return first;
        }
        throw new Mm1jException(file + ": 'chat_template' is neither a string nor a list of {\"name\", \"template\"} objects");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Path file) throws IOException {
        if (!(Json.parse(file, MAX_FILE_BYTES) instanceof Map<?, ?> m)) throw new Mm1jException(file + ": not a JSON object");
        return (Map<String, Object>) m;
    }

    private static String read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) throw new Mm1jException(file + ": over " + MAX_FILE_BYTES + " bytes for a chat template");
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
