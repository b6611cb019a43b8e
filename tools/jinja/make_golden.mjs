// Renders the corpus (corpus.mjs) with @huggingface/jinja, the Jinja interpreter transformers.js uses, and writes
// model/src/test/resources/dev/mm1j/model/generation/jinja/golden.json for JinjaGoldenTest. Run check_jinja2.py next:
// it renders the same contexts with Python's jinja2 and records where the two references disagree. See README.md.
import { Environment, Template } from "@huggingface/jinja";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { CONVERSATIONS, NOW, RAW, TEMPLATES, contentStyle, readsImageCount, toContextMessage } from "./corpus.mjs";
import { SNIPPETS } from "./snippets.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const resources = join(here, "../../model/src/test/resources/dev/mm1j/model/generation/jinja");
const version = JSON.parse(readFileSync(join(here, "node_modules/@huggingface/jinja/package.json"), "utf8")).version;

// Python's strftime on the fixed clock, for the directives the corpus' templates use.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n) => String(n).padStart(2, "0");
function strftimeNow(format) {
  return format.replace(/%[dmYbHM%]/g, (d) => ({ "%d": pad(NOW.day), "%m": pad(NOW.month), "%Y": String(NOW.year),
    "%b": MONTHS[NOW.month - 1], "%H": pad(NOW.hour), "%M": pad(NOW.minute), "%%": "%" })[d]);
}

// @huggingface/jinja declares strftime_now (reading the real clock) before the context, and refuses to redeclare a
// name; let the context's fixed-clock strftime_now replace the global one.
const declare = Environment.prototype.declareVariable;
Environment.prototype.declareVariable = function (name, value) {
  if (name === "strftime_now" && this.variables.has(name)) return this.setVariable(name, value);
  return declare.call(this, name, value);
};

// A lone UTF-16 surrogate (from indexing a string by UTF-16 unit) cannot be stored in the golden file as valid JSON.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function render(template, context) {
  try {
    const out = template.render({ ...context, strftime_now: strftimeNow });
    if (LONE_SURROGATE.test(out)) return { error: "the result holds a lone UTF-16 surrogate (strings indexed by UTF-16 unit)" };
    return { expected: out };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

const templates = {};
const cases = [];
for (const [name, tokens] of Object.entries(TEMPLATES)) {
  const file = `templates/${name}.jinja`;
  const source = readFileSync(join(resources, file), "utf8");
  const style = contentStyle(source);
  templates[name] = { file, style, tokens };
  let compiled = null, compileError = null;
  try {
    compiled = new Template(source);
  } catch (e) {
    compileError = String(e.message ?? e);
  }
  const run = (context) => (compiled ? render(compiled, context) : { error: compileError });
  for (const conv of CONVERSATIONS) {
    for (const agp of conv.agp) {
      // transformers' apply_chat_template passes tools and documents (None when not given) besides the messages.
      const context = { ...tokens, tools: null, documents: null, ...(conv.extra ?? {}), add_generation_prompt: agp,
        messages: conv.messages.map((m) => toContextMessage(m, style, readsImageCount(source))) };
      cases.push({ template: name, conversation: conv.id, add_generation_prompt: agp, context, ...run(context) });
    }
  }
  for (const raw of RAW.filter((r) => r.templates.includes(name))) {
    for (const agp of raw.agp) {
      const context = { ...tokens, ...raw.context, add_generation_prompt: agp };
      cases.push({ template: name, conversation: raw.id, add_generation_prompt: agp, raw: true, context, ...run(context) });
    }
  }
}

const conversations = Object.fromEntries(CONVERSATIONS.map((c) => [c.id, { messages: c.messages, extra: c.extra ?? {} }]));
const golden = {
  about: "Expected renderings of chat templates, written by tools/jinja/make_golden.mjs with @huggingface/jinja " + version
    + " and annotated by tools/jinja/check_jinja2.py with Python jinja2 (see tools/jinja/README.md). 'expected'/'error' are"
    + " @huggingface/jinja's; a case whose 'jinja2' entry is present rendered differently in jinja2 (what transformers uses).",
  now: `${NOW.year}-${pad(NOW.month)}-${pad(NOW.day)}T${pad(NOW.hour)}:${pad(NOW.minute)}:${pad(NOW.second)}`,
  templates,
  conversations,
  cases,
};
writeFileSync(join(resources, "golden.json"), JSON.stringify(golden, null, 1) + "\n");

// The language snippets (snippets.mjs): each template inline, rendered the same way.
const snippets = [];
for (const [group, list] of Object.entries(SNIPPETS)) {
  for (const [name, source, context = {}] of list) {
    let result;
    try {
      result = render(new Template(source), context);
    } catch (e) {
      result = { error: String(e.message ?? e) };
    }
    snippets.push({ group, name, source, context, ...result });
  }
}
writeFileSync(join(resources, "snippets.json"), JSON.stringify({
  about: "Small templates, one language feature each, written by tools/jinja/make_golden.mjs with @huggingface/jinja " + version
    + " and annotated by tools/jinja/check_jinja2.py (see tools/jinja/README.md); fields as in golden.json.",
  now: golden.now,
  cases: snippets,
}, null, 1) + "\n");
console.log(`${snippets.length} language snippets -> snippets.json`);

const errors = cases.filter((c) => "error" in c).length;
console.log(`${Object.keys(templates).length} templates, ${cases.length} cases (${errors} raise an error) -> golden.json`);
