#!/usr/bin/env python3
"""Renders every case of golden.json with Python's jinja2, configured as Hugging Face transformers configures it for
chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, a {% generation %} tag,
tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now), and records in golden.json, as a case's
"jinja2" entry, every case where jinja2's result differs from @huggingface/jinja's. Run after make_golden.mjs.

    python3 check_jinja2.py            # annotate golden.json, print the agreement per template
"""
import json
import os
import sys
from collections import defaultdict
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "../../model/src/test/resources/dev/mm1j/model/generation/jinja")


class Generation(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: transformers marks assistant text with it; rendering is unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment(now):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: now.strftime(fmt)
    return env


def main():
    for name in ("golden.json", "snippets.json"):
        annotate(os.path.join(RESOURCES, name))
    return 0


def annotate(path):
    with open(path, encoding="utf-8") as f:
        golden = json.load(f)
    env = environment(datetime.fromisoformat(golden["now"]))
    compiled = {}
    stats = defaultdict(lambda: [0, 0])
    for case in golden["cases"]:
        name = case.get("template") or case["group"] + "/" + case["name"]
        if name not in compiled:
            if "source" in case:
                source = case["source"]
            else:
                with open(os.path.join(RESOURCES, golden["templates"][name]["file"]), encoding="utf-8") as f:
                    source = f.read()
            try:
                compiled[name] = env.from_string(source)
            except jinja2.TemplateError as e:
                compiled[name] = e
        t = compiled[name]
        try:
            if isinstance(t, Exception):
                raise t
            mine = {"expected": t.render(**case["context"])}
        except Exception as e:  # every failure is a result to compare, not a crash of this script
            mine = {"error": f"{type(e).__name__}: {e}"}
        theirs = {k: case[k] for k in ("expected", "error") if k in case}
        same = ("expected" in mine and mine == theirs) or ("error" in mine and "error" in theirs)
        case.pop("jinja2", None)
        if not same:
            case["jinja2"] = mine
        stats[name][0 if same else 1] += 1
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{os.path.basename(path)}: jinja2 {jinja2.__version__} vs @huggingface/jinja (agree / differ):")
    for name, (agree, differ) in stats.items():
        if "/" not in name or differ:
            print(f"  {name:48s} {agree:4d} {differ:4d}")
    total_differ = sum(d for _, d in stats.values())
    print(f"total: {sum(a for a, _ in stats.values())} agree, {total_differ} differ (recorded as 'jinja2' entries)")


if __name__ == "__main__":
    sys.exit(main())
