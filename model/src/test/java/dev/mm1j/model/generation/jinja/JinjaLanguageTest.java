package dev.mm1j.model.generation.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.json.Json;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The language pieces one at a time (whitespace control, loop variables, scoping of set in loops vs namespace,
 * slicing, tojson, filters, tests, operators, string methods, printing, Undefined, errors): tools/jinja's
 * snippets.json, whose expected strings come from @huggingface/jinja and Python's jinja2 (jinja2's where they
 * differ, as mm1j follows what transformers runs).
 */
class JinjaLanguageTest {

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicNode> snippets() {
        Map<String, Object> root = (Map<String, Object>) Json.parse(GoldenCorpus.resource("snippets.json"));
        LocalDateTime now = LocalDateTime.parse((String) root.get("now"));
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) root.get("cases")) {
            groups.computeIfAbsent((String) c.get("group"), k -> new ArrayList<>()).add(c);
        }
        assertTrue(root.get("cases") instanceof List<?> l && l.size() >= 100);
        return groups.entrySet().stream().map(g -> DynamicContainer.dynamicContainer(g.getKey(), g.getValue().stream().map(c ->
            DynamicTest.dynamicTest(c.get("name") + (c.containsKey("jinja2") ? " (jinja2)" : ""), () -> check(c, now)))));
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c, LocalDateTime now) {
        Map<String, Object> result = c.containsKey("jinja2") ? (Map<String, Object>) c.get("jinja2") : c;
        String source = (String) c.get("source");
        Map<String, Object> context = (Map<String, Object>) c.get("context");
        if (result.containsKey("expected")) {
            assertEquals(result.get("expected"), JinjaTemplate.compile(source).render(context, () -> now, JinjaTemplate.Limits.DEFAULT));
            return;
        }
        JinjaException e = assertThrows(JinjaException.class,
            () -> JinjaTemplate.compile(source).render(context, () -> now, JinjaTemplate.Limits.DEFAULT), "reference: " + result.get("error"));
        assertTrue(e.kind() == JinjaException.Kind.RAISED || e.line() > 0, "an error located in the template: " + e.getMessage());
    }
}
