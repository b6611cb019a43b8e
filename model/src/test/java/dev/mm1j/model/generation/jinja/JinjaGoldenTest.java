package dev.mm1j.model.generation.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every (template x conversation) pair of tools/jinja's corpus rendered by mm1j's interpreter must equal the
 * reference string exactly, or fail where the reference fails (with the template's own message when the template
 * raised it). The references are @huggingface/jinja and, where it disagrees, Python's jinja2.
 */
class JinjaGoldenTest {
    private static final GoldenCorpus CORPUS = new GoldenCorpus();

    @TestFactory
    Stream<DynamicNode> everyTemplateOnEveryConversation() {
        Map<String, List<GoldenCorpus.Case>> byTemplate = new LinkedHashMap<>();
        for (GoldenCorpus.Case c : CORPUS.cases()) byTemplate.computeIfAbsent(c.template(), k -> new ArrayList<>()).add(c);
        return byTemplate.entrySet().stream().map(e -> {
            JinjaTemplate t = JinjaTemplate.compile(CORPUS.source(e.getKey()));
            return DynamicContainer.dynamicContainer(e.getKey(),
                e.getValue().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(t, c))));
        });
    }

    private static void check(JinjaTemplate t, GoldenCorpus.Case c) {
        if (c.expected() != null) {
            assertEquals(c.expected(), t.render(c.context(), () -> CORPUS.now, JinjaTemplate.Limits.DEFAULT));
            return;
        }
        JinjaException e = assertThrows(JinjaException.class, () -> t.render(c.context(), () -> CORPUS.now, JinjaTemplate.Limits.DEFAULT),
            "the reference fails with: " + c.error());
        if (c.raised() != null) {
            assertEquals(JinjaException.Kind.RAISED, e.kind(), e.getMessage());
            assertEquals(c.raised(), e.detail());
        } else {
            assertTrue(e.line() > 0, "an error located in the template: " + e.getMessage());
        }
    }

    @Test
    void corpusIsLargeEnough() {
        List<GoldenCorpus.Case> cases = CORPUS.cases();
        assertTrue(CORPUS.templates().size() >= 15, "templates: " + CORPUS.templates().size());
        assertTrue(CORPUS.conversations().size() >= 12, "conversations: " + CORPUS.conversations().size());
        assertTrue(cases.stream().filter(c -> c.raised() != null).count() >= 20, "cases the templates refuse with raise_exception");
        assertTrue(cases.stream().filter(c -> !c.referencesDiffer()).count() >= 500, "cases both references agree on");
    }
}
