package dev.mm1j.model.generation.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Templates that cannot be parsed or rendered fail with exactly one {@link JinjaException} that names the construct
 * and where it is (never a StackOverflowError, an OutOfMemoryError or a hang). The positions asserted are those of
 * the offending text in each source.
 */
class BadTemplateTest {
    private static JinjaException compileError(String source) {
        return assertThrows(JinjaException.class, () -> JinjaTemplate.compile(source));
    }

    private static JinjaException renderError(String source, Map<String, ?> context, JinjaTemplate.Limits limits) {
        JinjaTemplate t = JinjaTemplate.compile(source);
        return assertThrows(JinjaException.class, () -> t.render(context, LocalDateTime::now, limits));
    }

    private static void assertAt(JinjaException e, JinjaException.Kind kind, int line, int column, String... words) {
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("line " + line + ", column " + column), e.getMessage());
        for (String w : words) assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
    }

    @Test
    void unterminatedTags() {
        assertAt(compileError("ok\n  {% if x %}never closed"), JinjaException.Kind.SYNTAX, 2, 25, "'if' at line 2, column 6", "'{% endif %}'");
        assertAt(compileError("{% for m in messages %}{% if m %}x{% endfor %}"), JinjaException.Kind.SYNTAX, 1, 38, "endfor", "nothing open");
        assertAt(compileError("a {{ x "), JinjaException.Kind.SYNTAX, 1, 3, "'{{'", "never closed");
        assertAt(compileError("a {% if x "), JinjaException.Kind.SYNTAX, 1, 3, "'{%'", "never closed");
        assertAt(compileError("\n{# comment"), JinjaException.Kind.SYNTAX, 2, 1, "comment", "never closed");
        assertAt(compileError("{{ 'abc }}"), JinjaException.Kind.SYNTAX, 1, 4, "string is never closed");
        assertAt(compileError("{% raw %}abc"), JinjaException.Kind.SYNTAX, 1, 1, "raw", "endraw");
        assertAt(compileError("{{ 1 + }}"), JinjaException.Kind.SYNTAX, 1, 8, "unexpected '}}'");
        assertAt(compileError("{{ (1 }}"), JinjaException.Kind.SYNTAX, 1, 7, "unexpected '}'");
        assertAt(compileError("{{ x ] }}"), JinjaException.Kind.SYNTAX, 1, 6, "unexpected ']'");
    }

    @Test
    void unknownFiltersTestsAndStatements() {
        assertAt(compileError("line1\n{{ name | nosuchfilter }}"), JinjaException.Kind.UNSUPPORTED, 2, 11, "unknown filter 'nosuchfilter'");
        assertAt(compileError("{{ x is nosuchtest }}"), JinjaException.Kind.UNSUPPORTED, 1, 9, "unknown test 'nosuchtest'");
        assertAt(compileError("{{ x|groupby('a') }}"), JinjaException.Kind.UNSUPPORTED, 1, 6, "'groupby' (a Jinja built-in mm1j does not implement)");
        assertAt(compileError("{% if x %}{% for m in y %}{{ m|nosuch }}{% endfor %}{% endif %}"), JinjaException.Kind.UNSUPPORTED, 1, 32, "unknown filter 'nosuch'");
        assertAt(compileError("{% extends 'base.html' %}"), JinjaException.Kind.UNSUPPORTED, 1, 4, "'{% extends %}'");
        assertAt(compileError("{% call m() %}x{% endcall %}"), JinjaException.Kind.UNSUPPORTED, 1, 4, "'{% call %}'");
        assertAt(compileError("{% for x in y recursive %}{% endfor %}"), JinjaException.Kind.UNSUPPORTED, 1, 15, "recursive");
        assertAt(compileError("{% frobnicate %}"), JinjaException.Kind.SYNTAX, 1, 4, "unknown statement");
        assertAt(compileError("{% break %}"), JinjaException.Kind.SYNTAX, 1, 4, "outside a for loop");
    }

    @Test
    void unknownFiltersInsideConditionalsFailOnlyWhenUsed() {
        // Jinja defers these to run time inside {% if %} and inline if, so templates with exotic branches still render.
        JinjaTemplate t = JinjaTemplate.compile("{% if exotic %}{{ x|from_json }}{% else %}plain{% endif %}{{ 1 if true else y|nosuch }}");
        assertEquals("plain1", t.render(Map.of("exotic", false)));
        JinjaException e = assertThrows(JinjaException.class, () -> t.render(Map.of("exotic", true, "x", "{}")));
        assertAt(e, JinjaException.Kind.UNSUPPORTED, 1, 21, "unknown filter 'from_json'");
    }

    @Test
    void runawayRecursionIsStopped() {
        JinjaException e = renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Map.of(), JinjaTemplate.Limits.DEFAULT);
        assertEquals(JinjaException.Kind.RENDER, e.kind());
        assertTrue(e.getMessage().contains("macro 'f' recursed deeper than 200 calls"), e.getMessage());
    }

    @Test
    void runawayOutputAndLoopsAreStopped() {
        JinjaException big = renderError("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}", Map.of(), JinjaTemplate.Limits.DEFAULT);
        assertTrue(big.getMessage().contains("output would exceed 16777216 characters"), big.getMessage());
        JinjaTemplate.Limits small = new JinjaTemplate.Limits(1 << 20, 100_000, 50);
        JinjaException slow = renderError("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", Map.of(), small);
        assertTrue(slow.getMessage().contains("more than 100000 steps"), slow.getMessage());
        JinjaException range = renderError("{{ range(10**9)|length }}", Map.of(), small);
        assertTrue(range.getMessage().contains("Range too big"), range.getMessage());
        JinjaException repeat = renderError("{{ 'x' * 1000000000 }}", Map.of(), small);
        assertTrue(repeat.getMessage().contains("would exceed"), repeat.getMessage());
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deepExpr = "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}";
        assertEquals(JinjaException.Kind.UNSUPPORTED, compileError(deepExpr).kind());
        String deepBlocks = "{% if true %}".repeat(5000) + "x" + "{% endif %}".repeat(5000);
        assertEquals(JinjaException.Kind.UNSUPPORTED, compileError(deepBlocks).kind());
        String deepNot = "{{ " + "not ".repeat(5000) + "x }}";
        assertEquals(JinjaException.Kind.UNSUPPORTED, compileError(deepNot).kind());
        List<Object> nested = List.of();
        for (int i = 0; i < 1000; i++) nested = List.of(nested);
        JinjaException e = renderError("{{ x }}", Map.of("x", nested), JinjaTemplate.Limits.DEFAULT);
        assertTrue(e.getMessage().contains("nested over"), e.getMessage());
    }

    @Test
    void renderErrorsPointAtTheExpression() {
        JinjaException e = renderError("a\nb {{ 1 + 'x' }}", Map.of(), JinjaTemplate.Limits.DEFAULT);
        assertAt(e, JinjaException.Kind.RENDER, 2, 8, "unsupported operand type(s) for +: 'int' and 'str'");
        JinjaException u = renderError("{{ messages[0].content.x.y }}", Map.of("messages", List.of(Map.of("content", "s"))), JinjaTemplate.Limits.DEFAULT);
        assertAt(u, JinjaException.Kind.RENDER, 1, 25, "'str object' has no attribute 'x'");
        JinjaException raised = renderError("{{ raise_exception('Roles must alternate') }}", Map.of(), JinjaTemplate.Limits.DEFAULT);
        assertEquals(JinjaException.Kind.RAISED, raised.kind());
        assertEquals("Roles must alternate", raised.detail());
        assertEquals("the template raised an exception: Roles must alternate", raised.getMessage());
    }

    @Test
    void contextValuesWithoutATemplateMeaningAreRefused() {
        JinjaException e = renderError("{{ x }}", Map.of("x", new Object()), JinjaTemplate.Limits.DEFAULT);
        assertTrue(e.getMessage().contains("has no template equivalent"), e.getMessage());
    }
}
