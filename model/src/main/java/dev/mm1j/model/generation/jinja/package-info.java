/**
 * A Jinja interpreter for checkpoints' chat templates, with the semantics transformers renders them with (Jinja2 on
 * CPython, {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)}, the {@code loopcontrols}
 * extension, the {@code {% generation %}} tag, {@code tojson = json.dumps(ensure_ascii=False)}, globals
 * {@code raise_exception} and {@code strftime_now}). Entry point: {@link dev.mm1j.model.generation.jinja.JinjaTemplate};
 * the engine uses it through {@link dev.mm1j.model.generation.JinjaChatTemplate}.
 *
 * <p>Pipeline: {@code Lexer} (whitespace control) → {@code Parser}/{@code ExpressionParser} (a {@code Node} tree) →
 * {@code NameCheck} (unknown filters/tests) → {@code Renderer} (statements, expressions, limits) over the value
 * rules of {@code Values}, {@code Operators}, {@code Attributes}, {@code StringMethods}, {@code Filters},
 * {@code Sequences}, {@code Tests}, {@code Globals} and {@code ToJson}.
 *
 * <h2>Supported</h2>
 * <ul>
 *   <li>Tags: {@code {{ }}}, {@code {% %}}, {@code {# #}}, {@code -}/{@code +} whitespace control, {@code raw}.</li>
 *   <li>Statements: {@code if/elif/else}; {@code for} with tuple targets, inline {@code if}, {@code else},
 *       {@code loop.index/index0/revindex/revindex0/first/last/length/previtem/nextitem/depth/cycle()},
 *       {@code break}/{@code continue}; {@code set} (names, tuples, {@code ns.attr}, block set with filters);
 *       {@code macro} (defaults, keywords, {@code varargs}/{@code kwargs}); {@code filter}; {@code with};
 *       {@code generation}.</li>
 *   <li>Expressions: None/bool/int/float/string literals (Python escapes, adjacent strings joined), lists,
 *       tuples, dicts; {@code .attr}, {@code [key]}, slices {@code [a:b:c]}; calls with keywords; {@code + - * / //
 *       % **}, {@code ~}, chained comparisons, {@code in}/{@code not in}, {@code and/or/not}, {@code x if c else y};
 *       {@code str * int}.</li>
 *   <li>Filters: abs, attr, capitalize, center, count, d/default, dictsort, e/escape, first, float, indent, int,
 *       items, join, last, length, list, lower, map, max, min, reject, rejectattr, replace, reverse, round, safe,
 *       select, selectattr, sort, string, sum, title, tojson, trim, unique, upper, wordcount.</li>
 *   <li>Tests: boolean, callable, defined, divisibleby, eq/equalto/==, escaped, even, false, filter, float,
 *       ge/gt/le/lt (and symbols), in, integer, iterable, lower, mapping, ne/!=, none, number, odd, sameas,
 *       sequence, string, test, true, undefined, upper.</li>
 *   <li>Methods: str strip/lstrip/rstrip/split/rsplit/splitlines/upper/lower/title/capitalize/replace/
 *       startswith/endswith/find/rfind/index/count/join/format/isdigit/isalpha/isalnum/isspace/islower/isupper/
 *       removeprefix/removesuffix; dict items/keys/values/get/copy; list index/count.</li>
 *   <li>Globals: range, namespace, dict, raise_exception, strftime_now.</li>
 * </ul>
 * Python's value rules throughout: scoping (a {@code set} in a loop body is per iteration — use
 * {@code namespace()}), {@code Undefined} (prints empty, false, iterates empty; attribute access on it fails),
 * {@code None}/{@code True} print as such, floats print as {@code repr}, strings count code points, {@code map}/
 * {@code select}... return one-shot generators, unknown filters inside {@code if} fail only when used.
 *
 * <h2>Not supported (refused with a {@link dev.mm1j.model.generation.jinja.JinjaException})</h2>
 * {@code extends/block/include/import/from/call/autoescape/do}, recursive loops, {@code loop.changed}, the
 * filters batch, filesizeformat, forceescape, format, groupby, pprint, random, slice, striptags, truncate,
 * urlencode, urlize, wordwrap, xmlattr, printf-style {@code '%s' % x}, {@code str.format} specs, {@code *args}.
 * {@code |safe} returns the plain string: Python's {@code Markup + str} HTML-escapes the {@code str}, mm1j does not.
 */
package dev.mm1j.model.generation.jinja;
