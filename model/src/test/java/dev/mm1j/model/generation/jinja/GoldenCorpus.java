package dev.mm1j.model.generation.jinja;

import dev.mm1j.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/**
 * The golden corpus of tools/jinja (golden.json and the templates it names), as the tests read it. Each case holds
 * the context, @huggingface/jinja's result ({@code expected} or {@code error}) and, where Python's jinja2 rendered
 * differently, jinja2's result: mm1j follows jinja2 (what transformers runs) in those cases.
 */
final class GoldenCorpus {
    static final String ROOT = "/dev/mm1j/model/generation/jinja/";

    /** One case: what mm1j must produce ({@code expected}, or an error whose template message is {@code raised}). */
    record Case(String template, String conversation, boolean addGenerationPrompt, boolean raw, Map<String, Object> context,
                String expected, String error, String raised, boolean referencesDiffer) {
        String name() {
            return conversation + (addGenerationPrompt ? " +gen" : "") + (referencesDiffer ? " (jinja2)" : "");
        }
    }

    final Map<String, Object> root;
    final LocalDateTime now;

    @SuppressWarnings("unchecked")
    GoldenCorpus() {
        root = (Map<String, Object>) Json.parse(resource("golden.json"));
        now = LocalDateTime.parse((String) root.get("now"));
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> templates() {
        return (Map<String, Map<String, Object>>) root.get("templates");
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> conversations() {
        return (Map<String, Map<String, Object>>) root.get("conversations");
    }

    String source(String template) {
        return resource((String) templates().get(template).get("file"));
    }

    @SuppressWarnings("unchecked")
    List<Case> cases() {
        return ((List<Map<String, Object>>) root.get("cases")).stream().map(c -> {
            Map<String, Object> result = c.containsKey("jinja2") ? (Map<String, Object>) c.get("jinja2") : c;
            String expected = (String) result.get("expected");
            String error = (String) result.get("error");
            String template = (String) c.get("template");
            return new Case(template, (String) c.get("conversation"), (Boolean) c.get("add_generation_prompt"),
                Boolean.TRUE.equals(c.get("raw")), (Map<String, Object>) c.get("context"), expected, error,
                error == null ? null : raisedMessage(error, source(template)), c.containsKey("jinja2"));
        }).toList();
    }

    /** The template's own raise_exception message inside a reference's error text, or null when the error is another. */
    private static String raisedMessage(String error, String source) {
        String msg = error.startsWith("TemplateError: ") ? error.substring("TemplateError: ".length()) : error;
        return source.contains(msg) ? msg : null;
    }

    static String resource(String name) {
        try (InputStream in = GoldenCorpus.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + ROOT + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
